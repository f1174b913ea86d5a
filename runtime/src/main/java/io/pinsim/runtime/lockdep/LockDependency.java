package io.pinsim.runtime.lockdep;

/**
 * One recorded dependency {@code from -> to}: {@code to} was acquired while {@code from} was the
 * most recently acquired lock held (lockdep's check_prevs_add() records the edge from the top of the
 * held-lock stack), first at {@code step} by {@code actor}.
 *
 * @param from      the lock class held, by its lockdep name (e.g. {@code dma_fence_map})
 * @param fromShared whether {@code from} was held for read (a shared acquisition)
 * @param to        the lock class acquired
 * @param toRecursive whether {@code to} was acquired as a recursive read (lock_map_acquire_read)
 * @param step      the trace step where the edge was first seen (0: primed at kernel creation)
 * @param actor     who acquired it (a task, a device, {@code dma_resv_lockdep} for the priming)
 */
public record LockDependency(String from, boolean fromShared, String to, boolean toRecursive, int step, String actor) {
    /** {@code from -> to}, as lockdep's chains print it. */
    @Override
    public String toString() {
        return from + " -> " + to;
    }
}
