package io.pinsim.runtime.internal.dma_buf;

import io.pinsim.runtime.internal.mm.MmCore;
import io.pinsim.runtime.spi.DmaFence;
import io.pinsim.runtime.spi.DmaFenceContext;

/** A timeline: dma_fence_context_alloc(1) and the seqnos its fences get. */
public final class DmaFenceContextImpl implements DmaFenceContext {
    private final MmCore core;
    private final FenceSignalling signalling;
    private final String owner;
    private final long context;
    private final String timeline;
    private long seqno;

    /** A new timeline of {@code owner} (a device) with this context number. */
    public DmaFenceContextImpl(MmCore core, FenceSignalling signalling, String owner, long context, String timeline) {
        this.core = core;
        this.signalling = signalling;
        this.owner = owner;
        this.context = context;
        this.timeline = timeline;
    }

    @Override
    public long context() {
        return context;
    }

    @Override
    public String timeline() {
        return timeline;
    }

    @Override
    public DmaFence createFence() {
        return new DmaFenceImpl(core, signalling, owner, this, ++seqno);
    }
}
