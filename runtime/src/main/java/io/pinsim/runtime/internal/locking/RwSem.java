package io.pinsim.runtime.internal.locking;

import java.util.ArrayList;
import java.util.List;

/**
 * A sleeping reader/writer lock (struct rw_semaphore, kernel/locking/rwsem.c) as the stepped
 * operations take it: any number of readers or one writer. The model never sleeps: an operation
 * whose down_read()/down_write() cannot succeed now asks {@link #canRead}/{@link #canWrite}, leaves
 * its thread blocked and tries again at its next step, so the explorer sees who waits for whom.
 * Fairness (a waiting writer holding off new readers) is not modelled: a reader gets in while only
 * readers hold the lock. Each acquisition and release also goes through the kernel's lockdep
 * (lock_acquire()/lock_release() with the lock's class, read = 1 for down_read()), so lockdep sees
 * the runtime's own lock order, e.g. i_rwsem -&gt; invalidate_lock in truncate.
 */
public final class RwSem {
    private final String id;
    private final LockdepImpl lockdep;
    private final LockClass cls;
    private Object writer;
    private final List<Object> readers = new ArrayList<>(2);

    /**
     * A lock named by its footprint id ({@code inode:ext4:12:i_rwsem}), of lockdep class {@code cls}
     * on {@code lockdep} (null: not annotated).
     */
    public RwSem(String id, LockdepImpl lockdep, LockClass cls) {
        this.id = id;
        this.lockdep = lockdep;
        this.cls = cls;
    }

    /** The lock's footprint id. */
    public String id() {
        return id;
    }

    /** Whether down_read() by {@code owner} would get the lock now: no writer holds it. */
    public boolean canRead(Object owner) {
        return writer == null || writer == owner;
    }

    /** Whether down_write() by {@code owner} would get the lock now: nobody else holds it. */
    public boolean canWrite(Object owner) {
        return (writer == null || writer == owner) && (readers.isEmpty() || readers.size() == 1 && readers.get(0) == owner);
    }

    /** down_read() by {@code owner}, run by {@code actor} (lockdep's task): the caller checked {@link #canRead}. */
    public void downRead(Object owner, String actor) {
        if (!canRead(owner)) {
            throw new IllegalStateException(id + " is held for write by " + writer + "; down_read() by " + owner + " would sleep");
        }
        readers.add(owner);
        if (lockdep != null) {
            lockdep.acquire(actor, cls, LockMode.READ);
        }
    }

    /** up_read(). */
    public void upRead(Object owner, String actor) {
        if (!readers.remove(owner)) {
            throw new IllegalStateException(owner + " does not hold " + id + " for read");
        }
        if (lockdep != null) {
            lockdep.release(actor, cls);
        }
    }

    /** down_write(): the caller checked {@link #canWrite}. */
    public void downWrite(Object owner, String actor) {
        if (!canWrite(owner)) {
            throw new IllegalStateException(id + " is held by " + (writer != null ? writer : readers) + "; down_write() by " + owner + " would sleep");
        }
        writer = owner;
        if (lockdep != null) {
            lockdep.acquire(actor, cls, LockMode.WRITE);
        }
    }

    /** up_write(). */
    public void upWrite(Object owner, String actor) {
        if (writer != owner) {
            throw new IllegalStateException(owner + " does not hold " + id + " for write");
        }
        writer = null;
        if (lockdep != null) {
            lockdep.release(actor, cls);
        }
    }

    /** Whether anybody holds the lock. */
    public boolean isLocked() {
        return writer != null || !readers.isEmpty();
    }

    @Override
    public String toString() {
        return id + (writer != null ? " (write-locked)" : readers.isEmpty() ? " (free)" : " (read-locked by " + readers.size() + ")");
    }
}
