package io.pinsim.runtime.internal.mm;

import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.KernelBugException;
import io.pinsim.runtime.MmuIntervalNotifier;
import io.pinsim.runtime.MmuIntervalNotifierOps;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.internal.locking.NotifierMapLockdep;
import io.pinsim.runtime.internal.locking.LockClass;
import io.pinsim.runtime.internal.locking.LockMode;

/**
 * struct mmu_interval_notifier (99cb252f5e68, 5.5): a driver's subscription to invalidations of one
 * range of one process, with the sequence protocol of mm/mmu_notifier.c. A driver reads with
 * {@code seq = readBegin()}, faults or looks up pages, takes its lock, and commits only if
 * {@code !readRetry(seq)}; its invalidate callback calls {@code setSeq(curSeq)} under the same lock.
 */
public final class MmuIntervalNotifierImpl implements io.pinsim.runtime.MmuIntervalNotifier {
    public final MmuNotifierSubscriptions subscriptions;
    final long startVpn;
    final long endVpn;
    final MmuIntervalNotifierOps ops;
    private final String name;
    /** interval_sub->invalidate_seq. */
    long invalidateSeq;
    boolean removed;
    /** The device that inserted it (DriverContext), whose task calls read_begin between steps; null for a process's own. */
    public String driver;
    /** The Footprint id of the driver lock the invalidate callback takes first, or null (see {@link io.pinsim.runtime.internal.locking.Mutexes}). */
    String lockId;
    /** Who reads under this subscription when no step runs: the driver's device, for lockdep. */
    String actor;

    MmuIntervalNotifierImpl(MmuNotifierSubscriptions subscriptions, long startVpn, long endVpn, MmuIntervalNotifierOps ops, String name) {
        this.subscriptions = subscriptions;
        this.startVpn = startVpn;
        this.endVpn = endVpn;
        this.ops = ops;
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    public long start() {
        return startVpn << Kernel.PAGE_SHIFT;
    }

    public long end() {
        return endVpn << Kernel.PAGE_SHIFT;
    }

    @Override
    public Process process() {
        return subscriptions.mm.owner;
    }

    /**
     * mmu_interval_read_begin(): the sequence to check with {@link #readRetry(long)}. It takes and
     * releases the lockdep map __mmu_notifier_invalidate_range_start_map, which every invalidation
     * holds (99cb252f5e68, 5.5; not on models without the map, {@link io.pinsim.runtime.model.MmuNotifierLockdep#NO_MAP});
     * called from inside an invalidation (a callback) lockdep reports possible recursive locking,
     * and once the callback has set the sequence it would sleep for the invalidation that is
     * calling it: the model reports both as a {@link KernelBugException}. Called by another thread
     * while an invalidation of this interval is in progress ({@link #readBeginWaits()}) it sleeps
     * until invalidate_range_end: a stepped caller waits for that; a plain call is refused.
     */
    public long readBegin() {
        requireLive("mmu_interval_read_begin");
        if (subscriptions.insideInvalidation()) {
            throw new KernelBugException("interval-read-begin-in-invalidation", name + ": mmu_interval_read_begin() called inside an invalidation of \""
                    + process().name() + "\": lockdep reports possible recursive locking of __mmu_notifier_invalidate_range_start_map"
                    + (invalidateSeq == subscriptions.invalidateSeq ? ", and it would wait for the invalidation that is calling it" : ""),
                    subscriptions.mm.kernel.trace().render());
        }
        if (readBeginWaits()) {
            // a WouldBlockException, as every plain call that would sleep on what a stepped operation holds (fuzzer seed 0, sequence 2495)
            throw new io.pinsim.runtime.WouldBlockException(name + ": mmu_interval_read_begin() would sleep until the invalidation in progress on \"" + process().name()
                    + "\" ends (wait_event(subscriptions->wq)): step that invalidation to its end first, or run the read as steps in the explorer",
                    subscriptions.mm.objectId() + ":mmu_notifier_invalidate", this::readBeginWaits);
        }
        // lock_map_acquire(&__mmu_notifier_invalidate_range_start_map); lock_map_release(..): read_begin may sleep for an invalidation
        String actor = subscriptions.mm.kernel.currentActor() != null || driver == null ? subscriptions.actor() : driver;
        NotifierMapLockdep.readBegin(subscriptions.mm.kernel.lockdep(), actor, subscriptions.mm.kernel.notifierLockdep);
        return invalidateSeq;
    }

    @Override
    public boolean readBeginWaits() {
        return !removed && invalidateSeq == subscriptions.invalidateSeq;
    }

    /** The Footprint id of the driver lock the invalidate callback takes first, or null. */
    public String lockId() {
        return lockId;
    }

    @Override
    public boolean readRetry(long seq) {
        return invalidateSeq != seq;
    }

    @Override
    public boolean checkRetry(long seq) {
        return invalidateSeq != seq;
    }

    @Override
    public void setSeq(long curSeq) {
        invalidateSeq = curSeq;
    }

    @Override
    public void remove() {
        requireLive("mmu_interval_notifier_remove");
        subscriptions.remove(this);
    }

    @Override
    public boolean isRemoved() {
        return removed;
    }

    private void requireLive(String fn) {
        if (removed) {
            throw new IllegalStateException(fn + "(): " + name + " was removed");
        }
    }

    @Override
    public String toString() {
        return name + " [" + Kernel.hex(start()) + "-" + Kernel.hex(end()) + ") of \"" + process().name() + "\"";
    }

    /**
     * The subscription as mm sees it, checked to belong to this kernel.
     *
     * @throws NullPointerException     for null
     * @throws IllegalArgumentException for a subscription of another kernel
     */
    public static MmuIntervalNotifierImpl of(io.pinsim.runtime.MmuIntervalNotifier sub, MmCore core) {
        java.util.Objects.requireNonNull(sub, "sub");
        if (!(sub instanceof MmuIntervalNotifierImpl s) || s.subscriptions.mm.kernel != core) {
            throw new IllegalArgumentException(sub + " belongs to another kernel");
        }
        return s;
    }
}
