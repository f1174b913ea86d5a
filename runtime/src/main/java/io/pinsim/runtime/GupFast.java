package io.pinsim.runtime;

import io.pinsim.runtime.model.GupFastVsFork;

/**
 * get_user_pages_fast() / pin_user_pages_fast() as a sequence of steps (gup_fast_fallback() in
 * mm/gup.c):
 * <ol>
 * <li>begin: set MMF_HAS_PINNED for FOLL_PIN; with {@link GupFastVsFork#WRITE_PROTECT_SEQ} read
 *     mm->write_protect_seq and give up on the fast path if a fork holds it odd;</li>
 * <li>one step per page: the lockless walk (gup_pte_range()): read the PTE, grab the page, re-check
 *     the PTE. It stops at the first PTE it cannot use: not present, not writable for FOLL_WRITE,
 *     special (the zero page), a R/O pin that must unshare, or - in 5.8 - any PTE that is not already
 *     writable;</li>
 * <li>finish: with write_protect_seq, if the sequence changed, unpin everything just pinned and
 *     send all pages to the slow path (57efa1fe5957);</li>
 * <li>slow path for the rest: it needs mmap_lock, so it waits while a fork holds it.</li>
 * </ol>
 */
public interface GupFast extends Steppable {
    /** @return who runs the steps, as the trace names it */
    String actor();

    /** @return whether every step has run */
    boolean isDone();

    /** @return whether the next step waits for a lock another actor holds */
    boolean isBlocked();

    /** @return what the next step does, in kernel terms */
    String nextStep();

    /** Runs every remaining step; throws {@link IllegalStateException} if it would wait for a lock forever. */
    GupPages run();

    /**
     * The pages, once done.
     *
     * @throws IllegalStateException before the last step, or if a step failed with an errno (the
     *                               slow path refused the range: nothing is pinned)
     */
    GupPages result();

    /** Runs the next step; {@link IllegalStateException} when done or blocked. */
    void step();
}
