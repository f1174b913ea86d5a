package io.pinsim.runtime.model;

/**
 * How lockdep learns that memory reclaim may run mmu notifier invalidations, through the lockdep map
 * {@code __mmu_notifier_invalidate_range_start_map} of mm/mmu_notifier.c: whether the map exists,
 * and whether registration primes it or every reclaiming allocation takes it.
 */
public enum MmuNotifierLockdep implements Switch {
    /** No lockdep map for invalidations: lockdep sees nothing of what a notifier callback takes or waits for (before 5.4) */
    @Switch.Doc(behaviour = "no lockdep map for invalidations: callbacks, mmu_interval_read_begin() and allocations record nothing",
            source = "before 5.4")
    NO_MAP,
    /**
     * Invalidations hold the map around their callbacks (23b68395c7c7), mmu_interval_read_begin()
     * acquires and releases it (99cb252f5e68, 5.5), and __mmu_notifier_register() primes
     * fs_reclaim -&gt; map at each registration (66204f1d2d1b mm/mmu_notifiers: prime lockdep, 5.4)
     */
    @Switch.Doc(behaviour = "invalidations hold the map, mmu_interval_read_begin() takes it, and __mmu_notifier_register() primes fs_reclaim -> map",
            source = "23b68395c7c7 and 66204f1d2d1b mm/mmu_notifiers: prime lockdep, 5.4")
    PRIMED_AT_REGISTER,
    /**
     * fs_reclaim_acquire() takes the map for every allocation that may direct-reclaim, with or
     * without __GFP_FS, and the priming at registration is gone (f920e413ff9c mm: track mmu
     * notifiers in fs_reclaim_acquire/release, 5.11)
     */
    @Switch.Doc(behaviour = "every allocation that may direct-reclaim takes the map, GFP_NOFS and GFP_NOIO too; registration primes nothing",
            source = "f920e413ff9c mm: track mmu notifiers in fs_reclaim_acquire/release, 5.11")
    TAKEN_BY_RECLAIM
}
