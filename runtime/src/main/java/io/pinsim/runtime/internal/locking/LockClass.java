package io.pinsim.runtime.internal.locking;

import java.util.Objects;

/**
 * A lockdep lock class, named as lockdep prints it. {@code ww} marks a wound/wait class whose
 * instances nest under one acquire context (ww_mutex_lock with a ctx: nest_lock), so taking a
 * second lock of the class is not recursive locking.
 *
 * @param name the class name lockdep prints
 * @param ww   whether instances nest under a ww_acquire_ctx
 */
public record LockClass(String name, boolean ww) {
    /** {@code mm->mmap_lock} (an rwsem; {@code mmap_sem} before 5.8's da1c55f1b272). */
    public static final LockClass MMAP_LOCK = new LockClass("&mm->mmap_lock", false);
    /** {@code mapping->i_mmap_rwsem}: the file rmap tree (i_mmap_lock_write()). */
    public static final LockClass I_MMAP_RWSEM = new LockClass("&mapping->i_mmap_rwsem", false);
    /** PG_locked. The kernel's lockdep does not track the page lock (a bit lock); the model does. */
    public static final LockClass PAGE_LOCK = new LockClass("PG_locked", false);
    /** The split PTE lock (pte_offset_map_lock()). */
    public static final LockClass PTL = new LockClass("ptlock_ptr(page)", false);
    /** {@code inode->i_rwsem}. */
    public static final LockClass I_RWSEM = new LockClass("&sb->s_type->i_mutex_key", false);
    /** {@code mapping->invalidate_lock} (730633f0b7f9, 5.15). */
    public static final LockClass INVALIDATE_LOCK = new LockClass("mapping.invalidate_lock", false);
    /** {@code dma_resv->lock}, a ww_mutex of reservation_ww_class. */
    public static final LockClass DMA_RESV = new LockClass("reservation_ww_class_mutex", true);
    /** The {@code __fs_reclaim_map} (mm/page_alloc.c, d92a8cfcb37e, 4.14): held across direct reclaim. */
    public static final LockClass FS_RECLAIM = new LockClass("fs_reclaim", false);
    /**
     * {@code __mmu_notifier_invalidate_range_start_map} (mm/mmu_notifier.c, 23b68395c7c7, 5.4),
     * whose lockdep name is {@code mmu_notifier_invalidate_range_start}: held across the notifiers'
     * invalidate_range_start callbacks.
     */
    public static final LockClass MMU_NOTIFIER_MAP = new LockClass("mmu_notifier_invalidate_range_start", false);
    /** {@code dma_fence_lockdep_map} (drivers/dma-buf/dma-fence.c, 5fbff813a4a3, 5.9), named {@code dma_fence_map}. */
    public static final LockClass DMA_FENCE_MAP = new LockClass("dma_fence_map", false);

    /** The lock class; the name must not be blank. */
    public LockClass {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("a lock class needs a name");
        }
    }

    /** A driver's lock, e.g. {@code &amdgpu0->notifier_lock}: one class per device and name. */
    public static LockClass driverLock(String device, String lock) {
        return new LockClass("&" + device + "->" + lock, false);
    }

    @Override
    public String toString() {
        return name;
    }
}
