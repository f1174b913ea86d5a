package io.pinsim.runtime.model;

/**
 * How do_wp_page() decides whether a write fault on a write-protected private anonymous page may
 * reuse the page instead of copying it (reference B2, mm/memory.c).
 */
public enum CowReuse implements Switch {
    /** reuse_swap_page(): reuse if mapcount + swapcount &lt;= 1; GUP references are ignored (do_wp_page() up to 5.8) */
    @Switch.Doc(behaviour = "reuse_swap_page(): reuse if mapcount + swapcount <= 1; GUP references are ignored", source = "do_wp_page() up to 5.8")
    MAPCOUNT_PLUS_SWAPCOUNT,
    /** reuse only if page_count() == 1: any extra reference (GUP, pin, pipe, swap cache) forces a copy (09854ba94c6a mm: do_wp_page() simplification, 5.9) */
    @Switch.Doc(behaviour = "reuse only if page_count() == 1: any extra reference (GUP, pin, pipe, swap cache) forces a copy", source = "09854ba94c6a mm: do_wp_page() simplification, 5.9")
    REFCOUNT_EQ_1,
    /** reuse if PageAnonExclusive, else if refcount == 1 (and mark exclusive); a pinned page is always exclusive (6c287605fd56 PG_anon_exclusive, 5.19) */
    @Switch.Doc(behaviour = "reuse if PageAnonExclusive, else if refcount == 1 (and mark exclusive); a pinned page is always exclusive", source = "6c287605fd56 PG_anon_exclusive, 5.19")
    ANON_EXCLUSIVE
}
