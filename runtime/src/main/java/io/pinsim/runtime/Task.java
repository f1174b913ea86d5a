package io.pinsim.runtime;

/**
 * A thread of a process (task_struct sharing the process's mm). Threads matter as actors: GUP-fast
 * in one thread can be interleaved with fork in another.
 */
public interface Task {
    /** @return the process whose mm the thread shares */
    Process process();

    /** @return the thread id */
    int tid();

    /** @return the thread's own name */
    String name();

    /** How the trace names this thread: the process name for the main thread, {@code A/T2} otherwise. */
    String actor();

    /** pin_user_pages_fast() from this thread, as a sequence of steps to interleave with other operations. */
    GupFast pinUserPagesFastSteps(long address, int nrPages, int gupFlags, String holder);

    /** get_user_pages_fast() from this thread, as a sequence of steps to interleave with other operations. */
    GupFast getUserPagesFastSteps(long address, int nrPages, int gupFlags, String holder);

    /**
     * pin_user_pages() (the slow path) from this thread, as steps: mmap_read_lock, follow_page_pte
     * or faultin_page per page, mmap_read_unlock ({@link GupSteps}).
     *
     * @throws ErrnoException EINVAL / EFAULT as pin_user_pages() refuses its arguments
     */
    GupSteps pinUserPagesSteps(long address, int nrPages, int gupFlags, String holder);

    /** get_user_pages() (the slow path) from this thread, as steps ({@link GupSteps}); the errors of {@link #pinUserPagesSteps}. */
    GupSteps getUserPagesSteps(long address, int nrPages, int gupFlags, String holder);

    /**
     * A CPU store of {@code value} at {@code address} from this thread, whose write fault on a
     * write-protected private page runs as do_wp_page() / wp_page_copy() steps
     * ({@link WriteFaultSteps}); a bad address is found, as by the CPU, when the store runs.
     */
    WriteFaultSteps writeSteps(long address, byte value);

    /** fork() called by this thread, as a sequence of steps to interleave with other operations; a null name names the child after the process. */
    ForkSteps forkSteps(String childName);

    /**
     * munmap() called by this thread, as a sequence of steps to interleave with other operations:
     * take mmap_lock for write, mmu_notifier_invalidate_range_start (then one step per interval
     * notifier's callback, which waits while another thread holds the driver lock it takes), zap
     * one page table per step under its PTE lock, invalidate_range_end, remove the VMAs and unlock.
     *
     * @throws ErrnoException EINVAL for an unaligned address, a length that is not positive or a
     *                        range outside the user address space
     */
    Steppable munmapSteps(long address, long length);

    /**
     * madvise() called by this thread, as a sequence of steps: the same steps as
     * {@link #munmapSteps}, under mmap_lock for read and with MMU_NOTIFY_CLEAR, the VMAs kept.
     * Only {@link Advice#DONTNEED} is steppable.
     *
     * @throws IllegalArgumentException for another advice
     * @throws ErrnoException           EINVAL for an unaligned address or a length that is not
     *                                  positive; ENOMEM if part of the range is not mapped (nothing
     *                                  changes)
     */
    Steppable madviseSteps(long address, long length, Advice advice);
}
