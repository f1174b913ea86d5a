package io.pinsim.runtime.internal.mm;

import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.model.ThpCow;
import io.pinsim.runtime.trace.TraceKind;

/**
 * The huge zero page (mm/huge_memory.c): one 2 MiB compound page of zeros per kernel, allocated on
 * first use (get_huge_zero_page()) and mapped read-only by a PMD on a read fault in a THP-eligible
 * range (do_huge_pmd_anonymous_page() with transparent_hugepage_use_zero_page(): the sysfs knob
 * use_zero_page, 1 by default, {@code Kernel.setThpUseZeroPage}). An mm that maps it holds one reference for
 * all its mappings (mm_get_huge_zero_page(), MMF_HUGE_ZERO_PAGE); the mappings themselves are not
 * counted and the reverse map does not see them (it is neither anonymous nor in a page cache), so its
 * mapcount reads 0 and its refcount counts GUP references and pins only. GUP may take references and
 * pins on it like on any page (is_zero_page() of the 6.5 pin exemption is the small zero page only).
 * When no mm uses it and nothing holds it, it is freed (the kernel's shrinker does that under memory
 * pressure: shrink_huge_zero_page_scan()).
 *
 * <p>A write or unshare fault on it (do_huge_pmd_wp_page()): up to 5.7 a new zeroed THP replaces it
 * ("goto alloc", {@link ThpCow#MAPCOUNT_COPY_HUGE}); from 5.8 (3917c80280c9) the PMD is split to 512
 * PTEs of the small zero page (__split_huge_zero_page_pmd()) and the fault falls back to PTE level,
 * which copies one small page. Any split of its PMD (munmap, mprotect, mremap of part of it) maps the
 * small zero page likewise. fork shares it (copy_huge_pmd(): is_huge_zero_pmd() is checked before the
 * pinned-page test).
 */
public final class HugeZeroPage {
    /** Page flag of the huge zero page's head. */
    static final int HUGE_ZERO = Page.HUGE_ZERO;

    private final MmCore k;
    private Page page;
    private int users;

    public HugeZeroPage(MmCore k) {
        this.k = k;
    }

    /** is_huge_zero_page(): whether the frame is (a subpage of) the huge zero page. */
    static boolean is(Page f) {
        return (f.compoundHead().flags & HUGE_ZERO) != 0;
    }

    /** mm_get_huge_zero_page(): the huge zero page for mm, allocated on first use; null if no 512 frames are free. */
    private Page get(Mm mm) {
        if (page == null) {
            long pfn = k.reservePfns(HugeMemory.HPAGE_PMD_NR);
            if (pfn < 0) {
                return null;
            }
            Page h = new Page(k, pfn, new Content());
            h.makeHead(HugeMemory.HPAGE_PMD_ORDER);
            h.flags |= HUGE_ZERO;
            h.allocStep = k.trace().step();
            k.setFrame(h);
            page = h;
        }
        if (!mm.hugeZeroPage) {
            mm.hugeZeroPage = true;
            users++;
        }
        return page;
    }

    /** copy_huge_pmd() of a huge zero PMD: the child's mm takes its reference too. */
    void share(Mm child) {
        get(child);
    }

    /**
     * do_huge_pmd_anonymous_page() for a read fault: maps the huge zero page with a read-only PMD.
     * Returns null (VM_FAULT_FALLBACK) when it cannot be allocated.
     */
    Faults.Result readFault(Mm mm, VmArea vma, long vpn, String actor) {
        // do_huge_pmd_anonymous_page(): anon_vma_prepare() comes first, so fork copies this VMA's PMD
        vma.hasAnonVma = true;
        Page h = get(mm);
        if (h == null) {
            return null;
        }
        long hv = HugeMemory.haddr(vpn);
        mm.pt.setPmd(hv, Pte.present(h.pfn()) | Pte.YOUNG);
        k.trace().record(actor, TraceKind.FAULT, vpn << Kernel.PAGE_SHIFT, h.pfn(), "read fault at " + Kernel.hex(vpn << Kernel.PAGE_SHIFT)
                + ": mapped the huge zero page read-only with one PMD at " + Kernel.hex(hv << Kernel.PAGE_SHIFT) + " (do_huge_pmd_anonymous_page)");
        return Faults.Result.OK;
    }

    /**
     * do_huge_pmd_wp_page() on the huge zero page: a new zeroed THP up to 5.7, else (and when no THP
     * can be allocated) the PMD split to small zero-page PTEs and the fault retried there (null).
     */
    Faults.Result wpFault(Mm mm, VmArea vma, long vpn, boolean unshare, String actor) {
        long hv = HugeMemory.haddr(vpn);
        if (k.model().get(ThpCow.class) == ThpCow.MAPCOUNT_COPY_HUGE && !unshare) {
            long pfn = k.reservePfns(HugeMemory.HPAGE_PMD_NR);
            if (pfn >= 0) {
                Page n = new Page(k, pfn, new Content());
                n.makeHead(HugeMemory.HPAGE_PMD_ORDER);
                n.allocStep = k.trace().step();
                k.setFrame(n);
                Faults.makeAnon(n, mm, vma, hv, true);
                n.flags |= Page.DIRTY;
                mm.pt.setPmd(hv, Pte.NONE);
                mm.pt.setPmd(hv, Pte.present(n.pfn()) | Pte.YOUNG | Pte.DIRTY | Pte.SOFT_DIRTY | Faults.writeBit(vma));
                k.trace().record(actor, TraceKind.COW_COPY, vpn << Kernel.PAGE_SHIFT, n.pfn(), "write fault at " + Kernel.hex(vpn << Kernel.PAGE_SHIFT)
                        + " on the huge zero page: new zeroed THP #" + n.pfn() + " (do_huge_pmd_wp_page: goto alloc, before 3917c80280c9)");
                return Faults.Result.OK;
            }
        }
        new HugeMemory(k).splitHugePmd(mm, hv, actor, (unshare ? "unshare" : "write") + " fault on the huge zero page falls back to the small zero page"
                + " (do_huge_pmd_wp_page: is_huge_zero_pmd, goto fallback" + (unshare ? ")" : "; 3917c80280c9)"));
        return null;
    }

    /** __split_huge_zero_page_pmd(): 512 read-only PTEs of the small zero page replace the PMD at hv. */
    void splitPmd(Mm mm, long hv, long pmd) {
        mm.pt.setPmd(hv, Pte.NONE);
        long bits = pmd & (Pte.YOUNG | Pte.SOFT_DIRTY);
        for (int i = 0; i < HugeMemory.HPAGE_PMD_NR; i++) {
            mm.pt.set(hv + i, Pte.present(0) | Pte.SPECIAL | bits);
        }
    }

    /** exit_mmap() -&gt; mm_put_huge_zero_page(): the mm's reference goes; the page is freed once nobody uses or holds it. */
    void mmExit(Mm mm) {
        if (mm.hugeZeroPage) {
            mm.hugeZeroPage = false;
            users--;
            maybeRelease();
        }
    }

    /** shrink_huge_zero_page_scan(): freed when no mm uses it and no GUP reference or pin holds it. */
    void maybeRelease() {
        if (page != null && users == 0 && page.nonMappingRefs() == 0) {
            Page h = page;
            page = null;
            k.freeFrame(h);
            k.trace().record("kernel", TraceKind.INFO, -1, h.pfn(), "the huge zero page #" + h.pfn() + " is freed: no mm uses it (shrink_huge_zero_page_scan)");
        }
    }
}
