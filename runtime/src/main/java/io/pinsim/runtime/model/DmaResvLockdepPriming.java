package io.pinsim.runtime.model;

/**
 * Which lock order {@code dma_resv_lockdep()} (drivers/dma-buf/dma-resv.c, a subsys_initcall)
 * teaches lockdep at boot, and with it whether the dma-fence signalling annotations exist. The
 * priming is why lockdep reports a fence-signalling section that allocates on its first
 * allocation: the rest of the cycle was recorded at boot.
 */
public enum DmaResvLockdepPriming implements Switch {
    /** No priming and no dma_fence_map: lockdep learns lock orders only as they happen (before 5.6) */
    @Switch.Doc(behaviour = "no priming and no dma_fence_map: lockdep learns lock orders only as they happen",
            source = "before 5.6")
    NONE,
    /**
     * Boot primes mmap_lock -> dma_resv -> fs_reclaim; no fence annotations yet ("dma_resv: prime
     * lockdep annotations", Vetter, in the drm pull for 5.6-rc1: "lockdep annotations for dma_resv")
     */
    @Switch.Doc(behaviour = "boot primes mmap_lock -> dma_resv -> fs_reclaim; no fence annotations yet",
            source = "dma_resv: prime lockdep annotations (Vetter), 5.6")
    RESV_RECLAIM,
    /**
     * Boot also primes fs_reclaim -> i_mmap_rwsem and fs_reclaim -> mmu_notifier_invalidate_range_start
     * -> dma_fence_map (a wait); dma_fence_begin_signalling() and the wait annotation exist
     * (5fbff813a4a3 dma-fence: basic lockdep annotations, and "dma-fence: prime lockdep annotations",
     * 5.9)
     */
    @Switch.Doc(behaviour = "boot also primes fs_reclaim -> i_mmap_rwsem and fs_reclaim -> mmu_notifier_invalidate_range_start -> dma_fence_map; "
            + "fence signalling and wait are annotated",
            source = "5fbff813a4a3 dma-fence: basic lockdep annotations, and dma-fence: prime lockdep annotations, 5.9",
            requires = @Switch.Requires(state = "the lockdep map __mmu_notifier_invalidate_range_start_map", of = MmuNotifierLockdep.class,
                    anyOf = {"PRIMED_AT_REGISTER", "TAKEN_BY_RECLAIM"}, commit = "23b68395c7c7",
                    why = "dma_resv_lockdep() acquires the notifier map around its fence wait, and the map exists from 5.4"))
    FENCE_SIGNALLING
}
