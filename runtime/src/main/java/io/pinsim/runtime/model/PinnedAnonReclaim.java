package io.pinsim.runtime.model;

/**
 * What reclaim (shrink_page_list) does with an anonymous page that may be pinned (reference B15, S12).
 */
public enum PinnedAnonReclaim implements Switch {
    /** the page is added to the swap cache and unmapped (PTEs become swap entries) although it cannot be freed (shrink_page_list() up to 5.10.0) */
    @Switch.Doc(behaviour = "the page is added to the swap cache and unmapped (PTEs become swap entries) although it cannot be freed", source = "shrink_page_list() up to 5.10.0")
    SWAP_OUT,
    /** if (folio_maybe_dma_pinned(folio)) goto keep_locked: the page stays mapped (feb889fb40fa mm: don't put pinned pages into the swap cache, 5.11 and 5.10.y) */
    @Switch.Doc(behaviour = "if (folio_maybe_dma_pinned(folio)) goto keep_locked: the page stays mapped", source = "feb889fb40fa mm: don't put pinned pages into the swap cache, 5.11 and 5.10.y",
            requires = @Switch.Requires(state = "pin accounting", of = PinAccounting.class, anyOf = "PIN_COUNTING_BIAS", commit = "3faa52c03f44",
                    why = "feb889fb40fa skips what folio_maybe_dma_pinned() reports, and only FOLL_PIN's bias of 1024 makes it report anything"))
    SKIP_PINNED
}
