package io.pinsim.runtime.internal.mm;

/**
 * Reverse mapping: from a frame to the PTEs that map it (mm/rmap.c). Anonymous frames are found
 * through their anon_vma family at their virtual page; page-cache frames through the VMAs that map
 * their address space (i_mmap). The mapcount is what this walk finds, never a stored counter. A
 * PMD-mapped THP is found at each subpage's address (the page table shows the PMD there), so a
 * subpage's mapcount counts its PTE mappings and the folio's PMD mappings, as page_mapcount() does.
 */
public final class Rmap {

    /** Visits one PTE that maps a frame. */
    @FunctionalInterface
    public interface Visitor {
        void visit(Mm mm, VmArea vma, long vpn);
    }

    /** Visits one PTE that maps a frame and says whether the walk goes on. */
    @FunctionalInterface
    interface WhileVisitor {
        boolean visit(Mm mm, VmArea vma, long vpn);
    }

    /** {@link #walk} that stops as soon as the visitor returns false (rmap_walk_control.done()). */
    void walkWhile(Page f, WhileVisitor visitor) {
        if (f.isZeroPage() || f.isFree()) {
            return;
        }
        if (f.isAnon()) {
            if (f.anonVma == null) {
                return;
            }
            java.util.List<Mm> mms = f.anonVma.mms;
            for (int i = 0; i < mms.size(); i++) {
                Mm mm = mms.get(i);
                long vpn = anonVpn(mm, f.index, f.pfn());
                if (vpn >= 0 && maps(mm.pt.get(vpn), f.pfn()) && !visitor.visit(mm, null, vpn)) {
                    return;
                }
            }
        } else if (f.mapping != null) {
            java.util.List<VmArea> vmas = f.mapping.vmas;
            for (int i = 0; i < vmas.size(); i++) {
                VmArea v = vmas.get(i);
                long vpn = v.vpnOf(f.index);
                if (vpn >= 0) {
                    long pte = v.mm.pt.get(vpn);
                    if (Pte.isPresent(pte) && Pte.pfn(pte) == f.pfn() && !visitor.visit(v.mm, v, vpn)) {
                        return;
                    }
                }
            }
        }
    }

    /** page_mapcount(), by walking every place that may map the frame. */
    int mapcount(Page f) {
        int[] n = new int[1];
        walk(f, (mm, vma, vpn) -> n[0]++);
        return n[0];
    }

    /** The PMD mappings of a THP head (compound_mapcount()): the mms of its family whose PMD maps it. */
    int pmdMapcount(Page h) {
        if (!h.isAnon() && h.mapping != null) {
            return filePmdMappings(h);
        }
        if (!h.isAnon() || h.anonVma == null) {
            return 0;
        }
        int n = 0;
        for (Mm mm : h.anonVma.mms) {
            long vpn = anonVpn(mm, h.index, h.pfn());
            long pmd = vpn >= 0 ? mm.pt.getPmd(vpn) : Pte.NONE;
            if (Pte.isPresent(pmd) && Pte.pfn(pmd) == h.pfn()) {
                n++;
            }
        }
        return n;
    }

    /**
     * The page-table entries that map any page of a THP, each PMD and each PTE once: what the
     * mappings add to the folio's refcount. One walk of the 2 MiB range per mm of the family.
     */
    int folioMappings(Page h) {
        if (!h.isAnon() && h.mapping != null) {
            // a page-cache folio mapped by PMDs only: a shared hugetlb folio (hugetlbfs never maps by PTE)
            return filePmdMappings(h);
        }
        if (!h.isAnon() || h.anonVma == null) {
            return 0;
        }
        int[] n = new int[1];
        long first = h.pfn();
        long last = first + h.nrPages();
        for (Mm mm : h.anonVma.mms) {
            if (!mm.anonMoved) {
                countFolioMappings(mm, h.index, h.index + h.nrPages(), first, last, n);
                continue;
            }
            // mremap() may have moved parts of the folio elsewhere: each VMA's share of its linear range.
            for (VmArea v : mm.vmas.values()) {
                long lo = Math.max(v.startVpn, h.index - v.anonShift);
                long hi = Math.min(v.endVpn, h.index + h.nrPages() - v.anonShift);
                if (lo < hi) {
                    countFolioMappings(mm, lo, hi, first, last, n);
                }
            }
        }
        return n[0];
    }

    /** The entries in [lo, hi) of mm that map a page of the folio [first, last): its PMD, or its PTEs. */
    private static void countFolioMappings(Mm mm, long lo, long hi, long first, long last, int[] n) {
        long pmd = mm.pt.getPmd(lo);
        if (pmd != Pte.NONE) {
            n[0] += Pte.isPresent(pmd) && Pte.pfn(pmd) == first ? 1 : 0;
            return;
        }
        mm.pt.forEach(lo, hi, (vpn, pte) -> {
            if (Pte.isPresent(pte) && Pte.pfn(pte) >= first && Pte.pfn(pte) < last) {
                n[0]++;
            }
        });
    }

    /** Whether an entry maps pfn: present with that pfn, or a device-exclusive entry for it. */
    static boolean maps(long pte, long pfn) {
        return Pte.isPresent(pte) && Pte.pfn(pte) == pfn || Pte.isDeviceExclusive(pte) && Pte.slot(pte) == pfn;
    }

    /**
     * {@link #anonVpn} for a device page: where mm has a device-private entry for device page
     * {@code slot} of anonymous index {@code index}, or -1.
     */
    static long devicePrivateVpn(Mm mm, long index, long slot) {
        if (!mm.anonMoved) {
            long e = mm.pt.get(index);
            return Pte.isDevicePrivate(e) && Pte.slot(e) == slot ? index : -1;
        }
        for (VmArea v : mm.vmas.values()) {
            long vpn = index - v.anonShift;
            if (v.contains(vpn) && Pte.isDevicePrivate(mm.pt.get(vpn)) && Pte.slot(mm.pt.get(vpn)) == slot) {
                return vpn;
            }
        }
        return -1;
    }

    /**
     * vma_address() of an anonymous page in one mm of its family: where that mm maps the page of
     * linear index {@code index} (page->index). In an mm whose VMAs mremap() never moved that is the
     * index itself; otherwise each VMA whose linear range holds the index offers one address (the
     * anon_vma interval tree), and the one whose entry maps pfn is it (an mm maps an anonymous page
     * at most once). Returns -1 when none does.
     */
    static long anonVpn(Mm mm, long index, long pfn) {
        if (!mm.anonMoved) {
            return index;
        }
        for (VmArea v : mm.vmas.values()) {
            long vpn = index - v.anonShift;
            if (v.contains(vpn) && maps(mm.pt.get(vpn), pfn)) {
                return vpn;
            }
        }
        return -1;
    }

    /** The PMD entries of the VMAs of the folio's page cache that map it (a shared hugetlb folio's mappings, i_mmap). */
    private static int filePmdMappings(Page h) {
        int n = 0;
        java.util.List<VmArea> vmas = h.mapping.vmas;
        for (int i = 0; i < vmas.size(); i++) {
            VmArea v = vmas.get(i);
            long vpn = v.vpnOf(h.index);
            if (vpn >= 0) {
                long pmd = v.mm.pt.getPmd(vpn);
                n += Pte.isPresent(pmd) && Pte.pfn(pmd) == h.pfn() ? 1 : 0;
            }
        }
        return n;
    }

    /** An upper bound of the mapcount that costs no page-table lookups. */
    int mapcountUpperBound(Page f) {
        if (f.isAnon() && f.anonVma != null) {
            return f.anonVma.mms.size();
        }
        if (f.mapping != null) {
            return f.mapping.vmas.size();
        }
        return 0;
    }

    /**
     * rmap_walk(): visits every present PTE that maps this frame, and every device-exclusive entry
     * (an anonymous page stays mapped while a device holds it exclusively). The zero page has none. Visitors
     * must not change the family or the VMAs while walking (callers collect first, then change).
     */
    public void walk(Page f, Visitor visitor) {
        if (f.isZeroPage() || f.isFree()) {
            return;
        }
        if (f.isAnon()) {
            if (f.anonVma == null) {
                return;
            }
            java.util.List<Mm> mms = f.anonVma.mms;
            for (int i = 0; i < mms.size(); i++) {
                Mm mm = mms.get(i);
                long vpn = anonVpn(mm, f.index, f.pfn());
                if (vpn >= 0 && maps(mm.pt.get(vpn), f.pfn())) {
                    visitor.visit(mm, mm.findVma(vpn), vpn);
                }
            }
        } else if (f.mapping != null) {
            java.util.List<VmArea> vmas = f.mapping.vmas;
            for (int i = 0; i < vmas.size(); i++) {
                VmArea v = vmas.get(i);
                long vpn = v.vpnOf(f.index);
                if (vpn >= 0) {
                    long pte = v.mm.pt.get(vpn);
                    if (Pte.isPresent(pte) && Pte.pfn(pte) == f.pfn()) {
                        visitor.visit(v.mm, v, vpn);
                    }
                }
            }
        }
    }
}
