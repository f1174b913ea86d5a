package io.pinsim.runtime.model;

/**
 * Whether madvise(MADV_PAGEOUT) exists.
 */
public enum MadvPageout implements Switch {
    /** MADV_PAGEOUT is an unknown advice: EINVAL (before 5.4) */
    @Switch.Doc(behaviour = "MADV_PAGEOUT is an unknown advice: EINVAL", source = "before 5.4")
    UNSUPPORTED,
    /** MADV_PAGEOUT reclaims the range's pages that are mapped by this process only (1a4e58cce84e mm: introduce MADV_PAGEOUT, 5.4) */
    @Switch.Doc(behaviour = "MADV_PAGEOUT reclaims the range's pages that are mapped by this process only", source = "1a4e58cce84e mm: introduce MADV_PAGEOUT, 5.4")
    SUPPORTED
}
