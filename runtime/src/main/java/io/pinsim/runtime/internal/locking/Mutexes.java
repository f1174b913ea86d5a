package io.pinsim.runtime.internal.locking;

import java.util.Map;
import java.util.TreeMap;

/**
 * The sleeping locks of one kernel that a step may find held by another thread: a driver's
 * notifier lock (mlx5's {@code umem_odp->umem_mutex}, amdgpu's {@code notifier_lock}). Each is
 * named by its {@code io.pinsim.runtime.Footprint} id ({@code dev:mlx5_0:MR#1.umem_mutex}) and
 * held by an actor. A stepped operation asks {@link #owner(String)} before its step and stays
 * blocked while another actor holds the lock, as mutex_lock() sleeps; lockdep sees the
 * acquisitions separately (by class).
 */
public final class Mutexes {
    private final Map<String, String> owners = new TreeMap<>();

    /** The actor holding the lock, or null if it is free. */
    public String owner(String id) {
        return owners.get(id);
    }

    /**
     * mutex_lock() by {@code actor}.
     *
     * @throws IllegalStateException if anyone holds it: the actor itself (a self-deadlock) or
     *                               another actor (the caller would sleep: a stepped operation
     *                               checks {@link #owner} first and waits instead)
     */
    public void lock(String id, String actor) {
        String owner = owners.get(id);
        if (owner != null) {
            throw new IllegalStateException(owner.equals(actor)
                    ? actor + " takes " + id + " while holding it: mutex_lock() on a held mutex deadlocks; unlock it first"
                    : actor + " would sleep on " + id + ", which " + owner + " holds: run the holder's operation to its unlock first, or interleave"
                            + " both as steps in the explorer (io.pinsim.runtime.explore)");
        }
        owners.put(id, actor);
    }

    /**
     * mutex_unlock() by {@code actor}.
     *
     * @throws IllegalStateException if the actor does not hold it
     */
    public void unlock(String id, String actor) {
        String owner = owners.get(id);
        if (owner == null || !owner.equals(actor)) {
            throw new IllegalStateException(actor + " unlocks " + id + " but " + (owner == null ? "nobody holds it" : owner + " holds it"));
        }
        owners.remove(id);
    }
}
