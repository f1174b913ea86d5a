package io.pinsim.runtime.model;

/**
 * What a read-only GUP (no FOLL_WRITE) returns for an anonymous page that is COW-shared
 * with another process (reference B4, §5.4).
 */
public enum GupReadOnShared implements Switch {
    /** the shared page is returned as it is; COW can later break either way (mm/gup.c up to 5.7, and again from a308c71bf1e6 (5.9)) */
    @Switch.Doc(behaviour = "the shared page is returned as it is; COW can later break either way", source = "mm/gup.c up to 5.7, and again from a308c71bf1e6 (5.9)")
    RETURN_SHARED,
    /** GUP on a COW mapping is done as a write, so the caller gets a private copy first; GUP-fast only takes already-writable PTEs (17839856fd58 gup: work around \"COW can break either way\", 5.8) */
    @Switch.Doc(behaviour = "GUP on a COW mapping is done as a write, so the caller gets a private copy first; GUP-fast only takes already-writable PTEs", source = "17839856fd58 gup: work around \"COW can break either way\", 5.8")
    FORCE_COW_BREAK,
    /** a R/O FOLL_PIN first unshares the page (FAULT_FLAG_UNSHARE, the PTE stays read-only); R/O FOLL_GET returns the shared page (a7f226604170 + c89357e27f20, 5.19) */
    @Switch.Doc(behaviour = "a R/O FOLL_PIN first unshares the page (FAULT_FLAG_UNSHARE, the PTE stays read-only); R/O FOLL_GET returns the shared page", source = "a7f226604170 + c89357e27f20, 5.19",
            requires = @Switch.Requires(state = "PG_anon_exclusive", of = CowReuse.class, anyOf = "ANON_EXCLUSIVE", commit = "a7f226604170",
                    why = "gup_must_unshare() unshares pages not marked exclusive, and the unshare fault's only effect is the mark"))
    UNSHARE_IF_PIN
}
