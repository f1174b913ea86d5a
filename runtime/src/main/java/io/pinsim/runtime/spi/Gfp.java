package io.pinsim.runtime.spi;

/**
 * The allocation flags that matter to lockdep (include/linux/gfp.h): whether an allocation may
 * enter direct reclaim (__GFP_DIRECT_RECLAIM) and whether that reclaim may call into filesystems
 * (__GFP_FS). Direct reclaim may run shrinkers and mmu notifiers, which may wait for dma-fences.
 */
public enum Gfp {
    /** GFP_KERNEL: may reclaim, may enter filesystems. */
    KERNEL(true, true),
    /** GFP_NOFS: may reclaim, not through filesystems; still may invalidate through mmu notifiers. */
    NOFS(true, false),
    /** GFP_NOIO: may reclaim without I/O; still may invalidate through mmu notifiers. */
    NOIO(true, false),
    /** GFP_ATOMIC: never sleeps, never reclaims; may fail. The one choice in a fence-signalling section. */
    ATOMIC(false, false),
    /** GFP_NOWAIT: never reclaims directly; may fail. */
    NOWAIT(false, false);

    private final boolean directReclaim;
    private final boolean fs;

    Gfp(boolean directReclaim, boolean fs) {
        this.directReclaim = directReclaim;
        this.fs = fs;
    }

    /** __GFP_DIRECT_RECLAIM: the allocation may reclaim in the caller's context. */
    public boolean directReclaim() {
        return directReclaim;
    }

    /** __GFP_FS: that reclaim may call into filesystems (and takes {@code fs_reclaim}). */
    public boolean fs() {
        return fs;
    }
}
