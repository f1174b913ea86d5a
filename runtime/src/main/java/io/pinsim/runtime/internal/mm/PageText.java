package io.pinsim.runtime.internal.mm;

/** How a {@link Page} reads in traces, failures and toString(): what it is, who holds it. */
final class PageText {
    private PageText() {
    }

    /** Page.toString(): the frame, what it belongs to, its counts. */
    static String describe(Page p) {
        if (p.isFree()) {
            return "frame #" + p.pfn + " (free)";
        }
        StringBuilder sb = new StringBuilder("frame #").append(p.pfn).append(" (");
        if (p.isZeroPage()) {
            sb.append("zero page");
        } else if (p.isAnon()) {
            sb.append(p.isAnonExclusive() ? "anon exclusive" : "anon");
        } else if (p.mapping != null) {
            sb.append(p.isDax() ? "DAX block of " : "page cache of ").append(p.mapping.name()).append(" index ").append(p.index);
        } else if (p.kernel.pinRevocation().dummyOf(p) != null) {
            sb.append("dummy page of ").append(p.kernel.pinRevocation().dummyOf(p));
        } else {
            sb.append("orphaned page-cache page");
        }
        if (p.isCompound()) {
            Page h = p.compoundHead();
            sb.append(", subpage ").append(p.pfn - h.pfn).append(h.isHugetlb() ? " of hugetlb folio #" : " of THP #").append(h.pfn).append(h.entireMapcount() > 0 ? h.nrPages() == Pte.PUD_NR ? " (PUD-mapped, 1 GiB)" : " (PMD-mapped)" : " (PTE-mapped)");
        }
        sb.append(", refcount ").append(p.refcount()).append(", mapcount ").append(p.mapcount());
        if (p.kernel.pinsAreBiased()) {
            sb.append(", pincount ").append(p.pincount());
        }
        if (p.swapSlot != null) {
            sb.append(", swap cache");
        }
        return sb.append(")").toString();
    }

    /** ": PIN by rdma0 (step 3)" — who holds the references beyond one mapping, for the trace. */
    static String extraRefs(Page p) {
        StringBuilder sb = new StringBuilder();
        if (p.refs != null) {
            for (GupRef r : p.refs) {
                sb.append(sb.length() == 0 ? ": " : ", ").append(r);
            }
        }
        if (p.swapSlot != null) {
            sb.append(sb.length() == 0 ? ": " : ", ").append("swap cache");
        }
        int mc = p.mapcount();
        if (mc > 1) {
            sb.append(sb.length() == 0 ? ": " : ", ").append("mapped ").append(mc).append(" times");
        }
        return sb.toString();
    }
}
