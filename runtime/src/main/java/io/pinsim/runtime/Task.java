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
     * A CPU store of {@code value} at {@code address} from this thread, whose write fault on a
     * write-protected private page runs as do_wp_page() / wp_page_copy() steps
     * ({@link WriteFaultSteps}); a bad address is found, as by the CPU, when the store runs.
     */
    WriteFaultSteps writeSteps(long address, byte value);

    /** fork() called by this thread, as a sequence of steps to interleave with other operations; a null name names the child after the process. */
    ForkSteps forkSteps(String childName);
}
