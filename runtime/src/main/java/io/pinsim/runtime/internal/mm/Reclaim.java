package io.pinsim.runtime.internal.mm;

import io.pinsim.runtime.FsKind;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MmuNotifierEvent;
import io.pinsim.runtime.model.PinnedAnonReclaim;
import io.pinsim.runtime.trace.TraceKind;
import java.util.ArrayList;
import java.util.List;

/**
 * Reclaim of one anonymous page, shrink_page_list() in mm/vmscan.c: add to the swap cache, unmap
 * every PTE (try_to_unmap(), MMU_NOTIFY_CLEAR), write the page out, and free it if nothing else
 * holds it (__remove_mapping() wants only the swap cache's reference).
 */
public final class Reclaim {
    private final MmCore k;

    public Reclaim(MmCore k) {
        this.k = k;
    }

    /**
     * shrink_page_list() for an ext4 page-cache page: a dirty page is left to the flusher; a clean
     * one is unmapped from every process (try_to_unmap(), MMU_NOTIFY_CLEAR), its buffers are
     * released (try_to_release_page()), and it is freed only if the page cache alone holds it
     * (__remove_mapping()). A page something else holds stays cached, mapped by nobody and without
     * buffers: the state of Jan Kara's 2018 report.
     */
    private boolean shrinkFilePage(Page f, long addr) {
        AddressSpace.Host inode = f.mapping != null ? f.mapping.inode : null;
        if (inode == null || inode.kind() != FsKind.EXT4) {
            k.trace().record("kernel", TraceKind.RECLAIM, addr, f.pfn(), "frame #" + f.pfn() + " is "
                    + (f.isDax() ? "an fs-DAX block" : "shmem or orphaned") + "; the model does not reclaim it");
            return false;
        }
        if (f.isDirty()) {
            k.trace().record("kernel", TraceKind.RECLAIM, addr, f.pfn(), "frame #" + f.pfn() + " is dirty: left to writeback (shrink_page_list: activate)");
            return false;
        }
        if (k.pageLocks.owner(f.pfn()) != null || k.pageLocks.writeback(f.pfn()) != null) {
            // shrink_folio_list(): if (!folio_trylock(folio)) goto keep; if (folio_test_writeback(folio)) ... goto activate_locked
            k.trace().record("kernel", TraceKind.RECLAIM, addr, f.pfn(), "frame #" + f.pfn() + (k.pageLocks.owner(f.pfn()) != null
                    ? " is locked (trylock_page fails)" : " is under writeback (PageWriteback)") + ": kept (shrink_page_list)");
            return false;
        }
        List<Mm> mms = new ArrayList<>();
        List<Long> vpns = new ArrayList<>();
        k.rmap().walk(f, (m, vma, v) -> {
            mms.add(m);
            vpns.add(v);
        });
        for (int i = 0; i < mms.size(); i++) {
            new Zap(k).zapRange(mms.get(i), vpns.get(i), vpns.get(i) + 1, MmuNotifierEvent.CLEAR);
        }
        f.flags &= ~Page.BUFFERS;
        k.touch(f);
        int rc = f.refcount();
        if (rc == 1) {
            inode.removePages(f.index, f.index + 1, "kernel", false);
            k.trace().record("kernel", TraceKind.RECLAIM, addr, f.pfn(), "page " + f.index + " of " + inode.name() + " (frame #" + f.pfn() + ") reclaimed");
        } else {
            k.trace().record("kernel", TraceKind.RECLAIM, addr, f.pfn(), "page " + f.index + " of " + inode.name() + " (frame #" + f.pfn() + ") unmapped from "
                    + mms.size() + " process(es) and its buffers released (try_to_release_page), but not freed: refcount " + rc + Faults.extraRefs(f));
        }
        return true;
    }

    /**
     * try_to_unmap_one() spins on each mapping's PTE table lock: while a stepped fork holds one
     * between deciding and applying a PTE (copy_pte_range()), a plain reclaim would wait, so it
     * refuses with a {@link io.pinsim.runtime.WouldBlockException} before changing anything.
     */
    private void requireNoForkPtl(Page f) {
        Mm[] held = new Mm[1];
        long[] at = new long[1];
        k.rmap().walk(f, (m, vma, v) -> {
            if (held[0] == null && m.ptlHeldByFork(v)) {
                held[0] = m;
                at[0] = v;
            }
        });
        if (held[0] != null) {
            Mm m = held[0];
            long v = at[0];
            throw new io.pinsim.runtime.WouldBlockException("reclaim of frame #" + f.pfn() + " would spin on the PTE table lock of " + Kernel.hex(v << Kernel.PAGE_SHIFT)
                    + " in \"" + m.owner.name() + "\", which a stepped fork holds between deciding and applying a PTE (copy_pte_range()); step the fork first",
                    m.ptlId(v), () -> m.ptlHeldByFork(v));
        }
    }

    /**
     * Reclaims the page mapped at vpn in mm.
     *
     * @param pageout called for MADV_PAGEOUT, which leaves pages that are mapped more than once
     *                alone ("Do not interfere with other mappings of this page",
     *                madvise_cold_or_pageout_pte_range(), read in 5.10)
     * @return true if the page was unmapped
     */
    public boolean shrinkPageAt(Mm mm, long vpn, boolean pageout) {
        long addr = vpn << Kernel.PAGE_SHIFT;
        long pte = mm.pt.get(vpn);
        if (!Pte.isPresent(pte) || Pte.pfn(pte) == 0) {
            if (!pageout) {
                k.trace().record("kernel", TraceKind.RECLAIM, addr, -1, "nothing to reclaim at " + Kernel.hex(addr) + ": " + Pte.describe(pte));
            }
            return false;
        }
        Page f = k.frameOfPte(pte);
        if (!pageout) {
            requireNoForkPtl(f);
        }
        if (f.isCompound() && f.compoundHead().isHugetlb()) {
            k.trace().record("kernel", TraceKind.RECLAIM, addr, f.pfn(), "hugetlb folio #" + f.compoundHead().pfn()
                    + " is never reclaimed: hugetlb folios are not on the LRU (isolate_lru_folio() never sees them)");
            return false;
        }
        if (f.isCompound()) {
            // a THP: swapped out whole while PMD-mapped, else split first (see ThpReclaim)
            ThpReclaim thp = new ThpReclaim(k);
            if (mm.pt.getPmd(vpn) != Pte.NONE) {
                return thp.swapOutPmdMapped(mm, HugeMemory.haddr(vpn), f.compoundHead());
            }
            if (!thp.splitHugePage(f.compoundHead(), "shrink_page_list splits a THP without a PMD mapping at once")) {
                return false;
            }
            f = k.frameOfPte(mm.pt.get(vpn));
        }
        if (!f.isAnon()) {
            return pageout ? false : shrinkFilePage(f, addr);
        }
        if (pageout && f.mapcount() != 1) {
            return false;
        }
        if (f.swapSlot == null && k.model().get(PinnedAnonReclaim.class) == PinnedAnonReclaim.SKIP_PINNED && f.pageMaybeDmaPinned()) {
            k.trace().record("kernel", TraceKind.RECLAIM, addr, f.pfn(), "frame #" + f.pfn()
                    + " may be pinned: kept mapped, not added to the swap cache (shrink_page_list, feb889fb40fa)");
            return false;
        }
        if (f.isAnonExclusive() && f.pageMaybeDmaPinned()) {
            // try_to_unmap_one(): page_try_share_anon_rmap() fails with -EBUSY for an exclusive page that
            // may be pinned, so the PTE is restored (6c287605fd56, 5.19). Reached by a page already in the swap cache.
            k.trace().record("kernel", TraceKind.RECLAIM, addr, f.pfn(), "frame #" + f.pfn()
                    + " is exclusive and may be pinned: try_to_unmap_one() keeps it mapped (page_try_share_anon_rmap: -EBUSY)");
            return false;
        }
        SwapSpace.Slot slot = f.swapSlot;
        if (slot == null) {
            slot = k.swap.allocate();
            slot.cache = f;
            f.swapSlot = slot;
        }
        boolean exclusive = f.isAnonExclusive();
        List<long[]> unmapped = new ArrayList<>();
        List<Mm> mms = new ArrayList<>();
        k.rmap().walk(f, (m, vma, v) -> {
            mms.add(m);
            unmapped.add(new long[] {v});
        });
        for (int i = 0; i < mms.size(); i++) {
            Mm m = mms.get(i);
            long v = unmapped.get(i)[0];
            m.notifyStart(MmuNotifierEvent.CLEAR, v, v + 1, true);
            long old = m.pt.get(v);
            long swp = Pte.swap(slot.id) | (old & Pte.SOFT_DIRTY) | (exclusive ? Pte.SWP_EXCLUSIVE : 0);
            m.pt.set(v, swp);
            slot.count++;
            m.notifyEnd(MmuNotifierEvent.CLEAR, v, v + 1);
        }
        f.clearAnonExclusive();
        slot.content = Content.copyOf(f.content());
        f.flags &= ~Page.DIRTY;
        k.touch(f);
        int rc = f.refcount();
        if (rc == 1) {
            f.swapSlot = null;
            slot.cache = null;
            k.freeFrame(f);
            k.trace().record("kernel", TraceKind.RECLAIM, addr, f.pfn(), "frame #" + f.pfn() + " swapped out to slot " + slot.id
                    + ", " + mms.size() + " PTE(s) now swap entries, frame freed (shrink_page_list)");
        } else {
            k.trace().record("kernel", TraceKind.RECLAIM, addr, f.pfn(), "frame #" + f.pfn() + " unmapped into swap slot " + slot.id + " (" + mms.size()
                    + " PTE(s) now swap entries) but not freed: refcount " + rc + Faults.extraRefs(f) + "; it stays in the swap cache (shrink_page_list)");
        }
        return true;
    }
}
