package io.pinsim.runtime.internal.mm;

import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MmuNotifierEvent;
import io.pinsim.runtime.model.ThpCow;
import io.pinsim.runtime.trace.TraceKind;
import java.util.List;

/**
 * Anonymous transparent huge pages, mm/huge_memory.c: the PMD-level fault
 * (do_huge_pmd_anonymous_page()), the PMD-level write fault (do_huge_pmd_wp_page(), per
 * {@link ThpCow}), split_huge_pmd(), and the PMD-level zap and mprotect. A PMD-mapped THP is one
 * entry of the page table ({@link PageTable#setPmd}); everything else in the model reads it through
 * {@link PageTable#get}, which shows each of its 512 pages as a PTE, so GUP (follow_trans_huge_pmd(),
 * gup_huge_pmd()), user accesses and reverse mapping need no THP code of their own. What changes a
 * single page of a THP splits the PMD first, as the kernel does.
 *
 * <p>Elsewhere: THP swap-out and split_huge_page() ({@link ThpReclaim}), mremap() of a THP
 * ({@link Mremap}), the huge zero page ({@link HugeZeroPage}), the deferred split of a partly unmapped
 * folio ({@link DeferredSplit}), MADV_COLLAPSE ({@link Collapse}). Not modelled: the khugepaged daemon.
 */
public final class HugeMemory {
    /** HPAGE_PMD_ORDER on x86-64. */
    public static final int HPAGE_PMD_ORDER = 9;
    /** HPAGE_PMD_NR: the pages one PMD maps. */
    public static final int HPAGE_PMD_NR = 1 << HPAGE_PMD_ORDER;

    private final MmCore k;

    public HugeMemory(MmCore k) {
        this.k = k;
    }

    /**
     * transhuge_vma_suitable() and hugepage_vma_check() for an anonymous fault: a private anonymous
     * VMA that covers the whole 2 MiB range around vpn, allowed by the THP setting and the VMA's
     * MADV_(NO)HUGEPAGE, with no page table below that PMD yet (pmd_none()).
     */
    boolean suitable(Mm mm, VmArea v, long vpn) {
        if (v.mapping != null || v.isShared() || (v.flags & VmArea.VM_NOHUGEPAGE) != 0) {
            return false;
        }
        boolean enabled = switch (k.thp) {
            case NEVER -> false;
            case MADVISE -> (v.flags & VmArea.VM_HUGEPAGE) != 0;
            case ALWAYS -> true;
        };
        long h = haddr(vpn);
        return enabled && h >= v.startVpn && h + HPAGE_PMD_NR <= v.endVpn && mm.pt.pmdNone(vpn);
    }

    /** vpn & HPAGE_PMD_MASK: the first page of vpn's 2 MiB range. */
    static long haddr(long vpn) {
        return vpn & -HPAGE_PMD_NR;
    }

    /** A new THP: 512 aligned frames as one compound page of order 9 (prep_transhuge_page()), or null. */
    private Page allocThp() {
        long pfn = k.reservePfns(HPAGE_PMD_NR);
        if (pfn < 0) {
            return null;
        }
        Page h = new Page(k, pfn, new Content());
        h.makeHead(HPAGE_PMD_ORDER);
        h.allocStep = k.trace().step();
        k.setFrame(h);
        return h;
    }

    /**
     * do_huge_pmd_anonymous_page(): a write fault maps a new, zeroed, exclusive THP with one PMD
     * entry; a read fault maps the huge zero page ({@link HugeZeroPage}) if
     * transparent_hugepage_use_zero_page() (/sys/kernel/mm/transparent_hugepage/use_zero_page, 1 by
     * default), else it too maps a new THP, writable and dirty where the VMA allows it
     * (__do_huge_pmd_anonymous_page(): maybe_pmd_mkwrite(pmd_mkdirty(entry))). Returns null for
     * VM_FAULT_FALLBACK: fewer than 512 free frames (THP_FAULT_FALLBACK); the caller then faults a
     * small page.
     */
    Faults.Result doHugePmdAnonymousPage(Mm mm, VmArea vma, long vpn, int flags, String actor) {
        if ((flags & Faults.WRITE) == 0 && k.thpUseZeroPage) {
            return k.hugeZero.readFault(mm, vma, vpn, actor);
        }
        long addr = vpn << Kernel.PAGE_SHIFT;
        Page h = allocThp();
        if (h == null) {
            k.trace().record(actor, TraceKind.INFO, addr, -1, "no 512 free frames for a THP at " + Kernel.hex(addr) + ": falls back to a small page (THP_FAULT_FALLBACK)");
            return null;
        }
        long hv = haddr(vpn);
        vma.hasAnonVma = true;
        h.flags |= Page.ANON | Page.DIRTY;
        h.anonVma = mm.anonVma();
        h.index = vma.anonIndex(hv);
        h.setAnonExclusive();
        boolean vmWrite = (vma.flags & VmArea.VM_WRITE) != 0;
        mm.pt.setPmd(hv, Pte.present(h.pfn()) | Pte.YOUNG | (vmWrite ? Pte.WRITE | Pte.DIRTY | Pte.SOFT_DIRTY : 0));
        k.trace().record(actor, TraceKind.FAULT, addr, h.pfn(), ((flags & Faults.WRITE) != 0 ? "write" : "read (use_zero_page = 0)") + " fault at " + Kernel.hex(addr) + ": new 2 MiB THP, frames #" + h.pfn() + "-#"
                + (h.pfn() + HPAGE_PMD_NR - 1) + ", mapped by one PMD at " + Kernel.hex(hv << Kernel.PAGE_SHIFT) + " (do_huge_pmd_anonymous_page)");
        return Faults.Result.OK;
    }

    /**
     * The PMD-level part of handle_mm_fault(): a write or unshare fault on a write-protected huge
     * PMD goes to do_huge_pmd_wp_page(); anything else marks the PMD young (and dirty for a write,
     * touch_pmd()). Returns null when the PMD was split and the fault must be retried at PTE level.
     */
    Faults.Result handleHugePmdFault(Mm mm, VmArea vma, long vpn, long pmd, int flags, String actor) {
        if ((flags & (Faults.WRITE | Faults.UNSHARE)) != 0 && !Pte.isWrite(pmd)) {
            return doHugePmdWpPage(mm, vma, vpn, pmd, (flags & Faults.WRITE) == 0, actor);
        }
        mm.pt.setPmd(vpn, pmd | Pte.YOUNG | ((flags & Faults.WRITE) != 0 ? Pte.DIRTY | Pte.SOFT_DIRTY : 0));
        return Faults.Result.OK;
    }

    /**
     * do_huge_pmd_wp_page(): reuse the whole THP or not, by the model's {@link ThpCow} rule. When it
     * may not, 4.19 - 5.7 allocate a new THP and copy 2 MiB; from 5.8 (3917c80280c9) the PMD is split
     * and the fault falls back to PTE level, where do_wp_page() copies the one subpage (null is
     * returned: VM_FAULT_FALLBACK). An unshare fault never makes the PMD writable (c89357e27f20).
     */
    Faults.Result doHugePmdWpPage(Mm mm, VmArea vma, long vpn, long pmd, boolean unshare, String actor) {
        Page h = k.frameOfPte(pmd);
        if ((pmd & Pte.PUD) != 0 || h.isHugetlb()) {
            throw new IllegalStateException("split_huge_pmd() of hugetlb folio #" + h.pfn() + ": hugetlb mappings are never split (hugetlb_vm_op_split refuses first)");
        }
        if (HugeZeroPage.is(h)) {
            return k.hugeZero.wpFault(mm, vma, vpn, unshare, actor);
        }
        ThpCow rule = k.model().get(ThpCow.class);
        switch (rule) {
            case MAPCOUNT_COPY_HUGE, MAPCOUNT_SPLIT -> {
                int mc = transHugeMapcount(h);
                if (mc <= 1) {
                    return reuse(mm, vma, vpn, pmd, h, unshare, actor, "mapcount 1 (reuse_swap_page: page_trans_huge_mapcount(); GUP references are not counted)");
                }
                String why = "mapcount " + mc + " > 1 (reuse_swap_page)";
                if (rule == ThpCow.MAPCOUNT_COPY_HUGE) {
                    Faults.Result r = copyHuge(mm, vma, vpn, h, unshare, actor, why);
                    if (r != null) {
                        return r;
                    }
                    why += "; no 512 free frames for a copy";
                }
                return fallback(mm, vpn, actor, why);
            }
            case REFCOUNT_SPLIT -> {
                int rc = h.refcount();
                if (rc == 1) {
                    return reuse(mm, vma, vpn, pmd, h, unshare, actor, "page_count() 1 (3bff7e3f1f16)");
                }
                return fallback(mm, vpn, actor, "page_count() " + rc + " > 1" + Faults.extraRefs(h) + " (3bff7e3f1f16)");
            }
            case ANON_EXCLUSIVE_SPLIT -> {
                if (h.isAnonExclusive()) {
                    return reuse(mm, vma, vpn, pmd, h, unshare, actor, "PageAnonExclusive");
                }
                int rc = h.refcount();
                if (rc == 1) {
                    return reuse(mm, vma, vpn, pmd, h, unshare, actor, "not PageAnonExclusive but page_count() 1: marked exclusive");
                }
                return fallback(mm, vpn, actor, "not PageAnonExclusive and page_count() " + rc + " > 1" + Faults.extraRefs(h));
            }
            default -> throw new IllegalStateException("unknown ThpCow " + rule);
        }
    }

    /**
     * page_trans_huge_mapcount(): the highest mapcount of any subpage, PMD mappings included (a
     * subpage never created has no PTE mapping of its own).
     */
    private static int transHugeMapcount(Page h) {
        int max = h.entireMapcount();
        for (Page p : h.createdSubpages()) {
            max = Math.max(max, p.mapcount());
        }
        return max;
    }

    /** The rule allows reuse: the PMD is made writable (maybe_pmd_mkwrite()); an unshare fault only marks the folio exclusive. */
    private Faults.Result reuse(Mm mm, VmArea vma, long vpn, long pmd, Page h, boolean unshare, String actor, String why) {
        long addr = vpn << Kernel.PAGE_SHIFT;
        setFolioExclusive(h, true);
        if (unshare) {
            k.trace().record(actor, TraceKind.UNSHARE, addr, h.pfn(), "unshare fault at " + Kernel.hex(addr) + ": THP #" + h.pfn() + " may be reused (" + why
                    + "): kept, PMD stays read-only (do_huge_pmd_wp_page, FAULT_FLAG_UNSHARE)");
            return Faults.Result.OK;
        }
        mm.pt.setPmd(vpn, pmd | ((vma.flags & VmArea.VM_WRITE) != 0 ? Pte.WRITE : 0) | Pte.DIRTY | Pte.SOFT_DIRTY | Pte.YOUNG);
        k.trace().record(actor, TraceKind.COW_REUSE, addr, h.pfn(), "write fault at " + Kernel.hex(addr) + ": reused THP #" + h.pfn() + ": " + why + " (do_huge_pmd_wp_page)");
        return Faults.Result.OK;
    }

    /** VM_FAULT_FALLBACK: split the PMD; the caller retries the fault on the subpage's PTE. */
    private Faults.Result fallback(Mm mm, long vpn, String actor, String why) {
        splitHugePmd(mm, vpn, actor, "write fault on a shared THP: " + why + ", COW falls back to the subpage (do_huge_pmd_wp_page, 3917c80280c9)");
        return null;
    }

    /** The 4.19 - 5.7 COW of a whole THP: a new THP gets a copy of all 512 subpages and replaces the PMD. */
    private Faults.Result copyHuge(Mm mm, VmArea vma, long vpn, Page old, boolean unshare, String actor, String why) {
        Page n = allocThp();
        if (n == null) {
            return null;
        }
        long hv = haddr(vpn);
        long addr = vpn << Kernel.PAGE_SHIFT;
        n.flags |= Page.ANON | Page.DIRTY;
        n.anonVma = mm.anonVma();
        n.index = vma.anonIndex(hv);
        n.setAnonExclusive();
        for (Page p : old.createdSubpages()) {
            n.subpage((int) (p.pfn() - old.pfn())).content().copyFrom(p.content());
        }
        mm.notifyStart(MmuNotifierEvent.CLEAR, hv, hv + HPAGE_PMD_NR, true);
        long pmd = Pte.present(n.pfn()) | Pte.YOUNG | (unshare ? 0 : ((vma.flags & VmArea.VM_WRITE) != 0 ? Pte.WRITE : 0) | Pte.DIRTY | Pte.SOFT_DIRTY);
        mm.pt.setPmd(hv, Pte.NONE);
        mm.pt.setPmd(hv, pmd);
        mm.notifyEnd(MmuNotifierEvent.CLEAR, hv, hv + HPAGE_PMD_NR);
        k.touch(old);
        k.trace().record(actor, TraceKind.COW_COPY, addr, n.pfn(), "write fault at " + Kernel.hex(addr) + ": copied THP #" + old.pfn() + " (2 MiB) to new THP #" + n.pfn()
                + ": " + why + " (do_huge_pmd_wp_page)" + (old.pincount() > 0 || nonMappingRefs(old) ? "; THP #" + old.pfn() + " stays with its other holders" : ""));
        k.maybeFree(old);
        k.deferredSplit.pmdUnmapped(old, "do_huge_pmd_wp_page replaced this PMD with a copy");
        return Faults.Result.OK;
    }

    private static boolean nonMappingRefs(Page h) {
        return h.nonMappingRefs() > 0;
    }

    /** Sets or clears PageAnonExclusive on every subpage of the folio: the head's flag governs while it is PMD-mapped. */
    static void setFolioExclusive(Page h, boolean exclusive) {
        for (Page p : h.createdSubpages()) {
            if (exclusive) {
                p.setAnonExclusive();
            } else {
                p.clearAnonExclusive();
            }
        }
    }

    /**
     * split_huge_pmd() / __split_huge_pmd_locked(): the PMD entry is replaced by 512 PTEs with its
     * bits, one per subpage; the folio stays one compound page, now PTE-mapped, each subpage with
     * the head's PageAnonExclusive.
     */
    public void splitHugePmd(Mm mm, long vpn, String actor, String why) {
        long hv = haddr(vpn);
        long pmd = mm.pt.getPmd(hv);
        if (pmd == Pte.NONE) {
            return;
        }
        Page h = k.frameOfPte(pmd);
        if ((pmd & Pte.PUD) != 0 || h.isHugetlb()) {
            throw new IllegalStateException("split_huge_pmd() of hugetlb folio #" + h.pfn() + ": hugetlb mappings are never split (hugetlb_vm_op_split refuses first)");
        }
        if (HugeZeroPage.is(h)) {
            k.hugeZero.splitPmd(mm, hv, pmd);
            k.trace().record(actor != null ? actor : "kernel", TraceKind.INFO, hv << Kernel.PAGE_SHIFT, h.pfn(), "split_huge_pmd at "
                    + Kernel.hex(hv << Kernel.PAGE_SHIFT) + ": the huge zero page is now 512 PTEs of the small zero page (__split_huge_zero_page_pmd): " + why);
            return;
        }
        mm.pt.setPmd(hv, Pte.NONE);
        long bits = pmd & (Pte.WRITE | Pte.DIRTY | Pte.YOUNG | Pte.SOFT_DIRTY);
        for (int i = 0; i < HPAGE_PMD_NR; i++) {
            h.subpage(i);
            mm.pt.set(hv + i, Pte.present(h.pfn() + i) | bits);
        }
        k.touch(h);
        k.trace().record(actor != null ? actor : "kernel", TraceKind.INFO, hv << Kernel.PAGE_SHIFT, h.pfn(), "split_huge_pmd at " + Kernel.hex(hv << Kernel.PAGE_SHIFT)
                + ": THP #" + h.pfn() + " is now mapped by 512 PTEs: " + why);
    }

    /** Splits the huge PMD covering vpn, if any, unless vpn is the first page of its range (vma_adjust_trans_huge()). */
    public void splitIfStraddled(Mm mm, long vpn, String why) {
        if (haddr(vpn) != vpn && mm.pt.getPmd(vpn) != Pte.NONE) {
            splitHugePmd(mm, vpn, k.currentActor(), why);
        }
    }

    /**
     * zap_huge_pmd() for the huge PMDs [startVpn, endVpn) covers whole, split_huge_pmd() for the
     * ones it covers in part (zap_pmd_range()). Returns the heads whose PMD was removed; the caller
     * drops them after the PTE-level zap.
     */
    void zapHugePmds(Mm mm, long startVpn, long endVpn, List<Page> dropped) {
        for (long v = mm.pt.nextPmd(startVpn, endVpn); v >= 0; v = mm.pt.nextPmd(v + Pte.leafPages(mm.pt.getPmd(v)), endVpn)) {
            if (v < startVpn || v + Pte.leafPages(mm.pt.getPmd(v)) > endVpn) {
                splitHugePmd(mm, v, k.currentActor(), "the range " + Kernel.hex(startVpn << Kernel.PAGE_SHIFT) + "-" + Kernel.hex(endVpn << Kernel.PAGE_SHIFT)
                        + " covers part of it (zap_pmd_range)");
                continue;
            }
            long pmd = mm.pt.getPmd(v);
            mm.pt.setPmd(v, Pte.NONE);
            dropped.add(k.frameOfPte(pmd));
        }
    }

    /**
     * change_huge_pmd() for the huge PMDs of a VMA whose protection changed: removing write access
     * write-protects them; adding it leaves them read-only until the next write fault reuses the
     * THP (the model does not make PMDs writable at mprotect time as can_change_pmd_writable() may).
     */
    void changeHugePmds(Mm mm, long startVpn, long endVpn, boolean write) {
        if (write) {
            return;
        }
        for (long v = mm.pt.nextPmd(startVpn, endVpn); v >= 0; v = mm.pt.nextPmd(v + Pte.leafPages(mm.pt.getPmd(v)), endVpn)) {
            mm.pt.setPmd(v, mm.pt.getPmd(v) & ~Pte.WRITE);
        }
    }
}
