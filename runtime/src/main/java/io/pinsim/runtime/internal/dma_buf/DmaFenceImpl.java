package io.pinsim.runtime.internal.dma_buf;

import io.pinsim.runtime.internal.mm.MmCore;
import io.pinsim.runtime.spi.DmaFence;
import io.pinsim.runtime.trace.KernelLog;
import io.pinsim.runtime.trace.TraceKind;
import java.util.ArrayList;
import java.util.List;

/**
 * struct dma_fence (drivers/dma-buf/dma-fence.c). Its actor is the device that owns the timeline:
 * that device signals it, and waits run as that device too.
 */
final class DmaFenceImpl implements DmaFence {
    private final MmCore core;
    private final FenceSignalling signalling;
    private final String owner;
    private final DmaFenceContextImpl ctx;
    private final long seqno;
    private final List<Runnable> callbacks = new ArrayList<>();
    private boolean signaled;
    private boolean indefinite;
    private int error;

    DmaFenceImpl(MmCore core, FenceSignalling signalling, String owner, DmaFenceContextImpl ctx, long seqno) {
        this.core = core;
        this.signalling = signalling;
        this.owner = owner;
        this.ctx = ctx;
        this.seqno = seqno;
    }

    @Override
    public long context() {
        return ctx.context();
    }

    @Override
    public long seqno() {
        return seqno;
    }

    @Override
    public String timeline() {
        return ctx.timeline();
    }

    @Override
    public boolean isSignaled() {
        return signaled;
    }

    @Override
    public int error() {
        return error;
    }

    @Override
    public boolean isIndefinite() {
        return indefinite;
    }

    /**
     * dma_fence_signal(): a signalling section of its own (begin/end around
     * dma_fence_signal_timestamp_locked()), then the callbacks under the fence lock.
     */
    @Override
    public boolean signal() {
        if (signaled) {
            return false;
        }
        boolean cookie = signalling.begin(signalling.actor(owner));
        try {
            signaled = true;
            core.trace().record(signalling.actor(owner), TraceKind.INFO, -1, -1, "dma_fence_signal " + this + (error != 0 ? " error " + error : ""));
            List<Runnable> run = new ArrayList<>(callbacks);
            callbacks.clear();
            for (Runnable cb : run) {
                cb.run();
            }
        } finally {
            signalling.end(signalling.actor(owner), cookie);
        }
        return true;
    }

    @Override
    public void setError(int error) {
        if (error >= 0 || error < -4095) {
            throw new IllegalArgumentException("dma_fence_set_error() takes a negative errno (-4095..-1), was " + error);
        }
        if (signaled) {
            throw new IllegalStateException("dma_fence_set_error() on " + this + " after it signalled: the kernel's BUG_ON(test_bit(DMA_FENCE_FLAG_SIGNALED_BIT, ..))");
        }
        this.error = error;
    }

    @Override
    public boolean addCallback(Runnable callback) {
        java.util.Objects.requireNonNull(callback, "callback");
        if (signaled) {
            return false;
        }
        callbacks.add(callback);
        return true;
    }

    /**
     * dma_fence_wait_timeout(): might_sleep(), __dma_fence_might_wait(), then the wait. The model
     * cannot block: an unsignalled fence times out at once, and one waited for without a timeout
     * becomes indefinite (the state dma-buf.rst "Indefinite DMA Fences" forbids).
     */
    @Override
    public long waitTimeout(long timeout) {
        if (timeout < 0) {
            throw new IllegalArgumentException("dma_fence_wait_timeout() with a negative timeout " + timeout + ": pass 0 to poll or MAX_SCHEDULE_TIMEOUT");
        }
        signalling.mightWait(signalling.actor(owner));
        if (signaled) {
            return Math.max(timeout, 1);
        }
        if (timeout == MAX_SCHEDULE_TIMEOUT) {
            indefinite = true;
            core.log().print(core.trace().step(), KernelLog.Level.WARN, "dma_fence_wait: " + this
                    + " is not signalled and nothing in the model will signal it: an indefinite fence, the wait would never return");
        }
        core.trace().record(signalling.actor(owner), TraceKind.INFO, -1, -1, "dma_fence_wait_timeout " + this + ": not signalled, "
                + (indefinite && timeout == MAX_SCHEDULE_TIMEOUT ? "indefinite" : "timed out"));
        return 0;
    }

    /** {@code timeline:context:seqno}. */
    @Override
    public String toString() {
        return "fence " + ctx.timeline() + ":" + ctx.context() + ":" + seqno;
    }
}
