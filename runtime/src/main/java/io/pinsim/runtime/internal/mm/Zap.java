package io.pinsim.runtime.internal.mm;

import io.pinsim.runtime.MmuNotifierEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * zap_pte_range(): removes the PTEs of a range, dropping the mappings' references; a frame is
 * freed when nothing else holds it. A pinned frame survives, unmapped. Swap entries drop their
 * swap count (free_swap_and_cache()). Huge PMDs the range covers whole go in one step
 * (zap_huge_pmd()); one it covers in part is split first;
 * a device-private entry drops its device page's reference
 * (which returns to its pool at zero), a device-exclusive entry its page's mapping. A THP the zap
 * leaves partly mapped is queued for the deferred split ({@link DeferredSplit}).
 */
public final class Zap {
    private final MmCore k;

    public Zap(MmCore k) {
        this.k = k;
    }

    /**
     * Zaps [startVpn, endVpn) of mm inside an invalidation with the given event; the kernel raises
     * it whether or not anything is mapped (zap_page_range_single(), unmap_vmas()). With a null event
     * the caller has already opened the invalidation.
     */
    public void zapRange(Mm mm, long startVpn, long endVpn, MmuNotifierEvent event) {
        if (event != null) {
            mm.notifyStart(event, startVpn, endVpn, true);
        }
        List<Page> dropped = new ArrayList<>();
        new HugeMemory(k).zapHugePmds(mm, startVpn, endVpn, dropped);
        int pmds = dropped.size();
        List<SwapSpace.Slot> slots = new ArrayList<>();
        List<DevicePage> devicePages = new ArrayList<>();
        mm.pt.forEach(startVpn, endVpn, (vpn, pte) -> {
            if (Pte.isPresent(pte)) {
                if (Pte.pfn(pte) != 0) {
                    dropped.add(k.frameOfPte(pte));
                }
            } else if (Pte.isDeviceExclusive(pte)) {
                // zap_pte_range(): a device-exclusive entry still maps its page
                dropped.add(k.frame(Pte.slot(pte)));
            } else if (Pte.isDevicePrivate(pte)) {
                devicePages.add(k.deviceMemory.page(Pte.slot(pte)));
            } else if (Pte.isSwap(pte)) {
                slots.add(k.swap.get(Pte.slot(pte)));
            }
        });
        mm.pt.forEach(startVpn, endVpn, (vpn, pte) -> mm.pt.set(vpn, Pte.NONE));
        mm.pt.clearEmptyLeaves(startVpn, endVpn);
        for (Page f : dropped) {
            k.touch(f);
            SwapSpace.Slot cached = f.swapSlot;
            if (cached != null && cached.count == 0 && f.mapcount() == 0 && !lockedElsewhere(f, cached)) {
                // free_pages_and_swap_cache() -> free_swap_cache(): an unmapped page no swap entry refers to leaves the swap cache.
                f.swapSlot = null;
                cached.cache = null;
                k.swap.freeIfUnused(cached);
            }
            k.maybeFree(f);
        }
        for (int i = 0; i < dropped.size(); i++) {
            // page_remove_rmap(): a THP left partly mapped goes on the deferred split queue (see DeferredSplit)
            if (i < pmds) {
                k.deferredSplit.pmdUnmapped(dropped.get(i), "zap_huge_pmd");
            } else {
                k.deferredSplit.pteUnmapped(dropped.get(i), "zap_pte_range");
            }
        }
        for (DevicePage d : devicePages) {
            d.pool().maybeFree(d);
        }
        for (SwapSpace.Slot s : slots) {
            s.count--;
            Page cached = s.cache;
            if (s.count == 0 && cached != null && cached.mapcount() == 0 && !lockedElsewhere(cached, s)) {
                // free_swap_and_cache(): __try_to_reclaim_swap() drops an unmapped swap-cache page.
                cached.swapSlot = null;
                s.cache = null;
                k.touch(cached);
                k.maybeFree(cached);
            }
            k.swap.freeIfUnused(s);
        }
        if (event != null) {
            mm.notifyEnd(event, startVpn, endVpn);
        }
    }

    /**
     * The folio_trylock() of free_swap_cache() and of __try_to_reclaim_swap() (mm/swap_state.c,
     * mm/swapfile.c): a swap-cache page another operation holds locked (a stepped reclaim between
     * its steps) is left in the swap cache; its slot keeps SWAP_HAS_CACHE, so it is not freed
     * either. The lock holder decides: the reclaim's __remove_mapping() and put_swap_folio() free
     * page and slot, or, if the reclaim keeps the page, it stays in the swap cache until a later
     * reclaim; {@link SwapSpace.Slot#trylockFailed} tells the leak check so.
     */
    private boolean lockedElsewhere(Page f, SwapSpace.Slot slot) {
        if (k.pageLocks.owner(f.pfn()) == null) {
            return false;
        }
        slot.trylockFailed = true;
        return true;
    }
}
