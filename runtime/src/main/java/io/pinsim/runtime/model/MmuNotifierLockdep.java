package io.pinsim.runtime.model;

/**
 * How lockdep learns about mmu notifier invalidations: the {@code __mmu_notifier_invalidate_range_start_map}
 * (mm/mmu_notifier.c), which every invalidate_range_start holds across its callbacks, which
 * mmu_interval_read_begin() takes and releases (it may wait for an invalidation), and how the
 * order fs_reclaim -&gt; map is taught before any reclaim runs into an invalidation.
 */
public enum MmuNotifierLockdep implements Switch {
    /** No lockdep map: invalidations are invisible to lockdep (before 5.4) */
    @Switch.Doc(behaviour = "no lockdep map: invalidations and their callbacks are invisible to lockdep",
            source = "before 23b68395c7c7 (5.4)")
    NONE,
    /**
     * invalidate_range_start runs its callbacks under the map (23b68395c7c7, 5.4);
     * __mmu_notifier_register() primes fs_reclaim -&gt; map (66204f1d2d1b "mm/mmu_notifiers: prime
     * lockdep", 5.4); mmu_interval_read_begin() takes and releases the map (99cb252f5e68, 5.5)
     */
    @Switch.Doc(behaviour = "callbacks run under the map; __mmu_notifier_register() primes fs_reclaim -> map; mmu_interval_read_begin() takes the map",
            source = "23b68395c7c7 and 66204f1d2d1b (5.4), 99cb252f5e68 (5.5)")
    REGISTER_PRIMING,
    /**
     * fs_reclaim_acquire() itself takes the map ("mm: Track mmu notifiers in fs_reclaim_acquire/release",
     * Vetter, 5.11), which removed the priming at register as "strictly more powerful"; the map in
     * invalidations and in mmu_interval_read_begin() stays
     */
    @Switch.Doc(behaviour = "fs_reclaim_acquire() takes the map itself; no priming at register; callbacks and mmu_interval_read_begin() as before",
            source = "mm: Track mmu notifiers in fs_reclaim_acquire/release (Vetter), 5.11")
    RECLAIM_TRACKING
}
