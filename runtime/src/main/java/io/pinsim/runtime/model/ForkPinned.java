package io.pinsim.runtime.model;

/**
 * What fork (copy_present_pte) does with a page that may be pinned, in a COW mapping (reference B6, B7).
 */
public enum ForkPinned implements Switch {
    /** share it and write-protect both PTEs like any other page; whoever writes first gets the copy (copy_one_pte(), up to 5.8) */
    @Switch.Doc(behaviour = "share it and write-protect both PTEs like any other page; whoever writes first gets the copy", source = "copy_one_pte(), up to 5.8")
    SHARE_WRPROTECT,
    /** if the mm ever pinned and page_maybe_dma_pinned(), copy the page - anon or page cache alike - for the child now; the parent PTE is left untouched; ENOMEM fails fork (5.10.y/5.15.y stable added an anon-only check in 2023) (70e806e4e645 mm: Do early cow for pinned pages during fork() for ptes, 5.9) */
    @Switch.Doc(behaviour = "if the mm ever pinned and page_maybe_dma_pinned(), copy the page - anon or page cache alike - for the child now; the parent PTE is left untouched; ENOMEM fails fork (5.10.y/5.15.y stable added an anon-only check in 2023)", source = "70e806e4e645 mm: Do early cow for pinned pages during fork() for ptes, 5.9",
            requires = @Switch.Requires(state = "pin accounting", of = PinAccounting.class, anyOf = "PIN_COUNTING_BIAS", commit = "3faa52c03f44",
                    why = "70e806e4e645 copies what page_maybe_dma_pinned() and MMF_HAS_PINNED report, and only FOLL_PIN's bias of 1024 makes them report anything"))
    EARLY_COPY_ANY_PAGE,
    /** page_try_dup_anon_rmap() fails for an exclusive anon page that may be pinned, so the child gets a copy; ENOMEM fails fork (6c287605fd56 PG_anon_exclusive, 5.19) */
    @Switch.Doc(behaviour = "page_try_dup_anon_rmap() fails for an exclusive anon page that may be pinned, so the child gets a copy; ENOMEM fails fork", source = "6c287605fd56 PG_anon_exclusive, 5.19",
            requires = {
                    @Switch.Requires(state = "PG_anon_exclusive", of = CowReuse.class, anyOf = "ANON_EXCLUSIVE", commit = "6c287605fd56",
                            why = "page_try_dup_anon_rmap() copies only pages marked exclusive, and only the anon-exclusive do_wp_page() keeps the mark"),
                    @Switch.Requires(state = "pin accounting", of = PinAccounting.class, anyOf = "PIN_COUNTING_BIAS", commit = "3faa52c03f44",
                            why = "page_try_dup_anon_rmap() asks page_maybe_dma_pinned(), which only FOLL_PIN's bias of 1024 makes true")})
    EARLY_COPY_ANON_EXCLUSIVE
}
