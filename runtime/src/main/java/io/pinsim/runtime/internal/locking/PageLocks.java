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
 * <p>
 * The other page bit the kernel sleeps on lives here too: PG_writeback (set_page_writeback() /
 * end_page_writeback()), set while the page's I/O is in flight, with the writeback that set it;
 * folio_wait_writeback() waits for it (truncate_inode_pages(), fsync), reclaim skips such a page.
 * Footprint id: {@code frame:<pfn>:PG_writeback}.
 */
public final class PageLocks {
    private final Map<Long, Object> owners = new TreeMap<>();
    private final Map<Long, Object> writeback = new TreeMap<>();

    /** The footprint id of PG_writeback of frame {@code pfn}. */
    public static String writebackId(long pfn) {
        return "frame:" + pfn + ":PG_writeback";
    }

    /** The writeback whose I/O of frame {@code pfn} is in flight (PageWriteback()), or null. */
    public Object writeback(long pfn) {
        return writeback.get(pfn);
    }

    /**
     * set_page_writeback() by {@code owner}; the caller holds the page lock.
     *
     * @throws IllegalStateException if the page is already under writeback
     */
    public void setWriteback(long pfn, Object owner) {
        Object o = writeback.putIfAbsent(pfn, owner);
        if (o != null) {
            throw new IllegalStateException("frame #" + pfn + " is already under writeback by " + o + " (set_page_writeback() twice)");
        }
    }

    /**
     * end_page_writeback() of the I/O {@code owner} started.
     *
     * @throws IllegalStateException if that I/O is not in flight
     */
    public void endWriteback(long pfn, Object owner) {
        if (writeback.get(pfn) != owner) {
            throw new IllegalStateException(owner + " ends writeback of frame #" + pfn + ", which it did not start");
        }
        writeback.remove(pfn);
    }

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

    /** Whether no page is locked or under writeback. */
    public boolean isEmpty() {
        return owners.isEmpty() && writeback.isEmpty();
    }

    @Override
    public String toString() {
        return "locked pages " + owners.keySet() + ", under writeback " + writeback.keySet();
    }
}
