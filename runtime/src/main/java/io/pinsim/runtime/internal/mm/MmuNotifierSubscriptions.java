package io.pinsim.runtime.internal.mm;

import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.KernelBugException;
import io.pinsim.runtime.MmuIntervalNotifierOps;
import io.pinsim.runtime.MmuNotifierEvent;
import io.pinsim.runtime.MmuNotifierListener;
import io.pinsim.runtime.MmuNotifierRange;
import io.pinsim.runtime.internal.locking.LockClass;
import io.pinsim.runtime.model.NotifierFailure;
import io.pinsim.runtime.model.SecondaryTlbInvalidation;
import io.pinsim.runtime.internal.locking.LockMode;
import io.pinsim.runtime.internal.locking.LockdepImpl;
import io.pinsim.runtime.internal.locking.NotifierMapLockdep;
import io.pinsim.runtime.trace.KernelLog;
import io.pinsim.runtime.trace.TraceKind;
import java.util.ArrayList;
import java.util.List;

/**
 * struct mmu_notifier_subscriptions of one mm (mm/mmu_notifier.c): the classic subscribers
 * (mmu_notifier_register()) and the interval notifiers, with invalidate_seq, which is odd while an
 * invalidation that overlaps any interval is in progress, and the list of inserts and removals
 * deferred until it ends.
 */
public final class MmuNotifierSubscriptions {
    final Mm mm;
    public final List<MmuNotifierListener> listeners = new ArrayList<>(1);
    /** Interval notifiers in the tree, in insertion order (walks are deterministic). */
    public final List<MmuIntervalNotifierImpl> intervals = new ArrayList<>();
    private final List<Runnable> deferred = new ArrayList<>();
    /** subscriptions->invalidate_seq: even when idle. */
    public long invalidateSeq = 2;
    private int activeInvalidateRanges;
    private MmuIntervalNotifierImpl calling;
    /** mm-&gt;notifier_subscriptions exists: a subscriber registered once. */
    private boolean registered;
    /** The actors whose invalidations are between start and end, one entry per range (a stepped munmap holds one across steps). */
    private final List<String> invalidators = new ArrayList<>(1);

    MmuNotifierSubscriptions(Mm mm) {
        this.mm = mm;
    }

    boolean isEmpty() {
        return listeners.isEmpty() && intervals.isEmpty();
    }

    /**
     * Whether the actor running now is inside an invalidation of this mm (between its start and
     * end: what lockdep tracks with __mmu_notifier_invalidate_range_start_map); another thread's
     * stepped invalidation in progress does not count.
     */
    boolean insideInvalidation() {
        String now = mm.kernel.currentActor();
        return calling != null || (activeInvalidateRanges > 0 && now != null && invalidators.contains(now));
    }

    /** mn_itree_is_invalidating(). */
    boolean isInvalidating() {
        return (invalidateSeq & 1) != 0;
    }

    /**
     * __mmu_notifier_register(): a classic subscriber registers each time, an interval notifier only
     * when the mm has no mm-&gt;notifier_subscriptions yet (mmu_interval_notifier_insert()); either
     * primes lockdep on models with {@link io.pinsim.runtime.model.MmuNotifierLockdep#PRIMED_AT_REGISTER}.
     */
    public void register(boolean classic) {
        if (classic || !registered) {
            registered = true;
            NotifierMapLockdep.register(mm.kernel.lockdep(), actor(), mm.kernel.notifierLockdep);
        }
    }

    /** The task running the step, charged with the lockdep maps this takes. */
    String actor() {
        return mm.kernel.currentActor() != null ? mm.kernel.currentActor() : mm.owner.name();
    }

    /** Whether mmu_notifier_register() has run for the mm (mm_has_notifiers()). */
    public boolean isRegistered() {
        return registered;
    }

    /** mmu_interval_notifier_insert(). */
    public MmuIntervalNotifierImpl insert(long startVpn, long endVpn, MmuIntervalNotifierOps ops, String name) {
        register(false);
        MmuIntervalNotifierImpl sub = new MmuIntervalNotifierImpl(this, startVpn, endVpn, ops, name);
        if (activeInvalidateRanges > 0) {
            if (isInvalidating()) {
                deferred.add(() -> {
                    if (!sub.removed) {
                        intervals.add(sub);
                    }
                });
            } else {
                invalidateSeq |= 1;
                intervals.add(sub);
            }
            sub.invalidateSeq = invalidateSeq;
        } else {
            sub.invalidateSeq = invalidateSeq - 1;
            intervals.add(sub);
        }
        return sub;
    }

    /** mmu_interval_notifier_remove(): deferred during an invalidation; from its own callback a deadlock. */
    void remove(MmuIntervalNotifierImpl sub) {
        if (calling == sub) {
            throw new KernelBugException("interval-remove-deadlock", sub.name() + ": mmu_interval_notifier_remove() called from its own invalidate callback;"
                    + " it would wait for the invalidation that is calling it", mm.kernel.trace().render());
        }
        sub.removed = true;
        if (isInvalidating()) {
            deferred.add(() -> intervals.remove(sub));
        } else {
            intervals.remove(sub);
        }
    }

    /**
     * mmu_notifier_invalidate_range_start() (or _nonblock()): the interval notifiers that overlap,
     * then the classic subscribers. A refusal in a non-blockable range unwinds what started and
     * returns false (-EAGAIN); a refusal in a blockable range is a driver bug the kernel WARNs
     * about and ignores. Both run the callbacks under {@code __mmu_notifier_invalidate_range_start_map}
     * (23b68395c7c7, 5.4), so whatever a callback takes or waits for depends on that map.
     */
    boolean invalidateStart(MmuNotifierRange range) {
        return invalidateStart(range, false);
    }

    /**
     * {@link #invalidateStart(MmuNotifierRange)} for a caller that can still fail (fork's
     * copy_page_range()): with {@link NotifierFailure#PROPOSAL_MAY_FAIL} a refusal of a blockable
     * range is returned to it (false: -EAGAIN) as a non-blockable one is; otherwise it is WARNed
     * about and ignored.
     */
    boolean invalidateStart(MmuNotifierRange range, boolean callerCanFail) {
        boolean mayFail = callerCanFail && mm.kernel.model().get(NotifierFailure.class) == NotifierFailure.PROPOSAL_MAY_FAIL;
        if (!NotifierMapLockdep.invalidationsHoldTheMap(mm.kernel.notifierLockdep)) {
            return invalidateStart(range, true, mayFail);
        }
        LockdepImpl lockdep = mm.kernel.lockdep();
        String actor = actor();
        lockdep.acquire(actor, LockClass.MMU_NOTIFIER_MAP, LockMode.WRITE);
        try {
            return invalidateStart(range, true, mayFail);
        } finally {
            lockdep.release(actor, LockClass.MMU_NOTIFIER_MAP);
        }
    }

    /**
     * mn_itree_inv_start_range() of a stepped invalidation ({@link InvalidateSteps}): opens the
     * range (the notifier map taken by {@code actor} until {@link #listenersStepped}), makes
     * invalidate_seq odd if an interval overlaps and returns the intervals to call, one per step.
     */
    List<MmuIntervalNotifierImpl> beginStepped(MmuNotifierRange range, String actor) {
        if (NotifierMapLockdep.invalidationsHoldTheMap(mm.kernel.notifierLockdep)) {
            mm.kernel.lockdep().acquire(actor, LockClass.MMU_NOTIFIER_MAP, LockMode.WRITE);
        }
        activeInvalidateRanges++;
        invalidators.add(actor);
        List<MmuIntervalNotifierImpl> hit = new ArrayList<>();
        for (MmuIntervalNotifierImpl s : intervals) {
            if (!s.removed && range.overlaps(s.start(), s.end())) {
                hit.add(s);
            }
        }
        if (!hit.isEmpty()) {
            invalidateSeq |= 1;
        }
        return hit;
    }

    /** One interval's -&gt;invalidate() of a stepped (blockable) invalidation; a refusal is WARNed and ignored. */
    void callStepped(MmuIntervalNotifierImpl s, MmuNotifierRange range) {
        mm.kernel.trace().record(s.name(), TraceKind.NOTIFIER, range.start(), -1, "invalidate " + range + " of \"" + mm.owner.name() + "\", cur_seq " + invalidateSeq);
        calling = s;
        boolean ok;
        try {
            ok = s.ops.invalidate(s, range, invalidateSeq);
        } finally {
            calling = null;
        }
        if (!ok) {
            warnBlockableRefusal(s.name(), range);
        }
    }

    /** The classic subscribers' invalidate_range_start of a stepped invalidation, then the notifier map is released. */
    void listenersStepped(MmuNotifierRange range, String actor) {
        for (MmuNotifierListener l : List.copyOf(listeners)) {
            if (!l.invalidateRangeStart(mm.owner, range.event(), range.start(), range.end(), true)) {
                warnBlockableRefusal(String.valueOf(l), range);
            }
        }
        if (NotifierMapLockdep.invalidationsHoldTheMap(mm.kernel.notifierLockdep)) {
            mm.kernel.lockdep().release(actor, LockClass.MMU_NOTIFIER_MAP);
        }
    }

    private boolean invalidateStart(MmuNotifierRange range, boolean withListeners, boolean mayFail) {
        MmCore k = mm.kernel;
        activeInvalidateRanges++;
        invalidators.add(actor());
        List<MmuIntervalNotifierImpl> hit = new ArrayList<>();
        for (MmuIntervalNotifierImpl s : intervals) {
            if (!s.removed && range.overlaps(s.start(), s.end())) {
                hit.add(s);
            }
        }
        if (!hit.isEmpty()) {
            invalidateSeq |= 1;
        }
        long cur = invalidateSeq;
        for (MmuIntervalNotifierImpl s : hit) {
            k.trace().record(s.name(), TraceKind.NOTIFIER, range.start(), -1, "invalidate " + range + " of \"" + mm.owner.name() + "\", cur_seq " + cur);
            calling = s;
            boolean ok;
            try {
                ok = s.ops.invalidate(s, range, cur);
            } finally {
                calling = null;
            }
            if (!ok) {
                if (range.blockable() && !mayFail) {
                    warnBlockableRefusal(s.name(), range);
                    continue;
                }
                if (range.blockable()) {
                    k.trace().record(s.name(), TraceKind.NOTIFIER, range.start(), -1, "refused the blockable invalidation: -EAGAIN to the caller (NotifierFailure.PROPOSAL_MAY_FAIL)");
                    invalidateEnd(range, List.of());
                    return false;
                }
                k.trace().record(s.name(), TraceKind.NOTIFIER, range.start(), -1, "refused the non-blockable invalidation (-EAGAIN)");
                invalidateEnd(range, List.of());
                return false;
            }
        }
        List<MmuNotifierListener> started = new ArrayList<>();
        for (MmuNotifierListener l : withListeners ? List.copyOf(listeners) : List.<MmuNotifierListener>of()) {
            boolean ok = l.invalidateRangeStart(mm.owner, range.event(), range.start(), range.end(), range.blockable());
            if (!ok) {
                k.log().print(k.trace().step(), KernelLog.Level.INFO, l + " callback failed with -11 in " + (range.blockable() ? "" : "non-") + "blockable context.");
                if (!range.blockable() || mayFail) {
                    // The core unwinds the subscribers that already started (Sean Christopherson's 2021 fix of 93065ac753e4).
                    invalidateEnd(range, started);
                    return false;
                }
                warnBlockableRefusal(String.valueOf(l), range);
            }
            started.add(l);
        }
        return true;
    }

    private void warnBlockableRefusal(String who, MmuNotifierRange range) {
        MmCore k = mm.kernel;
        k.log().print(k.trace().step(), KernelLog.Level.WARN, "WARNING: mm/mmu_notifier.c: " + who + " failed an invalidation of " + range
                + " in a blockable context (WARN_ON(mmu_notifier_range_blockable(range))); the kernel goes on as if it had succeeded");
        k.trace().record(who, TraceKind.NOTIFIER, range.start(), -1, "refused a blockable invalidation: a driver bug; the kernel WARNs and goes on");
    }

    /** mmu_notifier_invalidate_range_end(): classic subscribers, then mn_itree_inv_end(). */
    void invalidateEnd(MmuNotifierRange range) {
        invalidateEnd(range, listeners);
    }

    private void invalidateEnd(MmuNotifierRange range, List<MmuNotifierListener> ended) {
        for (MmuNotifierListener l : List.copyOf(ended)) {
            // up to 6.5 mmu_notifier_invalidate_range_end() calls ->invalidate_range() first; in 6.6 the
            // arch TLB flush inside the operation calls ->arch_invalidate_secondary_tlbs(), just before this
            // point: no device access of the model can run in between, so both flush here
            l.invalidateSecondaryTlbs(mm.owner, range.start(), range.end());
            l.invalidateRangeEnd(mm.owner, range.event(), range.start(), range.end());
        }
        invalidators.remove(actor());
        if (--activeInvalidateRanges > 0 || !isInvalidating()) {
            return;
        }
        invalidateSeq++;
        List<Runnable> work = new ArrayList<>(deferred);
        deferred.clear();
        work.forEach(Runnable::run);
    }

    /**
     * A PTE permission upgrade at vpn (ptep_set_access_flags() with dirty): the CPU TLB is flushed
     * on arm64, and with {@link SecondaryTlbInvalidation#ARCH_INVALIDATE_SECONDARY_TLBS} (6bbd42e2df8f,
     * 6.6) so are secondary TLBs; before, no notifier hears of it.
     */
    void permissionUpgrade(long vpn) {
        if (listeners.isEmpty() || mm.kernel.model().get(SecondaryTlbInvalidation.class) != SecondaryTlbInvalidation.ARCH_INVALIDATE_SECONDARY_TLBS) {
            return;
        }
        long addr = vpn << Kernel.PAGE_SHIFT;
        for (MmuNotifierListener l : List.copyOf(listeners)) {
            l.invalidateSecondaryTlbs(mm.owner, addr, addr + Kernel.PAGE_SIZE);
        }
    }

    /** __mmu_notifier_release() at exit_mmap: RELEASE to every interval (which must not fail), ->release to classic subscribers, which go. */
    public void release() {
        MmuNotifierRange range = new MmuNotifierRange(mm.owner, MmuNotifierEvent.RELEASE, 0, Kernel.TASK_SIZE, true, null);
        if (!intervals.isEmpty()) {
            invalidateStart(range, false, false);
            invalidateEnd(range, List.of());
        }
        for (MmuNotifierListener l : List.copyOf(listeners)) {
            l.release(mm.owner);
        }
        listeners.clear();
    }

    /**
     * mmu_notifier_register() of a classic subscriber on the process named {@code process}.
     *
     * @throws IllegalArgumentException if it is registered already (the kernel would add it to the
     *                                  list twice, hlist_add_head_rcu())
     */
    public void addListener(io.pinsim.runtime.MmuNotifierListener listener, String process) {
        if (listeners.contains(listener)) {
            throw new IllegalArgumentException("listener is already registered on process \"" + process + "\"; register it once");
        }
        register(true);
        listeners.add(listener);
    }

    /**
     * mmu_notifier_unregister() of a classic subscriber.
     *
     * @throws IllegalArgumentException if it is not registered (any more: exit_mmap() drops them)
     */
    public void removeListener(io.pinsim.runtime.MmuNotifierListener listener, String process, boolean alive) {
        if (!listeners.remove(listener)) {
            throw new IllegalArgumentException("listener is not registered on process \"" + process + "\""
                    + (alive ? "" : ": the process has exited, and exit_mmap() dropped its subscribers (mmu_notifier_release)"));
        }
    }
}
