package io.pinsim.runtime.model;

/**
 * What fork (copy_hugetlb_page_range(), mm/hugetlb.c) does with a private hugetlb page that may be
 * pinned. The early copy of pinned pages came to hugetlb three releases after it came to small
 * pages and THPs (5.9): 5.10.y never got it, so a pinned hugetlb page is shared with the child and
 * the parent's next write moves it away from the pin, as fork did with every page before 5.9.
 */
public enum HugetlbForkPinned implements Switch {
    /** share the folio and write-protect both entries like any other hugetlb page (copy_hugetlb_page_range() up to 5.11) */
    @Switch.Doc(behaviour = "share the folio and write-protect both entries like any other hugetlb page", source = "copy_hugetlb_page_range() up to 5.11")
    SHARE_WRPROTECT,
    /** if page_needs_cow_for_dma() (a COW mapping, MMF_HAS_PINNED, page_maybe_dma_pinned()), copy the 2 MiB folio for the child now from a free unreserved pool page, the parent keeps it writable; no free page fails fork (4eae4efa2c29 hugetlb: do early cow when page pinned on src mm, 5.12) */
    @Switch.Doc(behaviour = "if page_needs_cow_for_dma() (a COW mapping, MMF_HAS_PINNED, page_maybe_dma_pinned()), copy the 2 MiB folio for the child now from a free unreserved pool page, the parent keeps it writable; no free page fails fork",
            source = "4eae4efa2c29 hugetlb: do early cow when page pinned on src mm, 5.12",
            requires = @Switch.Requires(state = "pin accounting", of = PinAccounting.class, anyOf = "PIN_COUNTING_BIAS", commit = "3faa52c03f44",
                    why = "page_needs_cow_for_dma() asks page_maybe_dma_pinned(), which only FOLL_PIN's pincount makes true"))
    COW_IF_NEEDS_COW_FOR_DMA,
    /** page_try_dup_anon_rmap() fails for an exclusive anonymous folio that may be pinned, so the child gets a copy; a shared one loses PageAnonExclusive (6c287605fd56 PG_anon_exclusive, 5.19) */
    @Switch.Doc(behaviour = "page_try_dup_anon_rmap() fails for an exclusive anonymous folio that may be pinned, so the child gets a copy now; a folio shared with the child loses PageAnonExclusive",
            source = "6c287605fd56 mm/memory: introduce PG_anon_exclusive, 5.19",
            requires = {
                    @Switch.Requires(state = "PG_anon_exclusive", of = CowReuse.class, anyOf = "ANON_EXCLUSIVE", commit = "6c287605fd56",
                            why = "page_try_dup_anon_rmap() copies only folios marked exclusive"),
                    @Switch.Requires(state = "pin accounting", of = PinAccounting.class, anyOf = "PIN_COUNTING_BIAS", commit = "3faa52c03f44",
                            why = "page_try_dup_anon_rmap() asks page_maybe_dma_pinned(), which only FOLL_PIN's pincount makes true")})
    COW_IF_DUP_ANON_RMAP_FAILS
}
