package io.pinsim.runtime.internal.locking;

import io.pinsim.runtime.model.DmaResvLockdepPriming;
import io.pinsim.runtime.model.MmuNotifierLockdep;

/**
 * {@code dma_resv_lockdep()} (drivers/dma-buf/dma-resv.c, subsys_initcall): takes, once at boot and
 * in one task, the locks in the order the cross-driver contract allows, so that lockdep knows the
 * order before any driver runs. In 5.10:
 * <pre>
 * mmap_read_lock(mm);
 * ww_acquire_init(&amp;ctx, &amp;reservation_ww_class);
 * dma_resv_lock(&amp;obj, &amp;ctx);
 * fs_reclaim_acquire(GFP_KERNEL);
 * i_mmap_lock_write(&amp;mapping); i_mmap_unlock_write(&amp;mapping);
 * lock_map_acquire(&amp;__mmu_notifier_invalidate_range_start_map);
 * __dma_fence_might_wait();
 * lock_map_release(&amp;__mmu_notifier_invalidate_range_start_map);
 * fs_reclaim_release(GFP_KERNEL); ...
 * </pre>
 * The i_mmap_rwsem is for shrinkers that unmap_mapping_range() trylocked buffer objects; the
 * notifier map and the fence wait are rule 2 of the prime patch: a dma_fence_wait() is allowed in
 * shrinkers and in mmu notifier invalidate callbacks (userptr).
 */
public final class DmaResvLockdep {
    private DmaResvLockdep() {
    }

    /** Records the model's priming at step 0. */
    public static void prime(LockdepImpl lockdep, DmaResvLockdepPriming priming) {
        if (priming == DmaResvLockdepPriming.NONE || !lockdep.active()) {
            return;
        }
        String a = LockdepImpl.PRIMING_ACTOR;
        lockdep.prime(() -> {
            lockdep.acquire(a, LockClass.MMAP_LOCK, LockMode.READ);
            lockdep.acquire(a, LockClass.DMA_RESV, LockMode.WRITE);
            lockdep.acquire(a, LockClass.FS_RECLAIM, LockMode.WRITE);
            if (priming == DmaResvLockdepPriming.FENCE_SIGNALLING) {
                lockdep.acquireRelease(a, LockClass.I_MMAP_RWSEM, LockMode.WRITE);
                lockdep.acquire(a, LockClass.MMU_NOTIFIER_MAP, LockMode.WRITE);
                lockdep.acquireRelease(a, LockClass.DMA_FENCE_MAP, LockMode.WRITE);
                lockdep.release(a, LockClass.MMU_NOTIFIER_MAP);
            }
            lockdep.release(a, LockClass.FS_RECLAIM);
            lockdep.release(a, LockClass.DMA_RESV);
            lockdep.release(a, LockClass.MMAP_LOCK);
        });
    }

    /**
     * fs_reclaim_acquire(gfp) then fs_reclaim_release(gfp) (mm/page_alloc.c) for an allocation: if
     * it may direct-reclaim (__need_reclaim(): __GFP_DIRECT_RECLAIM and not PF_MEMALLOC), acquire
     * {@code fs_reclaim} if __GFP_FS, and, from {@link MmuNotifierLockdep#TAKEN_BY_RECLAIM}
     * (f920e413ff9c "mm: track mmu notifiers in fs_reclaim_acquire/release", 5.11: "only GFP_ATOMIC
     * is a safe choice, GFP_NOIO isn't good enough"), the mmu notifier map whether or not __GFP_FS.
     * Before it a GFP_KERNEL allocation reaches the notifier map only through a primed fs_reclaim
     * edge, and a GFP_NOFS one not at all.
     */
    public static void mayReclaim(LockdepImpl lockdep, String actor, boolean directReclaim, boolean fs, MmuNotifierLockdep notifierMap) {
        if (!directReclaim || !lockdep.active()) {
            return;
        }
        if (fs) {
            lockdep.acquire(actor, LockClass.FS_RECLAIM, LockMode.WRITE);
        }
        if (notifierMap == MmuNotifierLockdep.TAKEN_BY_RECLAIM) {
            lockdep.acquireRelease(actor, LockClass.MMU_NOTIFIER_MAP, LockMode.WRITE);
        }
        if (fs) {
            lockdep.release(actor, LockClass.FS_RECLAIM);
        }
    }
}
