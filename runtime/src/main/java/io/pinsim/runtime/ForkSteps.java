package io.pinsim.runtime;

import io.pinsim.runtime.model.ForkPinned;

/**
 * fork() as dup_mmap() -> copy_page_range() -> copy_pte_range() -> copy_present_pte() does it,
 * runnable at once ({@link #run()}) or step by step to interleave with GUP-fast in another thread:
 * <ol>
 * <li>begin: take mmap_lock for write, create the child;</li>
 * <li>per VMA: skip VM_DONTCOPY; give VM_WIPEONFORK and shared (shmem) VMAs to the child without
 *     PTEs; for a private VMA raise MMU_NOTIFY_PROTECTION_PAGE on the parent for the whole VMA and
 *     hold write_protect_seq odd (57efa1fe5957);</li>
 * <li>per populated PTE, two steps: decide (share, or copy now because the page may be pinned, per
 *     {@link ForkPinned}) and apply (write-protect both PTEs and share, or install the child's
 *     copy);</li>
 * <li>end: release mmap_lock; the child runs.</li>
 * </ol>
 */
public interface ForkSteps extends Steppable {
    /** @return who runs the steps, as the trace names it */
    String actor();

    /** @return whether every step has run */
    boolean isDone();

    /** @return whether the next step waits for a lock another actor holds */
    boolean isBlocked();

    /** @return what the next step does, in kernel terms */
    String nextStep();

    /** The child, once the fork is done. */
    Process child();

    /** Runs every remaining step as one traced operation and returns the child. */
    Process run();

    /** Runs the next step; {@link IllegalStateException} when done or blocked. */
    void step();
}
