package io.pinsim.runtime.internal.dma_buf;

import io.pinsim.runtime.internal.locking.LockClass;
import io.pinsim.runtime.internal.locking.LockMode;
import io.pinsim.runtime.internal.locking.LockdepImpl;
import io.pinsim.runtime.model.DmaResvLockdepPriming;
import java.util.function.Supplier;

/**
 * The dma-fence lockdep annotations of drivers/dma-buf/dma-fence.c (5fbff813a4a3, 5.9): the
 * {@code dma_fence_map} taken for read by a signalling section and for write by a wait. Models
 * before {@link DmaResvLockdepPriming#FENCE_SIGNALLING} have none of them.
 */
public final class FenceSignalling {
    private final LockdepImpl lockdep;
    private final boolean annotated;
    private final Supplier<String> current;

    /** The annotations of one kernel; {@code current} names the actor of the step running now, or null. */
    public FenceSignalling(LockdepImpl lockdep, DmaResvLockdepPriming priming, Supplier<String> current) {
        this.lockdep = lockdep;
        this.current = current;
        this.annotated = priming == DmaResvLockdepPriming.FENCE_SIGNALLING;
    }

    /** Who acts: the actor of the running step, else {@code owner} (a device calling outside a step). */
    public String actor(String owner) {
        String a = current.get();
        return a != null ? a : owner;
    }

    /** The kernel's lockdep. */
    public LockdepImpl lockdep() {
        return lockdep;
    }

    /**
     * dma_fence_begin_signalling(): true ("explicitly nesting") if the actor holds dma_fence_map for
     * read already, else a non-recursive read acquisition ({@code lock_acquire(&dma_fence_lockdep_map,
     * 0, 0, 1, 1, ..)}) and false. Without lockdep (or the annotations) the kernel's stub returns true.
     */
    public boolean begin(String actor) {
        if (!annotated || !lockdep.enabled()) {
            return true;
        }
        if (lockdep.holds(actor, LockClass.DMA_FENCE_MAP, true)) {
            return true;
        }
        lockdep.acquire(actor, LockClass.DMA_FENCE_MAP, LockMode.READ);
        return false;
    }

    /** dma_fence_end_signalling(cookie): releases the read hold unless the cookie says it nested. */
    public void end(String actor, boolean cookie) {
        if (!cookie) {
            lockdep.release(actor, LockClass.DMA_FENCE_MAP);
        }
    }

    /**
     * __dma_fence_might_wait(): drops a read hold of dma_fence_map, takes and releases it for
     * write, then takes the read hold again, so every lock the actor holds gets an edge to
     * dma_fence_map while a wait inside a signalling section is not reported as recursion.
     */
    public void mightWait(String actor) {
        if (!annotated) {
            return;
        }
        boolean reading = lockdep.holds(actor, LockClass.DMA_FENCE_MAP, true);
        if (reading) {
            lockdep.release(actor, LockClass.DMA_FENCE_MAP);
        }
        lockdep.acquireRelease(actor, LockClass.DMA_FENCE_MAP, LockMode.WRITE);
        if (reading) {
            lockdep.acquire(actor, LockClass.DMA_FENCE_MAP, LockMode.READ);
        }
    }
}
