package io.pinsim.runtime.internal.mm;

import io.pinsim.runtime.model.DaxLongtermPin;

/**
 * A layout lease on a file ({@link DaxLongtermPin#PROPOSAL_LAYOUT_LEASE}: fcntl(fd, F_SETLEASE,
 * F_LAYOUT [| F_UNBREAKABLE]), the 2019 RDMA/FS DAX truncate proposal): the lease lives in the
 * inode's file_lock_context; pinsim keeps it on the page cache ({@link AddressSpace#layoutLease})
 * where GUP's FOLL_LONGTERM check can see it.
 */
public final class LayoutLease {
    /** The mm of the process whose open file holds the lease. */
    public final Mm holder;
    /** The holder's process name, for messages. */
    public final String holderName;
    /** F_UNBREAKABLE: truncate of a pinned block fails with ETXTBSY instead of breaking it. */
    public final boolean unbreakable;
    /** A truncate broke it: the holder must drop its pins; no new long-term pin is allowed under it. */
    public boolean broken;

    /** A lease held by {@code holder}'s process. */
    public LayoutLease(Mm holder, String holderName, boolean unbreakable) {
        this.holder = holder;
        this.holderName = holderName;
        this.unbreakable = unbreakable;
    }

    /**
     * GUP's FOLL_LONGTERM check of an fs-DAX VMA: why {@code mm}'s long-term pin of {@code v} is
     * refused (EOPNOTSUPP, the shipped refusal, under the proposal too when the process holds no
     * unbroken lease), or null.
     */
    static String longtermRefusal(MmCore k, VmArea v, Mm mm) {
        if (k.model().get(DaxLongtermPin.class) == DaxLongtermPin.REFUSED) {
            return "FOLL_LONGTERM on an fs-DAX mapping: the pin would hold a file block that truncate must free (2bb6d2837083, check_vma_flags)";
        }
        LayoutLease l = v.mapping.layoutLease;
        if (l == null || l.holder != mm) {
            return "FOLL_LONGTERM on an fs-DAX mapping without a layout lease of this process on " + v.mapping.name()
                    + " (DaxLongtermPin.PROPOSAL_LAYOUT_LEASE: take fcntl(F_SETLEASE, F_LAYOUT) first)";
        }
        if (l.broken) {
            return "FOLL_LONGTERM on an fs-DAX mapping whose layout lease was broken by a truncate (DaxLongtermPin.PROPOSAL_LAYOUT_LEASE)";
        }
        return null;
    }
}
