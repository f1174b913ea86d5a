package io.pinsim.runtime.model;

/**
 * What reclaim (shrink_page_list) does with an anonymous page that may be pinned (reference B15, S12).
 */
public enum PinnedAnonReclaim implements Switch {
    /** the page is added to the swap cache and unmapped (PTEs become swap entries) although it cannot be freed (shrink_page_list() up to 5.10.0) */
    SWAP_OUT("the page is added to the swap cache and unmapped (PTEs become swap entries) although it cannot be freed", "shrink_page_list() up to 5.10.0"),
    /** if (folio_maybe_dma_pinned(folio)) goto keep_locked: the page stays mapped (feb889fb40fa mm: don't put pinned pages into the swap cache, 5.11 and 5.10.y) */
    SKIP_PINNED("if (folio_maybe_dma_pinned(folio)) goto keep_locked: the page stays mapped", "feb889fb40fa mm: don't put pinned pages into the swap cache, 5.11 and 5.10.y");

    private final String behaviour;
    private final String source;

    PinnedAnonReclaim(String behaviour, String source) {
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
