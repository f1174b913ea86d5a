package io.pinsim.runtime.model;

/**
 * Whether madvise(MADV_COLLAPSE) exists: a synchronous, best-effort collapse of the range into
 * PMD-mapped THPs with khugepaged's rules minus its limits.
 */
public enum MadvCollapse implements Switch {
    /** MADV_COLLAPSE is an unknown advice: EINVAL (before 6.1) */
    @Switch.Doc(behaviour = "MADV_COLLAPSE is an unknown advice: EINVAL", source = "before 6.1")
    UNSUPPORTED,
    /** MADV_COLLAPSE collapses each aligned 2 MiB of the range into a new THP, refusing pinned or extra-referenced pages (7d8faaf15545 mm/madvise: introduce MADV_COLLAPSE sync hugepage collapse, 6.1) */
    @Switch.Doc(behaviour = "MADV_COLLAPSE collapses each aligned 2 MiB of the range into a new THP, refusing pinned or extra-referenced pages",
            source = "7d8faaf15545 mm/madvise: introduce MADV_COLLAPSE sync hugepage collapse, 6.1")
    SUPPORTED
}
