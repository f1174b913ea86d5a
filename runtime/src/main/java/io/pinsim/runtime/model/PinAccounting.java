package io.pinsim.runtime.model;

/**
 * How a FOLL_PIN reference is counted on a small page (reference B1).
 * Before pin_user_pages() existed, every GUP reference was a plain page reference.
 */
public enum PinAccounting implements Switch {
    /** pin_user_pages() takes a plain reference, refcount += 1, and nothing tells a pin from any other reference (4.19: only get_user_pages() exists) */
    @Switch.Doc(behaviour = "pin_user_pages() takes a plain reference, refcount += 1, and nothing tells a pin from any other reference", source = "4.19: only get_user_pages() exists")
    PLAIN_REFERENCE,
    /** FOLL_PIN adds GUP_PIN_COUNTING_BIAS (1024) to the refcount; page_maybe_dma_pinned() is refcount >= 1024 (3faa52c03f44 mm/gup: track FOLL_PIN pages, 5.7) */
    @Switch.Doc(behaviour = "FOLL_PIN adds GUP_PIN_COUNTING_BIAS (1024) to the refcount; page_maybe_dma_pinned() is refcount >= 1024", source = "3faa52c03f44 mm/gup: track FOLL_PIN pages, 5.7")
    PIN_COUNTING_BIAS
}
