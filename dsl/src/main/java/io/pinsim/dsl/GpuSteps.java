package io.pinsim.dsl;

import io.pinsim.devices.Gpu;
import io.pinsim.devices.GpuBo;
import io.pinsim.devices.GpuJob;
import io.pinsim.devices.UserptrMode;
import io.pinsim.runtime.Kernel;
import java.util.Objects;

/**
 * The steps of a GPU ({@link Gpu}, device {@code gpu0}) on the buffer: a userptr buffer object,
 * a command submission whose job writes into it, and the job's completion.
 *
 * @param <S> the scenario's own type, so steps keep the state-specific ones in reach
 */
abstract class GpuSteps<S extends ScenarioSteps<S>> extends DeviceSteps<S> {
    GpuSteps(ScenarioState state) {
        super(state);
    }

    /**
     * A userptr buffer object of {@code gpu0} over the pages of the buffer
     * (DRM_IOCTL_AMDGPU_GEM_USERPTR), held in the given form.
     */
    @CheckReturnValue
    public S gpuUserptr(UserptrMode mode) {
        Objects.requireNonNull(mode, "mode");
        Buffer b = requireBuffer("gpuUserptr(" + mode + ")");
        return step("gpuUserptr(" + mode + ")", () -> {
            long mask = Kernel.PAGE_SIZE - 1L;
            long start = b.address() & ~mask;
            long end = (b.address() + b.length() + mask) & ~mask;
            state.gpuBo = state.gpu().createUserptr(b.process(), start, end - start, mode);
        });
    }

    /**
     * A command submission on {@code gpu0} (amdgpu_cs_ioctl()): a job that will write the data into
     * the buffer through the userptr BO; its fence goes into the BO's reservation. The job runs when
     * {@link #gpuJobCompletes()} or when a CPU waits for its fence. {@link Pinsim#dmaData()} then
     * names what it writes.
     */
    @CheckReturnValue
    public S gpuSubmit(Data data) {
        Objects.requireNonNull(data, "data");
        Buffer b = requireBuffer("gpuSubmit(" + data + ")");
        GpuBo bo = requireGpuBo("gpuSubmit(" + data + ")");
        Data.Placed d = data.place(state, b.length());
        return step("gpuSubmit(" + data + ")", () -> {
            state.gpuJob = state.gpu().submit(bo, b.address() - bo.address() + d.offset(), d.bytes());
            state.lastDma = new ScenarioState.Dma(d.offset(), d.bytes().clone(), "the data " + state.gpuJob + " wrote");
        });
    }

    /** The last job submitted completes: the GPU runs it (if no wait made it run already) and its fence signals. */
    @CheckReturnValue
    public S gpuJobCompletes() {
        GpuJob job = state.gpuJob;
        if (job == null) {
            throw new IllegalStateException("gpuJobCompletes() needs a job: add gpuSubmit(..) first");
        }
        if (job.state() == GpuJob.State.SIGNALLED) {
            throw new IllegalStateException("gpuJobCompletes(): " + job + " signalled already (a wait for its fence ran it); submit another job");
        }
        return step("gpuJobCompletes()", job::complete);
    }

    GpuBo requireGpuBo(String step) {
        if (state.gpuBo == null) {
            throw new IllegalStateException(step + " needs a GPU buffer object: add gpuUserptr(..) first");
        }
        return state.gpuBo;
    }
}
