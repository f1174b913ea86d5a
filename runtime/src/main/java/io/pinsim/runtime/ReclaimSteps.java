package io.pinsim.runtime;

/**
 * Reclaim of the page a process maps at an address (shrink_folio_list() / shrink_page_list() in
 * mm/vmscan.c on that one page), as the steps another CPU can observe:
 * <ol>
 * <li>trylock_page() (a page another operation holds locked, or one under writeback, is kept);
 *     for an anonymous page not yet in the swap cache, the pin check of feb889fb40fa (5.11,
 *     5.10.y: {@code if (folio_maybe_dma_pinned(folio)) goto keep_locked}) where the model has it,
 *     then add_to_swap(); a dirty file page is left to writeback;</li>
 * <li>try_to_unmap(): one try_to_unmap_one() per PTE, the rmap walked when the step runs (a PTE a
 *     fork copied after the check is unmapped too; a step waits, {@link #isBlocked()}, while a
 *     stepped fork holds that PTE's table lock between deciding and applying a PTE), each under its PTL between
 *     mmu_notifier_invalidate_range_start/end (MMU_NOTIFY_CLEAR); from 5.19 an exclusive anonymous
 *     page that may be pinned is not unmapped (page_try_share_anon_rmap() fails with -EBUSY after
 *     the PTE was cleared, 6c287605fd56; GUP-fast re-checks the PTE after grabbing the page, so one
 *     of the two backs off);</li>
 * <li>pageout() and __remove_mapping(): the page's bytes go to its swap slot (a file page's
 *     buffers are released, try_to_release_page()), and the page is freed only if the swap or page
 *     cache alone holds it (the refcount freeze, page_ref_freeze()); unlock_page().</li>
 * </ol>
 * A page mapped again after try_to_unmap() is kept ({@code activate_locked}). The page lock is
 * held from the first step to the last: a zap between the steps leaves the page in the swap cache
 * (free_swap_and_cache()'s folio_trylock() fails), and __remove_mapping() frees page and slot. A pin taken between the first step's
 * check and the unmap is what feb889fb40fa's check cannot see: before 5.19 the pinned page is then
 * unmapped into the swap cache anyway. Running every step in a row reclaims as
 * {@link Kernel#reclaim} does, but for the shrinkers it runs after the page ({@link Kernel#deferredSplitScan()}).
 */
public interface ReclaimSteps extends Steppable {
    /**
     * Runs every remaining step.
     *
     * @return whether the page was unmapped
     */
    boolean run();
}
