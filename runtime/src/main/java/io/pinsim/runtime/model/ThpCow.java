package io.pinsim.runtime.model;

/**
 * How do_huge_pmd_wp_page() (mm/huge_memory.c) handles a write fault on a write-protected PMD-mapped
 * anonymous THP: when it reuses the whole 2 MiB page, and what it does otherwise (reference B3, B18).
 * It kept the mapcount rule three releases after do_wp_page() dropped it, which left the vmsplice
 * leak (CVE-2020-29374) open on THPs until 5.18.
 */
public enum ThpCow implements Switch {
    /** reuse_swap_page(): reuse if the THP's mapcount is 1, GUP references ignored; else allocate a new THP and copy all 2 MiB (do_huge_pmd_wp_page() up to 5.7) */
    @Switch.Doc(behaviour = "reuse_swap_page(): reuse if the THP's mapcount is 1, GUP references ignored; else allocate a new THP and copy all 2 MiB", source = "do_huge_pmd_wp_page() up to 5.7")
    MAPCOUNT_COPY_HUGE,
    /** reuse_swap_page() as before; else split the PMD and COW only the faulting subpage at PTE level (3917c80280c9 thp: change CoW semantics for anon-THP, 5.8) */
    @Switch.Doc(behaviour = "reuse_swap_page() as before; else split the PMD and COW only the faulting subpage at PTE level", source = "3917c80280c9 thp: change CoW semantics for anon-THP, 5.8")
    MAPCOUNT_SPLIT,
    /** reuse only if page_count() == 1 (the swap cache freed first); else split the PMD and COW the subpage (3bff7e3f1f16 mm/huge_memory: streamline COW logic in do_huge_pmd_wp_page(), 5.18) */
    @Switch.Doc(behaviour = "reuse only if page_count() == 1 (the swap cache freed first); else split the PMD and COW the subpage", source = "3bff7e3f1f16 mm/huge_memory: streamline COW logic in do_huge_pmd_wp_page(), 5.18")
    REFCOUNT_SPLIT,
    /** reuse if the head is PageAnonExclusive, else if page_count() == 1 (and mark it exclusive); else split the PMD and COW the subpage (6c287605fd56 mm/memory: introduce PG_anon_exclusive, 5.19) */
    @Switch.Doc(behaviour = "reuse if the head is PageAnonExclusive, else if page_count() == 1 (and mark it exclusive); else split the PMD and COW the subpage", source = "6c287605fd56 mm/memory: introduce PG_anon_exclusive, 5.19",
            requires = @Switch.Requires(state = "PG_anon_exclusive", of = CowReuse.class, anyOf = "ANON_EXCLUSIVE", commit = "6c287605fd56",
                    why = "the flag this rule trusts is set and re-set by the same commit's do_wp_page() rule"))
    ANON_EXCLUSIVE_SPLIT
}
