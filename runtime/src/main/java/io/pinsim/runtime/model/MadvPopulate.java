package io.pinsim.runtime.model;

/**
 * Whether madvise(MADV_POPULATE_READ / MADV_POPULATE_WRITE) exists.
 */
public enum MadvPopulate implements Switch {
    /** MADV_POPULATE_READ and _WRITE are unknown advice: EINVAL (before 5.14) */
    @Switch.Doc(behaviour = "MADV_POPULATE_READ and _WRITE are unknown advice: EINVAL", source = "before 5.14")
    UNSUPPORTED,
    /** MADV_POPULATE_READ/WRITE fault the range in as reads or writes would (4ca9b3859dac mm/madvise: introduce MADV_POPULATE_(READ|WRITE) to prefault page tables, 5.14) */
    @Switch.Doc(behaviour = "MADV_POPULATE_READ/WRITE fault the range in as reads or writes would", source = "4ca9b3859dac mm/madvise: introduce MADV_POPULATE_(READ|WRITE) to prefault page tables, 5.14")
    SUPPORTED
}
