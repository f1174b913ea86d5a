package io.pinsim.dsl;

/**
 * The memory upstream tools/testing/selftests/mm/cow.c runs its anonymous test cases on
 * (run_with_base_page(), run_with_base_page_swap(), do_run_with_thp()'s THP_RUN_* variants) and
 * its non-anonymous cases on (run_with_zeropage(), run_with_huge_zeropage()), for
 * {@code mallocAs(CowBacking)}. Each is prepared as cow.c prepares it: the memory is written with 1s
 * (read only, for the zero pages), then turned into the variant; the buffer is the range cow.c then
 * tests. cow.c's file backings are {@code memfd(size)}, {@code file(name).on(tmpfs)} and
 * {@code memfdHugetlb(size)}, mapped with {@code mmapFilePrivate(size)}.
 */
public enum CowBacking {
    /** "with base page": one small page (MADV_NOHUGEPAGE). */
    BASE_PAGE,
    /** "with swapped out base page": one small page, then MADV_PAGEOUT (5.4+; EINVAL before). */
    SWAPPED_OUT_BASE_PAGE,
    /** "with THP" (THP_RUN_PMD): a PMD-mapped 2 MiB THP. */
    THP,
    /** "with swapped-out THP" (THP_RUN_PMD_SWAPOUT): the THP swapped out whole by MADV_PAGEOUT. */
    SWAPPED_OUT_THP,
    /** "with PTE-mapped THP" (THP_RUN_PTE): one subpage mprotect()ed R/O and back, which splits the PMD. */
    PTE_MAPPED_THP,
    /** "with swapped-out, PTE-mapped THP" (THP_RUN_PTE_SWAPOUT): split by MADV_PAGEOUT, then swapped out page by page. */
    SWAPPED_OUT_PTE_MAPPED_THP,
    /** "with single PTE of THP" (THP_RUN_SINGLE_PTE): all but the first subpage zapped; the buffer is that one page. */
    SINGLE_PTE_OF_THP,
    /** "with swapped-out single PTE of THP" (THP_RUN_SINGLE_PTE_SWAPOUT): that page then paged out. */
    SWAPPED_OUT_SINGLE_PTE_OF_THP,
    /** "with partially mremap()'ed THP" (THP_RUN_PARTIAL_MREMAP): the upper half moved away; the buffer is the lower half. */
    PARTIALLY_MREMAPPED_THP,
    /** "with partially shared THP" (THP_RUN_PARTIAL_SHARED): only the first subpage was ever shared with a (gone) child. */
    PARTIALLY_SHARED_THP,
    /** "with shared zeropage" (run_with_zeropage()): one private anonymous page, read, so it maps the shared zero page read-only. */
    SHARED_ZERO_PAGE,
    /** "with huge zeropage" (run_with_huge_zeropage()): a read fault maps the huge zero page with one PMD. */
    HUGE_ZERO_PAGE
}
