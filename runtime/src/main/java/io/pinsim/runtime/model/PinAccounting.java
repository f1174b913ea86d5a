package io.pinsim.runtime.model;

/**
 * How a FOLL_PIN reference is counted on a small page (reference B1).
 * Before pin_user_pages() existed, every GUP reference was a plain page reference.
 */
public enum PinAccounting implements Switch {
    /** pin_user_pages() takes a plain reference, refcount += 1, and nothing tells a pin from any other reference (4.19: only get_user_pages() exists) */
    PLAIN_REFERENCE("pin_user_pages() takes a plain reference, refcount += 1, and nothing tells a pin from any other reference", "4.19: only get_user_pages() exists"),
    /** FOLL_PIN adds GUP_PIN_COUNTING_BIAS (1024) to the refcount; page_maybe_dma_pinned() is refcount >= 1024 (3faa52c03f44 mm/gup: track FOLL_PIN pages, 5.7) */
    PIN_COUNTING_BIAS("FOLL_PIN adds GUP_PIN_COUNTING_BIAS (1024) to the refcount; page_maybe_dma_pinned() is refcount >= 1024", "3faa52c03f44 mm/gup: track FOLL_PIN pages, 5.7");

    private final String behaviour;
    private final String source;

    PinAccounting(String behaviour, String source) {
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
