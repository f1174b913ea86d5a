package io.pinsim.runtime.model;

/**
 * How do_swap_page() decides, on a write fault that swaps a page in, whether the page may be
 * mapped writable at once (reference §3.6).
 */
public enum SwapinWriteReuse implements Switch {
    /** reuse_swap_page(): writable if mapcount + swapcount &lt;= 1, and the page leaves the swap cache (do_swap_page() up to 5.17) */
    @Switch.Doc(behaviour = "reuse_swap_page(): writable if mapcount + swapcount <= 1, and the page leaves the swap cache", source = "do_swap_page() up to 5.17")
    MAPCOUNT_PLUS_SWAPCOUNT,
    /** writable only if the swap PTE remembered PageAnonExclusive (or the page is provably exclusive) (c145e0b47c77 mm: streamline COW logic in do_swap_page(), 5.18; 1493a1913e34 mm/swap: remember PG_anon_exclusive via a swp pte bit, 5.19) */
    @Switch.Doc(behaviour = "writable only if the swap PTE remembered PageAnonExclusive (or the page is provably exclusive)", source = "c145e0b47c77 mm: streamline COW logic in do_swap_page(), 5.18; 1493a1913e34 mm/swap: remember PG_anon_exclusive via a swp pte bit, 5.19",
            requires = @Switch.Requires(state = "PG_anon_exclusive", of = CowReuse.class, anyOf = "ANON_EXCLUSIVE", commit = "1493a1913e34",
                    why = "the swap PTE's exclusive bit is the page's mark, saved by reclaim"))
    ANON_EXCLUSIVE
}
