package io.pinsim.runtime.model;

/**
 * What a read-only FOLL_LONGTERM pin does with a page that is not an anonymous page (the shared
 * zero page, a page-cache page) in a private (COW) mapping (reference B5).
 */
public enum RoLongtermPinNonAnon implements Switch {
    /** the zero page or page-cache page itself is pinned; a later write by the process replaces it and the pin goes stale (mm/gup.c up to 6.1) */
    @Switch.Doc(behaviour = "the zero page or page-cache page itself is pinned; a later write by the process replaces it and the pin goes stale", source = "mm/gup.c up to 6.1")
    PIN_IN_PLACE,
    /** gup_must_unshare() is true for it: the page is first replaced by an exclusive anonymous copy, then pinned (84209e87c696 mm/gup: reliable R/O long-term pinning in COW mappings, 6.2) */
    @Switch.Doc(behaviour = "gup_must_unshare() is true for it: the page is first replaced by an exclusive anonymous copy, then pinned", source = "84209e87c696 mm/gup: reliable R/O long-term pinning in COW mappings, 6.2",
            requires = @Switch.Requires(state = "FAULT_FLAG_UNSHARE for R/O pins", of = GupReadOnShared.class, anyOf = "UNSHARE_IF_PIN", commit = "84209e87c696",
                    why = "it extends gup_must_unshare() of a7f226604170 to non-anonymous pages"))
    UNSHARE
}
