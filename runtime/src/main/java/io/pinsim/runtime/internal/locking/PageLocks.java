package io.pinsim.runtime.internal.locking;

import java.util.Map;
import java.util.TreeMap;

/**
 * The page lock, PG_locked (lock_page() / trylock_page() / unlock_page(), mm/filemap.c), of every
 * frame of one kernel, with its owner: a sleeping bit lock. The kernel itself does not record the
 * owner; the model does, so the explorer can draw who waits for whom. A stepped operation that
 * needs a page another actor holds locked asks {@link #owner} first and stays blocked, as
 * folio_lock() sleeps in folio_wait_bit_common(); trylock_page() callers (reclaim) skip the page
 * instead. Only stepped operations take it: the model's plain calls run atomically and so never
 * find a page locked by anything but a stepped operation in progress, which they refuse to race
 * (see the stepped operations). Footprint id of a page's lock: {@code frame:<pfn>:PG_locked}.
 */
public final class PageLocks {
    private final Map<Long, Object> owners = new TreeMap<>();

    /** The footprint id of the page lock of frame {@code pfn}. */
    public static String id(long pfn) {
        return "frame:" + pfn + ":PG_locked";
    }

    /** The owner holding frame {@code pfn} locked, or null (PageLocked() is false). */
    public Object owner(long pfn) {
        return owners.get(pfn);
    }

    /** Whether lock_page() by {@code owner} would get the lock now. */
    public boolean canLock(long pfn, Object owner) {
        Object o = owners.get(pfn);
        return o == null;
    }

    /**
     * lock_page(): the caller checked {@link #canLock}.
     *
     * @throws IllegalStateException if the page is locked (by the owner itself: it would deadlock;
     *                               by another: the caller would sleep)
     */
    public void lock(long pfn, Object owner) {
        Object o = owners.get(pfn);
        if (o != null) {
            throw new IllegalStateException(o == owner
                    ? owner + " locks frame #" + pfn + " while holding its page lock: lock_page() on a page it locked deadlocks"
                    : owner + " would sleep in lock_page() of frame #" + pfn + ", which " + o + " holds locked: step the holder to its unlock_page() first");
        }
        owners.put(pfn, owner);
    }

    /** trylock_page(): takes the lock and returns true if the page was unlocked, else false. */
    public boolean tryLock(long pfn, Object owner) {
        if (owners.containsKey(pfn)) {
            return false;
        }
        owners.put(pfn, owner);
        return true;
    }

    /**
     * unlock_page().
     *
     * @throws IllegalStateException if {@code owner} does not hold it
     */
    public void unlock(long pfn, Object owner) {
        Object o = owners.get(pfn);
        if (o != owner) {
            throw new IllegalStateException(owner + " unlocks frame #" + pfn + " but " + (o == null ? "it is not locked" : o + " holds it"));
        }
        owners.remove(pfn);
    }

    /** Whether any page is locked (Kernel.close() and the leak check consult it). */
    public boolean isEmpty() {
        return owners.isEmpty();
    }

    @Override
    public String toString() {
        return "locked pages " + owners.keySet();
    }
}
