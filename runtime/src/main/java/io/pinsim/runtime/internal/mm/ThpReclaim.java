package io.pinsim.runtime.internal.mm;

import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MmuNotifierEvent;
import io.pinsim.runtime.model.PinnedAnonReclaim;
import io.pinsim.runtime.trace.TraceKind;

/**
 * Reclaim of anonymous THPs, the same mechanism in every modelled kernel (4.19 - 6.6, x86-64 with
 * CONFIG_THP_SWAP, 38d8b4e6bdc8 / bd4c82c22c36, 4.13 - 4.14):
 *
 * <ul>
 * <li>MADV_PAGEOUT (madvise_cold_or_pageout_pte_range(), 5.4+): a huge PMD the range covers whole
 * and that is mapped once goes to shrink_page_list() as one folio; one it covers in part is split
 * into small pages (split_huge_page()) and the part in the range is paged out page by page; a
 * PTE-mapped THP met by the PTE walk is split the same way. A folio mapped more than once is left
 * alone ("Do not interfere with other mappings"); when a split fails the walk stops for the rest
 * of that page table ({@code break}).</li>
 * <li>shrink_page_list() / shrink_folio_list(): a THP with references beyond its mappings cannot be
 * split and is skipped ("cannot split THP, skip it", can_split_huge_page(): a pin or a GUP
 * reference keeps the whole THP in memory); a THP without a PMD mapping is split at once; a
 * PMD-mapped one is added to the swap cache whole (a cluster of 512 slots, add_to_swap()), unmapped
 * with TTU_SPLIT_HUGE_PMD (the PMD is split and each PTE becomes its subpage's swap entry), written
 * out and freed as one folio.</li>
 * <li>Swap-in is per small page in every modelled kernel (do_swap_page(); large-folio swap-in came
 * in 6.10): a swapped-out THP comes back as 512 small pages, one per fault.</li>
 * </ul>
 *
 * <p>Simplification: the model swaps out a PMD-mapped THP only when that PMD is its one reference
 * (no other mm maps any of its subpages); try_to_unmap() would unmap the others too.
 */
final class ThpReclaim {
    private static final int NR = HugeMemory.HPAGE_PMD_NR;
    private final MmCore k;

    ThpReclaim(MmCore k) {
        this.k = k;
    }

    /** MADV_PAGEOUT of [from, to) in mm: madvise_cold_or_pageout_pte_range() over each page table. */
    void pageout(Mm mm, long from, long to) {
        Reclaim r = new Reclaim(k);
        for (long h = mm.pt.nextPmd(from, to); h >= 0; h = mm.pt.nextPmd(h + Pte.leafPages(mm.pt.getPmd(h)), to)) {
            Page head = k.frameOfPte(mm.pt.getPmd(h));
            if (head.isHugetlb()) {
                continue;
            }
            int mc = head.mapcount();
            if (mc != 1) {
                trace(h, head, "THP #" + head.pfn() + " is mapped " + mc + " times: MADV_PAGEOUT leaves it alone (madvise_cold_or_pageout_pte_range)");
            } else if (h < from || h + NR > to) {
                splitHugePage(head, "MADV_PAGEOUT covers part of it (madvise_cold_or_pageout_pte_range: split_huge_page, then page by page)");
            } else {
                swapOutPmdMapped(mm, h, head);
            }
        }
        long vpn = mm.pt.nextPopulated(from, to);
        while (vpn >= 0) {
            long pte = mm.pt.get(vpn);
            if (Pte.isPresent(pte) && Pte.pfn(pte) != 0 && k.frameOfPte(pte).isCompound()) {
                // "Creating a THP page is expensive so split it only if we are sure it's worth. Split it if we are only owner."
                Page f = k.frameOfPte(pte);
                int mc = f.mapcount();
                if (mc != 1 || !splitHugePage(f.compoundHead(), "MADV_PAGEOUT meets PTE-mapped THP #" + f.compoundHead().pfn()
                        + " (madvise_cold_or_pageout_pte_range: split_huge_page)")) {
                    if (mc != 1) {
                        trace(vpn, f, "frame #" + f.pfn() + " of THP #" + f.compoundHead().pfn() + " is mapped " + mc
                                + " times: MADV_PAGEOUT stops for the rest of this page table (madvise_cold_or_pageout_pte_range: break)");
                    }
                    vpn = mm.pt.nextPopulated((vpn | (NR - 1)) + 1, to);
                    continue;
                }
            }
            r.shrinkPageAt(mm, vpn, true);
            vpn = mm.pt.nextPopulated(vpn + 1, to);
        }
    }

    /**
     * shrink_page_list() for a THP that mm maps with the PMD at h: the pinned and extra-referenced
     * checks, then the whole folio to 512 swap slots, the PMD split into their swap entries, the
     * folio freed. Returns whether it was swapped out.
     */
    boolean swapOutPmdMapped(Mm mm, long h, Page head) {
        if (HugeZeroPage.is(head)) {
            return false;
        }
        if (k.model().get(PinnedAnonReclaim.class) == PinnedAnonReclaim.SKIP_PINNED && head.pageMaybeDmaPinned()) {
            trace(h, head, "THP #" + head.pfn() + " may be pinned: kept, not added to the swap cache (shrink_page_list, feb889fb40fa)");
            return false;
        }
        int extra = head.nonMappingRefs();
        if (extra > 0) {
            trace(h, head, "THP #" + head.pfn() + " has " + extra + " reference(s) besides its mappings" + Faults.extraRefs(head)
                    + ": cannot split THP, skip it (shrink_page_list: can_split_huge_page)");
            return false;
        }
        if (head.refcount() != 1) {
            trace(h, head, "THP #" + head.pfn() + " is mapped elsewhere too: the model swaps out only a THP its one PMD maps");
            return false;
        }
        boolean exclusive = head.isAnonExclusive();
        mm.notifyStart(MmuNotifierEvent.CLEAR, h, h + NR, true);
        new HugeMemory(k).splitHugePmd(mm, h, "kernel", "try_to_unmap(TTU_SPLIT_HUGE_PMD) of a THP being swapped out whole");
        for (int i = 0; i < NR; i++) {
            Page sub = head.subpage(i);
            long pte = mm.pt.get(h + i);
            SwapSpace.Slot slot = k.swap.allocate();
            slot.content = Content.copyOf(sub.content());
            slot.count = 1;
            mm.pt.set(h + i, Pte.swap(slot.id) | (pte & Pte.SOFT_DIRTY) | (exclusive ? Pte.SWP_EXCLUSIVE : 0));
            sub.clearAnonExclusive();
        }
        mm.notifyEnd(MmuNotifierEvent.CLEAR, h, h + NR);
        k.touch(head);
        k.maybeFree(head);
        trace(h, head, "THP #" + head.pfn() + " swapped out whole to 512 swap slots (add_to_swap: CONFIG_THP_SWAP), its PMD split into their swap entries "
                + "(try_to_unmap: TTU_SPLIT_HUGE_PMD), the folio freed (shrink_page_list)");
        return true;
    }

    /**
     * split_huge_page() of an anonymous THP: refused while anything but its mappings references it
     * (can_split_huge_page()); else its PMD mappings are split, every subpage becomes a small page
     * with its PTEs, and the subpages nothing maps are freed (__split_huge_page()); the folio leaves
     * the deferred split queue (split_huge_page_to_list()).
     */
    boolean splitHugePage(Page head, String why) {
        int extra = head.nonMappingRefs();
        if (extra > 0) {
            trace(head.index, head, "THP #" + head.pfn() + " cannot be split: " + extra + " reference(s) besides its mappings" + Faults.extraRefs(head)
                    + " (can_split_huge_page)");
            return false;
        }
        if (head.anonVma != null) {
            for (Mm m : head.anonVma.mms) {
                long v = Rmap.anonVpn(m, head.index, head.pfn());
                if (v >= 0 && m.pt.getPmd(v) != Pte.NONE && Pte.pfn(m.pt.getPmd(v)) == head.pfn()) {
                    new HugeMemory(k).splitHugePmd(m, v, "kernel", "split_huge_page() unmaps the folio's PMD mappings first");
                }
            }
        }
        Page[] subs = new Page[NR];
        for (int i = 0; i < NR; i++) {
            subs[i] = head.subpage(i);
        }
        head.splitToSmall();
        k.deferredSplit.remove(head);
        int freed = 0;
        for (Page p : subs) {
            k.touch(p);
            k.maybeFree(p);
            freed += p.isFree() ? 1 : 0;
        }
        trace(head.index, head, "THP #" + head.pfn() + " split into 512 small pages, " + freed + " unmapped one(s) freed: " + why);
        return true;
    }

    private void trace(long vpn, Page f, String message) {
        k.trace().record(k.currentActor() != null ? k.currentActor() : "kernel", TraceKind.RECLAIM, vpn << Kernel.PAGE_SHIFT, f.pfn(), message);
    }
}
