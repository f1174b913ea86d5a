package io.pinsim.runtime.internal.locking;

/**
 * How a lock is acquired: lock_acquire()'s {@code read} argument (0, 1, 2).
 */
public enum LockMode {
    /** read = 0: exclusive (mutex_lock, down_write, lock_map_acquire). */
    WRITE,
    /** read = 1: shared, not recursive (down_read, lock_acquire_shared; dma_fence_begin_signalling()). */
    READ,
    /** read = 2: shared and recursive (lock_map_acquire_read, rcu_read_lock-like). */
    RECURSIVE_READ;

    boolean shared() {
        return this != WRITE;
    }
}
