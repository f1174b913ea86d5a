package io.pinsim.runtime.model;

/**
 * Whether madvise(MADV_PAGEOUT) exists.
 */
public enum MadvPageout implements Switch {
    /** MADV_PAGEOUT is an unknown advice: EINVAL (before 5.4) */
    UNSUPPORTED("MADV_PAGEOUT is an unknown advice: EINVAL", "before 5.4"),
    /** MADV_PAGEOUT reclaims the range's pages that are mapped by this process only (1a4e58cce84e mm: introduce MADV_PAGEOUT, 5.4) */
    SUPPORTED("MADV_PAGEOUT reclaims the range's pages that are mapped by this process only", "1a4e58cce84e mm: introduce MADV_PAGEOUT, 5.4");

    private final String behaviour;
    private final String source;

    MadvPageout(String behaviour, String source) {
        this.behaviour = behaviour;
        this.source = source;
    }

    @Override
    public String behaviour() {
        return behaviour;
    }

    @Override
    public String source() {
        return source;
    }
}
