package io.pinsim.runtime.model;

/**
 * When removing a PTE mapping of a subpage queues its anonymous THP for the deferred split
 * (deferred_split_huge_page() / deferred_split_folio() from page_remove_rmap()); the shrinker
 * deferred_split_scan() later splits the queued folios and frees the subpages nothing maps. A PMD
 * unmap queues the same way in every value: when some pages of the folio lose their last mapping
 * while others stay mapped (f1fe80d4ae33, 5.4).
 */
public enum DeferredSplitQueueing implements Switch {
    /** The subpage's own PTE mapcount decides: its last PTE going queues the THP even while a PMD elsewhere still maps the whole folio (9a982250f773 thp: introduce deferred_split_huge_page(), 4.5) */
    @Switch.Doc(behaviour = "the subpage's own PTE mapcount decides: its last PTE going queues the THP even while a PMD elsewhere still maps the whole folio",
            source = "9a982250f773 thp: introduce deferred_split_huge_page(), 4.5")
    SUBPAGE_PTE_UNMAPPED,
    /** A PTE unmap queues the THP only when the subpage is then mapped by nothing, PMD mappings included (be5ef2d9b006 mm,thp,rmap: subpages_mapcount of PTE-mapped subpages, 6.2) */
    @Switch.Doc(behaviour = "a PTE unmap queues the THP only when the subpage is then mapped by nothing, PMD mappings included",
            source = "be5ef2d9b006 mm,thp,rmap: subpages_mapcount of PTE-mapped subpages, 6.2")
    FOLIO_PAGE_UNMAPPED
}
