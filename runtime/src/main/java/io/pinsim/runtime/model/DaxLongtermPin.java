package io.pinsim.runtime.model;

/**
 * Whether a long-term pin (FOLL_LONGTERM: an RDMA registration) of an fs-DAX mapping - a pin of
 * the file's block itself - is allowed, and what truncate does about it (reference §7 fs-DAX).
 */
public enum DaxLongtermPin implements Switch {
    /**
     * Refused with EOPNOTSUPP: truncate of a pinned DAX block waits until the pin drops
     * (xfs_break_dax_layouts(), 5fac7408d828), and a long-term pin would make it wait forever, so
     * GUP refuses FOLL_LONGTERM on a vma_is_fsdax() mapping (2bb6d2837083 mm: introduce
     * get_user_pages_longterm, 4.15; check_vma_flags() / __gup_longterm_locked() since; every
     * shipped kernel).
     */
    @Switch.Doc(behaviour = "FOLL_LONGTERM on an fs-DAX mapping is refused with EOPNOTSUPP: a long-term pin of a DAX block would make truncate wait forever",
            source = "2bb6d2837083 mm: introduce get_user_pages_longterm (4.15); every shipped kernel")
    REFUSED,
    /**
     * PROPOSAL, never merged: layout leases. The process takes a lease on the file,
     * {@code fcntl(fd, F_SETLEASE, F_LAYOUT)}, optionally {@code | F_UNBREAKABLE} (Dave Chinner
     * preferred the name "exclusive"); FOLL_LONGTERM of an fs-DAX mapping is allowed only while the
     * pinning process holds an unbroken layout lease on the file; without one it is refused as on the shipped kernels
     * (EOPNOTSUPP) [M: the errno the RFC chose, not checked]. A
     * truncate or hole punch that would free a pinned block fails with ETXTBSY while an unbreakable
     * lease is held ("the layout breaking code sees that process A has an exclusive layout lease
     * granted, and so returns -ETXTBSY", Dave Chinner, 13 Jun 2019); with a breakable one it breaks
     * the lease (the holder is told, as by a lease break's SIGIO, and gets no new long-term pin) and
     * waits, as fs-DAX does, for the holder to honour the break by dropping its pins (deregistering
     * its MR: the device's later accesses through the MR complete with an error). Thread: "[PATCH
     * RFC 00/10] RDMA/FS DAX truncate proposal" (Ira Weiny, linux-kernel / linux-mm / linux-nvdimm /
     * linux-rdma, June 2019) and "[RFC PATCH v2 00/19] RDMA/FS DAX truncate proposal V1,000,002 ;-)"
     * (August 2019), after the LSF/MM 2019 topic "least bad options for resolving longterm-GUP usage
     * by RDMA" (Ira Weiny, Feb 2019); never merged (fs-DAX still refuses long-term pins).
     */
    @Switch.Doc(behaviour = "PROPOSAL (never merged): FOLL_LONGTERM of fs-DAX needs a layout lease (fcntl F_SETLEASE F_LAYOUT) held by the pinning process, else EOPNOTSUPP as today; "
            + "truncate of a pinned block fails with ETXTBSY under an unbreakable lease, and under a breakable one breaks it and waits for the holder to drop its pins",
            source = "proposal: \"[PATCH RFC 00/10] RDMA/FS DAX truncate proposal\", Ira Weiny, linux-mm/linux-nvdimm, Jun 2019; ETXTBSY for an exclusive lease: Dave Chinner, 13 Jun 2019; "
                    + "RFC v2 Aug 2019; never merged")
    PROPOSAL_LAYOUT_LEASE
}
