package io.pinsim.runtime;

/**
 * get_user_pages() / pin_user_pages() - the slow path of mm/gup.c, __get_user_pages_locked() -&gt;
 * __get_user_pages() - from a thread, as the steps another CPU can observe:
 * <ol>
 * <li>mmap_read_lock(): waits while a fork or a stepped munmap holds mmap_lock for write; held for
 *     read from here to the last step, so a fork or munmap that starts later waits for the GUP;</li>
 * <li>per page, follow_page_mask() -&gt; follow_page_pte() under the page table lock
 *     (pte_offset_map_lock()): check_vma_flags() for a new page, then a present PTE that fits the
 *     request is grabbed (try_grab_page(): a reference for FOLL_GET, a pin for FOLL_PIN) before
 *     the PTL is dropped;</li>
 * <li>otherwise faultin_page() -&gt; handle_mm_fault(): a fault on a file page waits for the
 *     mapping's invalidate lock (filemap_fault(), a truncate or hole punch holds it for write) and
 *     for the page lock (filemap_fault()'s lock_folio_maybe_drop_mmap(), do_page_mkwrite()'s
 *     lock_page(): a writeback in progress holds it); then "retry:" follows the page again;</li>
 * <li>mmap_read_unlock() and the result: the pages taken, or the errno if the first page failed.</li>
 * </ol>
 * A real fault that would sleep on the page lock drops mmap_lock and returns VM_FAULT_RETRY, and
 * GUP takes mmap_lock again; the model keeps holding mmap_lock for read while it waits (the order
 * of what each thread sees is the same; only a writer of mmap_lock that could slip in meanwhile is
 * not modelled). Running every step in a row takes the same pages as
 * {@link Process#pinUserPages} / {@link Process#getUserPages}.
 */
public interface GupSteps extends Steppable {
    /** Runs every remaining step; {@link IllegalStateException} if a step would wait forever. */
    GupPages run();

    /**
     * The pages, once done.
     *
     * @throws IllegalStateException if not done yet
     */
    GupPages result();
}
