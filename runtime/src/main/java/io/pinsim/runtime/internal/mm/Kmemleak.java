package io.pinsim.runtime.internal.mm;

import io.pinsim.runtime.Leak;
import io.pinsim.runtime.trace.TraceEvent;
import io.pinsim.runtime.trace.TraceKind;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The model's kmemleak (mm/kmemleak.c): a scan for objects that were allocated, are not free, and
 * that nothing can reach any more, so nothing will ever free them:
 * <ul>
 * <li>a frame whose derived refcount is 0 (put_page() reached zero without freeing it);</li>
 * <li>a page of a shmem object (a MAP_SHARED|MAP_ANONYMOUS mapping's /dev/zero file) that no VMA
 *     maps any more: the last munmap() or exit drops the file, and shmem_evict_inode() must free
 *     its pages;</li>
 * <li>a swap-cache page whose swap entry no PTE refers to, that no PTE maps and nothing pins:
 *     free_swap_and_cache() removes it when the last swap PTE goes - unless its folio_trylock()
 *     failed then (a stepped reclaim held the page locked, {@code SwapSpace.Slot.trylockFailed})
 *     and the reclaim kept the page (another reference made __remove_mapping() fail): the kernel
 *     leaves such a page in the swap cache, on the LRU, until a later shrink_folio_list() frees it
 *     (clean, unmapped, in the swap cache: __remove_mapping() at once). The model runs no
 *     background reclaim, so the scan accepts it as reclaimable rather than leaked;</li>
 * <li>a swap slot whose swap count is higher than the swap PTEs that refer to it (swap_map
 *     drift), or that nothing refers to.</li>
 * <li>a freed THP still on the deferred split queue ({@link DeferredSplit}).</li>
 * </ul>
 * Page-cache pages of files, and frames a device still holds with a GUP reference or a pin, are
 * held, not leaked. The scan costs O(frames + PTEs) and runs only when asked.
 */
final class Kmemleak {
    private final MmCore k;
    private final FrameTable frames;
    private final List<Mm> mms;

    Kmemleak(MmCore k, FrameTable frames, List<Mm> mms) {
        this.k = k;
        this.frames = frames;
        this.mms = mms;
    }

    List<Leak> scan() {
        List<Leak> out = new ArrayList<>();
        Map<Long, Integer> swapRefs = new HashMap<>();
        for (Mm mm : mms) {
            mm.pt.forEach(0, Long.MAX_VALUE >>> 12, (vpn, pte) -> {
                if (Pte.isSwapSlot(pte)) {
                    swapRefs.merge(Pte.slot(pte), 1, Integer::sum);
                }
            });
        }
        List<Page> all = new ArrayList<>();
        frames.forEach(all::add);
        for (Page f : all) {
            if (f.isZeroPage() || f.isFree() || HugeZeroPage.is(f)) {
                continue;
            }
            String why = null;
            if (f.refcount() == 0) {
                why = "refcount 0: put_page() reached zero but the frame was not freed";
            } else if (f.mapping != null && f.mapping.inode == null && f.mapping.vmas.isEmpty() && f.refs == null) {
                why = "page " + f.index + " of " + f.mapping.name() + ", which no VMA maps any more: shmem_evict_inode() should have freed it";
            } else if (f.swapSlot != null && f.mapcount() == 0 && f.refs == null && swapRefs.getOrDefault(f.swapSlot.id, 0) == 0 && !f.swapSlot.trylockFailed) {
                why = "in the swap cache for slot " + f.swapSlot.id + ", which no PTE refers to: free_swap_and_cache() should have freed it";
            }
            if (why != null) {
                out.add(leak(f.toString(), why, f.allocStep));
            }
        }
        for (Page h : k.deferredSplit.queued()) {
            if (h.isFree()) {
                out.add(leak("THP #" + h.pfn(), "freed but still on the deferred split queue: free_transhuge_page() should have taken it off", h.allocStep));
            }
        }
        for (long id = 0; ; id++) {
            SwapSpace.Slot s = k.swap.get(id);
            if (s == null) {
                if (id >= k.swap.highestSlot()) {
                    break;
                }
                continue;
            }
            int refs = swapRefs.getOrDefault(id, 0);
            if (s.count != refs) {
                out.add(leak("swap slot " + id, "swap count " + s.count + " but " + refs + " swap PTE(s) refer to it (swap_map drift)", -1));
            }
        }
        return out;
    }

    private Leak leak(String what, String why, int step) {
        if (step <= 0) {
            return new Leak(what, why, -1, "");
        }
        for (TraceEvent e : k.trace().events()) {
            if (e.step() == step && e.kind() == TraceKind.CALL) {
                return new Leak(what, why, step, e.actor() + ": " + e.message());
            }
        }
        return new Leak(what, why, step, "");
    }
}
