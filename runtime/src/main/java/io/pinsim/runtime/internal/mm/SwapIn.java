package io.pinsim.runtime.internal.mm;

import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.model.SwapinWriteReuse;
import io.pinsim.runtime.trace.TraceKind;

/**
 * The swap side of a fault: do_swap_page() (mm/memory.c) and the swap cache's exits
 * (delete_from_swap_cache(), free_swap_cache(), mm/swap_state.c). Split from {@link Faults}, which
 * calls it for a swap PTE and after a COW copy.
 */
final class SwapIn {
    private final MmCore k;
    private final Faults faults;
    private final SwapinWriteReuse swapinReuse;

    SwapIn(MmCore k, Faults faults) {
        this.k = k;
        this.faults = faults;
        this.swapinReuse = k.model().get(SwapinWriteReuse.class);
    }

    /**
     * do_swap_page(): map the page back from the swap cache, or read it into a new swap-cache page.
     * Whether a write fault may map it writable at once follows {@link SwapinWriteReuse}: up to 5.17
     * reuse_swap_page() (mapcount + swapcount <= 1, and the page leaves the swap cache); from 5.19
     * the exclusive bit the swap PTE remembered. After a read fault the page stays in the swap cache
     * (try_to_free_swap() only runs when swap is more than half full or the VMA is mlocked).
     */
    Faults.Result doSwapPage(Mm mm, VmArea vma, long vpn, long pte, int flags, String actor) {
        long addr = vpn << Kernel.PAGE_SHIFT;
        SwapSpace.Slot slot = k.swap.get(Pte.slot(pte));
        Page f = slot.cache;
        boolean fromCache = f != null;
        if (f == null) {
            f = k.deferredSplit.allocUserPage(Content.copyOf(slot.content));
            if (f == null) {
                return Faults.Result.OOM;
            }
            Faults.makeAnon(f, mm, vma, vpn, false);
            f.swapSlot = slot;
            slot.cache = f;
        }
        k.touch(f);
        boolean write = (flags & Faults.WRITE) != 0;
        boolean writable = false;
        String why;
        // do_swap_page(): if (pte_swp_soft_dirty(vmf->orig_pte)) pte = pte_mksoft_dirty(pte);
        long n = Pte.present(f.pfn()) | Pte.YOUNG | (pte & Pte.SOFT_DIRTY);
        if (swapinReuse == SwapinWriteReuse.MAPCOUNT_PLUS_SWAPCOUNT) {
            int count = f.mapcount() + slot.count;
            if (write && count <= 1) {
                deleteFromSwapCache(f);
                // A page no one else maps or swaps is exclusive: in a kernel with PG_anon_exclusive a
                // writable anon PTE must point to an exclusive page (no-op without the flag).
                f.setAnonExclusive();
                writable = true;
                why = "mapcount + swapcount = " + count + " <= 1: mapped writable, page left the swap cache (reuse_swap_page)";
            } else {
                why = write ? "mapcount + swapcount = " + count + " > 1: mapped read-only (reuse_swap_page)" : "mapped read-only, page stays in the swap cache";
            }
        } else {
            boolean exclusive = (pte & Pte.SWP_EXCLUSIVE) != 0;
            if (exclusive) {
                f.setAnonExclusive();
            }
            writable = write && exclusive;
            why = exclusive ? (write ? "swap PTE was exclusive: mapped writable" : "swap PTE was exclusive: page exclusive, mapped read-only")
                    : "swap PTE was not exclusive: mapped read-only";
        }
        if (writable) {
            n |= Faults.writeBit(vma) | Pte.DIRTY | Pte.SOFT_DIRTY;
            f.flags |= Page.DIRTY;
        }
        mm.pt.set(vpn, n);
        slot.count--;
        if (swapinReuse == SwapinWriteReuse.ANON_EXCLUSIVE && write && f.swapSlot != null && slot.count == 0 && f.refcount() == 2) {
            // should_try_to_free_swap(): a write fault with no other reference frees the swap cache,
            // unless other swap PTEs still use the slot (folio_free_swap(): folio_swapped()).
            deleteFromSwapCache(f);
        }
        k.swap.freeIfUnused(slot);
        k.trace().record(actor, TraceKind.FAULT, addr, f.pfn(), (write ? "write" : "read") + " fault at " + Kernel.hex(addr) + ": swap-in of slot " + slot.id
                + (fromCache ? " from the swap cache, frame #" : " into new frame #") + f.pfn() + ": " + why + " (do_swap_page)");
        if (write && !writable) {
            return faults.doWpPage(mm, vma, vpn, mm.pt.get(vpn), false, actor);
        }
        return Faults.Result.OK;
    }

    /**
     * free_swap_cache() after wp_page_copy() (f4c4a3f48480, 5.14): an old page that no PTE maps and
     * no swap entry refers to leaves the swap cache (try_to_free_swap()), so the copy frees it.
     * Before 5.14 the idle page waited in the swap cache for reclaim, which frees it the same way;
     * the model has no LRU for it to wait on, so every model frees it here.
     */
    void freeSwapCache(Page f) {
        if (f.swapSlot != null && f.swapSlot.count == 0 && f.mapcount() == 0) {
            deleteFromSwapCache(f);
        }
    }

    /** delete_from_swap_cache(): the page leaves the swap cache and is marked dirty. */
    void deleteFromSwapCache(Page f) {
        SwapSpace.Slot slot = f.swapSlot;
        f.swapSlot = null;
        slot.cache = null;
        f.flags |= Page.DIRTY;
        k.swap.freeIfUnused(slot);
        k.touch(f);
    }

}
