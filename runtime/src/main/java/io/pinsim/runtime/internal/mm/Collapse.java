package io.pinsim.runtime.internal.mm;

import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MmuNotifierEvent;
import io.pinsim.runtime.model.MadvCollapse;
import io.pinsim.runtime.trace.TraceKind;

/**
 * Collapse of small pages into a THP, mm/khugepaged.c as of 6.1 - 6.6: madvise_collapse()
 * (MADV_COLLAPSE, {@link MadvCollapse}) and the scan rules it shares with khugepaged
 * (hpage_collapse_scan_pmd(), __collapse_huge_page_isolate(), collapse_huge_page()). For each 2 MiB
 * aligned range inside the VMA: a range already PMD-mapped counts as done; otherwise every PTE is
 * checked - none or the zero page, a swap entry (swapped in first), or a present anonymous page
 * whose refcount is exactly its mappings (is_refcount_suitable(): a pin or a GUP reference refuses
 * the collapse, SCAN_PAGE_COUNT) - and at least one PTE must be writable (SCAN_PAGE_RO). Then a
 * new THP is allocated, the pages are copied into it (zeros for none and zero-page PTEs), the PTEs
 * are removed inside one MMU_NOTIFY_CLEAR invalidation (the old pages lose this mapping; other
 * processes that share them keep them) and one writable PMD maps the new, exclusive THP.
 * khugepaged adds limits MADV_COLLAPSE ignores: at most 511 none PTEs (max_ptes_none), 64 swap
 * entries (max_ptes_swap), 256 pages mapped more than once (max_ptes_shared), and a young PTE.
 *
 * <p>MADV_COLLAPSE's errnos (madvise_collapse_errno()): ENOMEM when no THP can be allocated,
 * EAGAIN for a page with extra references, EINVAL otherwise (no writable PTE, a VMA that is not
 * eligible: VM_NOHUGEPAGE, no anon_vma yet, not private anonymous memory). Not modelled: the
 * khugepaged daemon itself (its rules are reachable through {@link #collapse}), file and shmem
 * collapse (EINVAL here; the kernel collapses them too), and vma_merge(): the model never merges
 * VMAs, so before a range is collapsed, neighbouring anonymous VMAs with identical flags inside
 * it are merged, as the kernel did when their flags last changed (cow.c's "lower/upper shared"
 * cases rely on that: "Revert MADV_DONTFORK such that we merge the VMAs").
 */
public final class Collapse {
    /** khugepaged's default limits (/sys/kernel/mm/transparent_hugepage/khugepaged/max_ptes_*). */
    static final int MAX_PTES_NONE = HugeMemory.HPAGE_PMD_NR - 1;
    static final int MAX_PTES_SWAP = HugeMemory.HPAGE_PMD_NR / 8;
    static final int MAX_PTES_SHARED = HugeMemory.HPAGE_PMD_NR / 2;
    private static final int NR = HugeMemory.HPAGE_PMD_NR;

    /** enum scan_result, the values the model produces. */
    public enum Scan {
        SUCCEED, PMD_MAPPED, PMD_NULL, ADDRESS_RANGE, PTE_NON_PRESENT, PAGE_RO, PAGE_ANON, PAGE_COUNT, EXCEED_NONE_PTE, EXCEED_SWAP_PTE,
        EXCEED_SHARED_PTE, LACK_REFERENCED_PAGE, ALLOC_HUGE_PAGE_FAIL
    }

    private final MmCore k;

    public Collapse(MmCore k) {
        this.k = k;
    }

    /**
     * madvise_collapse() of [from, to) of the VMA that holds from: every aligned 2 MiB inside must end
     * PMD-mapped, else the errno of the last failure.
     */
    void madviseCollapse(Mm mm, VmArea whole, long from, long to) {
        VmArea v = mm.findVma(from);
        if (v == null) {
            return; // merged into its neighbour by an earlier collapse of this call
        }
        String why = ineligible(v);
        if (why != null) {
            throw new ErrnoException(Errno.EINVAL, "madvise", "MADV_COLLAPSE of " + v + ": " + why + " (madvise_collapse: hugepage_vma_check)");
        }
        long hstart = (from + NR - 1) & -NR;
        long hend = to & -NR;
        int thps = 0;
        Scan last = null;
        for (long hv = hstart; hv < hend; hv += NR) {
            Scan r = collapse(mm, hv, false);
            if (r == Scan.SUCCEED || r == Scan.PMD_MAPPED) {
                thps++;
                continue;
            }
            last = r;
            if (r == Scan.ALLOC_HUGE_PAGE_FAIL || r == Scan.ADDRESS_RANGE || r == Scan.PAGE_ANON) {
                break; // not whitelisted: "Other error, exit"
            }
        }
        if (hstart < hend && thps != (hend - hstart) / NR) {
            Errno e = last == Scan.ALLOC_HUGE_PAGE_FAIL ? Errno.ENOMEM : last == Scan.PAGE_COUNT ? Errno.EAGAIN : Errno.EINVAL;
            throw new ErrnoException(e, "madvise", "MADV_COLLAPSE collapsed " + thps + " of " + (hend - hstart) / NR + " 2 MiB ranges; the last failure: SCAN_"
                    + last + " (madvise_collapse_errno)");
        }
    }

    /** hugepage_vma_check() without the sysfs setting (MADV_COLLAPSE ignores it): null if eligible, else why not. */
    static String ineligible(VmArea v) {
        if ((v.flags & VmArea.VM_HUGETLB) != 0) {
            return "a hugetlb mapping (hugepage_vma_check() refuses VM_HUGETLB)";
        }
        if ((v.flags & VmArea.VM_NOHUGEPAGE) != 0) {
            return "MADV_NOHUGEPAGE";
        }
        if (v.mapping != null || v.isShared()) {
            return "not private anonymous memory (file and shmem collapse are not modelled)";
        }
        if (!v.hasAnonVma) {
            return "no anon_vma yet: nothing was ever faulted in";
        }
        return null;
    }

    /**
     * hpage_collapse_scan_pmd() + collapse_huge_page() of the 2 MiB at hv; {@code khugepaged} applies
     * khugepaged's limits and its young-PTE requirement.
     */
    public Scan collapse(Mm mm, long hv, boolean khugepaged) {
        mergeForCollapse(mm, hv);
        VmArea v = mm.findVma(hv);
        if (v == null || hv < v.startVpn || hv + NR > v.endVpn || ineligible(v) != null) {
            return Scan.ADDRESS_RANGE; // hugepage_vma_revalidate()
        }
        if (mm.pt.getPmd(hv) != Pte.NONE) {
            return Scan.PMD_MAPPED;
        }
        if (mm.pt.pmdNone(hv)) {
            return Scan.PMD_NULL;
        }
        int none = 0;
        int swap = 0;
        int shared = 0;
        boolean writable = false;
        boolean referenced = false;
        for (int i = 0; i < NR; i++) {
            long pte = mm.pt.get(hv + i);
            if (pte == Pte.NONE || Pte.isPresent(pte) && Pte.pfn(pte) == 0) {
                if (khugepaged && ++none > MAX_PTES_NONE) {
                    return Scan.EXCEED_NONE_PTE;
                }
                continue;
            }
            if (!Pte.isPresent(pte)) {
                if (!Pte.isSwapSlot(pte)) {
                    return Scan.PTE_NON_PRESENT;
                }
                if (khugepaged && ++swap > MAX_PTES_SWAP) {
                    return Scan.EXCEED_SWAP_PTE;
                }
                swap += khugepaged ? 0 : 1;
                continue;
            }
            writable |= Pte.isWrite(pte);
            referenced |= (pte & Pte.YOUNG) != 0;
            Page f = k.frameOfPte(pte);
            if (!f.isAnon()) {
                return Scan.PAGE_ANON;
            }
            if (khugepaged && f.mapcount() > 1 && ++shared > MAX_PTES_SHARED) {
                return Scan.EXCEED_SHARED_PTE;
            }
            if (extraRefs(f) > 0) {
                k.trace().record(actor(), TraceKind.INFO, (hv + i) << Kernel.PAGE_SHIFT, f.pfn(), "frame #" + f.pfn() + " has references besides its mappings"
                        + Faults.extraRefs(f) + ": no collapse of " + Kernel.hex(hv << Kernel.PAGE_SHIFT) + " (is_refcount_suitable: SCAN_PAGE_COUNT)");
                return Scan.PAGE_COUNT;
            }
        }
        if (!writable) {
            return Scan.PAGE_RO;
        }
        if (khugepaged && !referenced) {
            return Scan.LACK_REFERENCED_PAGE;
        }
        if (swap > 0) {
            // __collapse_huge_page_swapin(): do_swap_page() on each swap entry, then scan again
            Faults faults = new Faults(k);
            for (int i = 0; i < NR; i++) {
                if (Pte.isSwapSlot(mm.pt.get(hv + i)) && faults.handlePteFault(mm, v, hv + i, 0, actor()) != Faults.Result.OK) {
                    return Scan.PTE_NON_PRESENT;
                }
            }
            return collapse(mm, hv, khugepaged);
        }
        return collapseHugePage(mm, v, hv);
    }

    /** The caller, or khugepaged when the model runs its rules outside a syscall. */
    private String actor() {
        return k.currentActor() != null ? k.currentActor() : "khugepaged";
    }

    /** is_refcount_suitable(): references beyond the page's (folio's) mappings and its swap cache entry. */
    private static int extraRefs(Page f) {
        return f.nonMappingRefs() - (!f.isCompound() && f.swapSlot != null ? 1 : 0);
    }

    /** collapse_huge_page(): a new THP with the range's data replaces its PTEs. */
    private Scan collapseHugePage(Mm mm, VmArea v, long hv) {
        long pfn = k.reservePfns(NR);
        if (pfn < 0) {
            return Scan.ALLOC_HUGE_PAGE_FAIL;
        }
        Page n = new Page(k, pfn, new Content());
        n.makeHead(HugeMemory.HPAGE_PMD_ORDER);
        n.allocStep = k.trace().step();
        k.setFrame(n);
        Faults.makeAnon(n, mm, v, hv, true);
        n.flags |= Page.DIRTY;
        int copied = 0;
        for (int i = 0; i < NR; i++) {
            long pte = mm.pt.get(hv + i);
            if (Pte.isPresent(pte) && Pte.pfn(pte) != 0) {
                n.subpage(i).content().copyFrom(k.frameOfPte(pte).content());
                copied++;
            }
        }
        mm.notifyStart(MmuNotifierEvent.CLEAR, hv, hv + NR, true);
        new Zap(k).zapRange(mm, hv, hv + NR, null);
        mm.pt.setPmd(hv, Pte.present(n.pfn()) | Pte.YOUNG | Pte.DIRTY | Pte.SOFT_DIRTY | Faults.writeBit(v));
        mm.notifyEnd(MmuNotifierEvent.CLEAR, hv, hv + NR);
        k.trace().record(actor(), TraceKind.INFO, hv << Kernel.PAGE_SHIFT, n.pfn(), "collapsed " + Kernel.hex(hv << Kernel.PAGE_SHIFT) + "+2M ("
                + copied + " page(s) copied, the rest zero) into new THP #" + n.pfn() + ", mapped by one PMD (collapse_huge_page)");
        return Scan.SUCCEED;
    }

    /**
     * Before MADV_COLLAPSE of [start, end): the VMAs in the 2 MiB ranges it touches merged as the
     * kernel's vma_merge() merged them at their last flag change (mprotect() and madvise() back).
     */
    void mergeRange(Mm mm, long start, long end) {
        for (VmArea v : mm.vmasIn(start & -NR, (end + NR - 1) & -NR)) {
            if (mm.vmas.get(v.startVpn) == v && (v.flags & VmArea.VM_HUGETLB) == 0) {
                mergeFrom(mm, v, (end + NR - 1) & -NR);
            }
        }
    }

    /** The kernel's vma_merge() at the last flag change, done late: anonymous neighbours with identical flags inside the range become one VMA. */
    private static void mergeForCollapse(Mm mm, long hv) {
        mergeFrom(mm, mm.findVma(hv), hv + NR);
    }

    private static void mergeFrom(Mm mm, VmArea a, long until) {
        while (a != null && a.endVpn < until) {
            VmArea b = mm.vmas.get(a.endVpn);
            if (b == null || b.flags != a.flags || b.mapping != null || a.mapping != null || b.anonShift != a.anonShift) {
                return;
            }
            mm.vmas.remove(b.startVpn);
            a.endVpn = b.endVpn;
            a.hasAnonVma |= b.hasAnonVma;
        }
    }
}
