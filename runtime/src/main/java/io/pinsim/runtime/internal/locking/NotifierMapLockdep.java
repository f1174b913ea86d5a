package io.pinsim.runtime.internal.locking;

import io.pinsim.runtime.model.MmuNotifierLockdep;

/**
 * The lockdep map {@code __mmu_notifier_invalidate_range_start_map} of mm/mmu_notifier.c outside
 * the invalidations that hold it, per {@link MmuNotifierLockdep}: the priming in
 * __mmu_notifier_register() (66204f1d2d1b, 5.4; removed by f920e413ff9c in 5.11) and the
 * acquisition in mmu_interval_read_begin() (99cb252f5e68, 5.5).
 */
public final class NotifierMapLockdep {
    private NotifierMapLockdep() {
    }

    /** Whether invalidations run their callbacks under the map (23b68395c7c7, 5.4). */
    public static boolean invalidationsHoldTheMap(MmuNotifierLockdep mechanism) {
        return mechanism != MmuNotifierLockdep.NO_MAP;
    }

    /**
     * __mmu_notifier_register() from 5.4 to 5.10:
     * <pre>
     * if (IS_ENABLED(CONFIG_LOCKDEP)) {
     *         fs_reclaim_acquire(GFP_KERNEL);
     *         lock_map_acquire(&amp;__mmu_notifier_invalidate_range_start_map);
     *         lock_map_release(&amp;__mmu_notifier_invalidate_range_start_map);
     *         fs_reclaim_release(GFP_KERNEL);
     * }
     * </pre>
     * so lockdep knows reclaim may invalidate as soon as one notifier is registered.
     */
    public static void register(LockdepImpl lockdep, String actor, MmuNotifierLockdep mechanism) {
        if (mechanism != MmuNotifierLockdep.PRIMED_AT_REGISTER || !lockdep.active()) {
            return;
        }
        lockdep.acquire(actor, LockClass.FS_RECLAIM, LockMode.WRITE);
        lockdep.acquireRelease(actor, LockClass.MMU_NOTIFIER_MAP, LockMode.WRITE);
        lockdep.release(actor, LockClass.FS_RECLAIM);
    }

    /**
     * mmu_interval_read_begin(): {@code lock_map_acquire(&__mmu_notifier_invalidate_range_start_map);
     * lock_map_release(..)} before it may sleep for a running invalidation, so a lock held around
     * read_begin that an invalidate callback takes is a cycle (device-semantics §5.5 cycle F).
     */
    public static void readBegin(LockdepImpl lockdep, String actor, MmuNotifierLockdep mechanism) {
        if (mechanism == MmuNotifierLockdep.NO_MAP || !lockdep.active()) {
            return;
        }
        lockdep.acquireRelease(actor, LockClass.MMU_NOTIFIER_MAP, LockMode.WRITE);
    }
}
