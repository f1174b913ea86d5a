package io.pinsim.devices;

import io.pinsim.runtime.Frame;
import io.pinsim.runtime.spi.DmaFence;
import java.util.List;

/**
 * A GPU job (struct amdgpu_job and its drm_sched fence): what one command submission asked the GPU
 * to do, a write of {@link #data()} into a buffer object, the jobs it must wait for, and the
 * {@link #fence()} that signals when it is done. The job DMAs into the pages the BO held at
 * submission (the GART/VM entries amdgpu_cs bound), whatever the CPU maps by then.
 *
 * <p>The test drives it: {@link #run()} executes it on the hardware (drm_sched's run_job, inside a
 * fence-signalling section), {@link #complete()} also signals the fence (the end-of-pipe
 * interrupt, amdgpu_fence_process()). A CPU that waits for the fence without a bound (an mmu
 * notifier in dma_resv_wait_timeout()) lets the hardware finish the job first, as the real GPU runs
 * on while the CPU sleeps; a job that {@link #hang() hangs}, or that waits for one that hangs,
 * never finishes, and such a wait finds an indefinite fence.
 */
public final class GpuJob {
    /** Where the job is. */
    public enum State {
        /** Submitted: its fence is published in the BO's reservation, the GPU has not run it. */
        QUEUED,
        /** The GPU ran it (its DMA is done); the fence has not signalled. */
        RAN,
        /** Its fence signalled. */
        SIGNALLED
    }

    final Gpu gpu;
    final int id;
    final GpuBo bo;
    final long offset;
    final byte[] data;
    final List<GpuJob> after;
    final DmaFence fence;
    /** The pages the BO held when the job was submitted (userptr), or null (VRAM). */
    final Frame[] frames;
    State state = State.QUEUED;
    boolean hung;

    GpuJob(Gpu gpu, int id, GpuBo bo, long offset, byte[] data, List<GpuJob> after, DmaFence fence, Frame[] frames) {
        this.gpu = gpu;
        this.id = id;
        this.bo = bo;
        this.offset = offset;
        this.data = data;
        this.after = List.copyOf(after);
        this.fence = fence;
        this.frames = frames;
    }

    /** The job number on its GPU, from 1. */
    public int id() {
        return id;
    }

    /** The buffer object it writes. */
    public GpuBo bo() {
        return bo;
    }

    /** The bytes it writes at {@link #offset()} of the BO. */
    public byte[] data() {
        return data.clone();
    }

    /** Where in the BO it writes. */
    public long offset() {
        return offset;
    }

    /** The jobs (of this GPU or another) whose fences it waits for before it runs. */
    public List<GpuJob> after() {
        return after;
    }

    /** Its fence (the drm_sched finished fence), in the BO's reservation from submission on. */
    public DmaFence fence() {
        return fence;
    }

    /** Where it is. */
    public State state() {
        return state;
    }

    /** Whether it hangs (see {@link #hang()}). */
    public boolean isHung() {
        return hung;
    }

    /**
     * The GPU executes the job: the DMA into the BO's pages, inside a fence-signalling section.
     *
     * @throws IllegalStateException if it ran already, hangs, or a job it waits for has not signalled
     */
    public void run() {
        gpu.run(this);
    }

    /**
     * The job completes: it runs if it has not, then its fence signals (the interrupt's
     * dma_fence_signal()), which lets the jobs waiting for it run.
     *
     * @throws IllegalStateException if it signalled already, hangs, or a job it waits for has not signalled
     */
    public void complete() {
        gpu.complete(this);
    }

    /**
     * The job hangs on the GPU (a shader that never ends): it never completes on its own, so a wait
     * for its fence without a timeout never returns: an indefinite fence. Only a GPU reset ends it
     * ({@link #timeout()}).
     *
     * @throws IllegalStateException if its fence signalled already
     */
    public void hang() {
        gpu.hang(this);
    }

    /**
     * The job timeout handler (drm_sched_job_timedout() -> amdgpu_job_timedout()): the GPU is reset,
     * the fence gets -ETIME (dma_fence_set_error()) and signals without the job's DMA.
     *
     * @throws IllegalStateException if its fence signalled already
     */
    public void timeout() {
        gpu.timeout(this);
    }

    /** {@code gpu0 job#1}. */
    @Override
    public String toString() {
        return gpu.name() + " job#" + id;
    }
}
