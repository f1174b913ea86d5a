package io.pinsim.runtime.internal.dma_buf;

import io.pinsim.runtime.internal.locking.LockClass;
import io.pinsim.runtime.internal.locking.LockMode;
import io.pinsim.runtime.spi.DmaFence;
import io.pinsim.runtime.spi.DmaResv;
import io.pinsim.runtime.spi.DmaResvUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** struct dma_resv (drivers/dma-buf/dma-resv.c), locked and waited on by its owner device. */
public final class DmaResvImpl implements DmaResv {
    private record Entry(DmaFence fence, DmaResvUsage usage) {
    }

    private final FenceSignalling signalling;
    private final String owner;
    private final String name;
    private final List<Entry> fences = new ArrayList<>();
    private boolean locked;

    /** dma_resv_init() for a buffer of {@code owner}. */
    public DmaResvImpl(FenceSignalling signalling, String owner, String name) {
        this.signalling = signalling;
        this.owner = owner;
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void lock() {
        if (locked) {
            throw new IllegalStateException("dma_resv_lock(" + name + ") while " + owner + " holds it: ww_mutex_lock() returns -EALREADY for the same acquire context");
        }
        signalling.lockdep().acquire(signalling.actor(owner), LockClass.DMA_RESV, LockMode.WRITE);
        locked = true;
    }

    @Override
    public void unlock() {
        if (!locked) {
            throw new IllegalStateException("dma_resv_unlock(" + name + ") but it is not locked");
        }
        signalling.lockdep().release(signalling.actor(owner), LockClass.DMA_RESV);
        locked = false;
    }

    @Override
    public boolean isLocked() {
        return locked;
    }

    @Override
    public void addFence(DmaFence fence, DmaResvUsage usage) {
        Objects.requireNonNull(fence, "fence");
        Objects.requireNonNull(usage, "usage");
        if (!locked) {
            throw new IllegalStateException("dma_resv_add_fence(" + name + ") without the reservation lock: dma_resv_assert_held() fails; lock() first");
        }
        fences.removeIf(e -> e.fence.context() == fence.context() && e.fence.seqno() <= fence.seqno());
        fences.add(new Entry(fence, usage));
    }

    @Override
    public List<DmaFence> fences(DmaResvUsage usage) {
        Objects.requireNonNull(usage, "usage");
        List<DmaFence> r = new ArrayList<>();
        for (Entry e : fences) {
            if (e.usage.compareTo(usage) <= 0) {
                r.add(e.fence);
            }
        }
        return r;
    }

    @Override
    public long waitTimeout(DmaResvUsage usage, long timeout) {
        if (timeout < 0) {
            throw new IllegalArgumentException("dma_resv_wait_timeout() with a negative timeout " + timeout);
        }
        long left = timeout;
        for (DmaFence f : fences(usage)) {
            left = f.waitTimeout(left == 0 ? 0 : left);
            if (left == 0) {
                return 0;
            }
        }
        return Math.max(left, 1);
    }

    @Override
    public String toString() {
        return "dma_resv " + name;
    }
}
