package io.pinsim.devices;

import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Frame;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.spi.DmaFence;
import io.pinsim.runtime.spi.DmaFenceContext;
import io.pinsim.runtime.spi.DmaResvUsage;
import io.pinsim.runtime.spi.DriverContext;
import io.pinsim.runtime.spi.Gfp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A GPU with an amdgpu-like DRM driver: buffer objects with a reservation object each, userptr BOs
 * in the forms of {@link UserptrMode}, command submission (amdgpu_cs_ioctl()) creating
 * {@link GpuJob jobs} whose fences go into the BOs' reservations, and jobs that wait for other
 * jobs' fences, of this GPU or of another one (drm_sched dependencies).
 *
 * <p>Command submission follows amdgpu_cs.c: amdgpu_cs_parser_bos() gets the userptr pages before
 * the reservations are locked; the reservations are locked (ww); amdgpu_cs_submit() takes the
 * notifier lock, checks each userptr BO is still valid (amdgpu_hmm_range_valid(), else -EAGAIN,
 * "drmIoctl in libdrm will restart the ioctl"), arms the job's fence, adds it to the reservations
 * and unlocks ("No memory allocation is allowed while holding the notifier lock").
 */
public final class Gpu {
    private final Kernel kernel;
    private final DriverContext ctx;
    private final String name;
    private final DmaFenceContext ring;
    private final GpuUserptr userptr;
    private final List<GpuBo> bos = new ArrayList<>();
    private final List<GpuJob> jobs = new ArrayList<>();
    private int nextHandle = 1;
    private int nextJob = 1;
    private Gfp runJobAllocation;
    /** For tests: runs between amdgpu_cs_parser_bos() and amdgpu_cs_submit(), where an invalidation can race. */
    Runnable afterParserBos;

    /**
     * Attaches a GPU.
     *
     * @param name the device name, e.g. {@code gpu0}
     * @throws IllegalArgumentException for a blank name or one taken on the kernel
     */
    public Gpu(Kernel kernel, String name) {
        this.kernel = Objects.requireNonNull(kernel, "kernel");
        this.name = Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("a blank device name: name the device, e.g. gpu0");
        }
        this.ctx = DriverContext.attach(kernel, name);
        this.ring = ctx.fenceContext(name + ".gfx");
        this.userptr = new GpuUserptr(this, ctx);
    }

    /** The device name. */
    public String name() {
        return name;
    }

    /** The kernel it is attached to. */
    public Kernel kernel() {
        return kernel;
    }

    /** Its buffer objects, in creation order (freed ones included). */
    public List<GpuBo> bos() {
        return Collections.unmodifiableList(bos);
    }

    /** Its jobs, in submission order. */
    public List<GpuJob> jobs() {
        return Collections.unmodifiableList(jobs);
    }

    /**
     * A driver bug to reproduce: the job's run path (drm_sched's run_job, a fence-signalling
     * section once the fence is published) allocates with {@code gfp} instead of preallocating at
     * submission. By default the run path allocates nothing. With a reclaiming {@link Gfp},
     * lockdep reports dma_fence_map -> fs_reclaim -> mmu_notifier_invalidate_range_start ->
     * dma_fence_map on models with the fence annotations.
     */
    public void allocateInRunJob(Gfp gfp) {
        this.runJobAllocation = Objects.requireNonNull(gfp, "gfp");
    }

    /**
     * A buffer object in device memory (AMDGPU_GEM_DOMAIN_VRAM): no user memory behind it.
     *
     * @throws ErrnoException EINVAL for a size that is not a positive multiple of the page size
     */
    public GpuBo createBo(long size) {
        return ctx.call("DRM_IOCTL_AMDGPU_GEM_CREATE(" + size + ", VRAM)", () -> {
            requireSize("DRM_IOCTL_AMDGPU_GEM_CREATE", 0, size);
            if (size > (1L << 30)) {
                throw new ErrnoException(Errno.ENOMEM, "DRM_IOCTL_AMDGPU_GEM_CREATE", "the model's VRAM holds at most 1 GiB per BO");
            }
            GpuBo bo = new GpuBo(this, nextHandle, null, 0, size, null, ctx.dmaResv(name + " bo#" + nextHandle));
            nextHandle++;
            bos.add(bo);
            return bo;
        });
    }

    /**
     * A userptr BO over [address, address + size) of a process (DRM_IOCTL_AMDGPU_GEM_USERPTR with
     * AMDGPU_GEM_USERPTR_REGISTER): amdgpu_gem_userptr_ioctl() checks alignment, then the driver
     * registers its notifier (amdgpu_hmm_register(), amdgpu_mn_register()) unless the mode has none.
     * The pages are got at command submission.
     *
     * @throws ErrnoException EINVAL for an unaligned address or size, or no pages
     * @throws IllegalArgumentException for a process of another kernel
     * @throws IllegalStateException    for an exited process
     */
    public GpuBo createUserptr(Process process, long address, long size, UserptrMode mode) {
        Objects.requireNonNull(process, "process");
        Objects.requireNonNull(mode, "mode");
        checkProcess(process);
        return ctx.call("DRM_IOCTL_AMDGPU_GEM_USERPTR(" + Kernel.hex(address) + ", " + size + ", " + mode + ") in \"" + process.name() + "\"", () -> {
            requireSize("DRM_IOCTL_AMDGPU_GEM_USERPTR", address, size);
            GpuBo bo = new GpuBo(this, nextHandle, process, address, size, mode, ctx.dmaResv(name + " bo#" + nextHandle));
            userptr.register(bo);
            nextHandle++;
            bos.add(bo);
            return bo;
        });
    }

    /**
     * amdgpu_cs_ioctl(): a job that writes {@code data} at {@code offset} of the BO once the jobs
     * {@code after} have signalled. Its fence is added to the BO's reservation (usage WRITE).
     *
     * @throws ErrnoException EAGAIN if an invalidation ran between getting the userptr pages and
     *                        the submission (libdrm restarts the ioctl); EFAULT if the pages cannot be got
     * @throws IllegalArgumentException for a BO of another GPU, a job of another kernel, empty data
     *                                  or a write outside the BO
     * @throws IllegalStateException    for a freed BO, or a userptr BO whose process exited
     */
    public GpuJob submit(GpuBo bo, long offset, byte[] data, GpuJob... after) {
        Objects.requireNonNull(bo, "bo");
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(after, "after");
        if (bo.gpu != this) {
            throw new IllegalArgumentException(bo + " belongs to " + bo.gpu.name() + ": submit on the GPU that created it");
        }
        if (bo.freed) {
            throw new IllegalStateException(bo + " was freed: create a BO first");
        }
        if (data.length == 0 || offset < 0 || offset > bo.length - data.length) {
            throw new IllegalArgumentException("a write of " + data.length + " bytes at " + offset + " is not within " + bo + ": write 1 to " + bo.length + " bytes inside it");
        }
        for (GpuJob j : after) {
            Objects.requireNonNull(j, "after");
            if (j.gpu.kernel != kernel) {
                throw new IllegalArgumentException(j + " runs on a GPU of another kernel: a job can wait only for jobs of its kernel");
            }
        }
        if (bo.process != null && !bo.process.isAlive()) {
            throw new IllegalStateException(bo.process + " is not alive: its userptr BO has no memory behind it (amdgpu_ttm_tt_get_user_pages: -ESRCH)");
        }
        byte[] copy = data.clone();
        List<GpuJob> deps = List.of(after);
        return ctx.call("DRM_IOCTL_AMDGPU_CS(bo#" + bo.handle + ", " + copy.length + " bytes at " + offset + (deps.isEmpty() ? "" : ", after " + deps) + ")",
                () -> commandSubmission(bo, offset, copy, deps));
    }

    private GpuJob commandSubmission(GpuBo bo, long offset, byte[] data, List<GpuJob> deps) {
        ctx.allocate(Gfp.KERNEL, "amdgpu_job_alloc");
        if (bo.mode != null) {
            userptr.getPages(bo); // amdgpu_cs_parser_bos(): before the reservations
        }
        if (afterParserBos != null) {
            afterParserBos.run();
        }
        bo.resv.lock(); // ttm_eu_reserve_buffers() / drm_exec: the BO's reservation, ww class
        try {
            String lock = bo.mode == null ? null : GpuUserptr.lockOf(bo.mode);
            if (lock != null) {
                ctx.lock(lock);
            }
            try {
                if (bo.mode != null && !userptr.stillValid(bo)) {
                    ctx.trace(bo + " was invalidated after amdgpu_cs_parser_bos(): -EAGAIN, libdrm restarts the ioctl");
                    throw new ErrnoException(Errno.EAGAIN, "amdgpu_cs_submit", "userptr " + bo + " was invalidated during the submission; restart the ioctl");
                }
                DmaFence fence = ring.createFence();
                Frame[] frames = bo.mode == null ? null : userptr.frames(bo);
                GpuJob job = new GpuJob(this, nextJob++, bo, offset, data, deps, fence, frames);
                bo.resv.addFence(fence, DmaResvUsage.WRITE);
                jobs.add(job);
                ctx.trace(job + " submitted with " + fence + (deps.isEmpty() ? "" : ", waits for " + deps));
                return job;
            } finally {
                if (lock != null) {
                    ctx.unlock(lock);
                }
            }
        } finally {
            bo.resv.unlock();
        }
    }

    /**
     * GEM_CLOSE of a BO: the driver waits for its jobs (ttm_bo_wait), removes the notifier
     * (amdgpu_hmm_unregister()) and releases the pages it holds.
     *
     * @throws IllegalArgumentException for a BO of another GPU
     * @throws IllegalStateException    if it was freed already
     */
    public void freeBo(GpuBo bo) {
        Objects.requireNonNull(bo, "bo");
        if (bo.gpu != this) {
            throw new IllegalArgumentException(bo + " belongs to " + bo.gpu.name() + ": free it on its GPU");
        }
        if (bo.freed) {
            throw new IllegalStateException(bo + " was freed already");
        }
        ctx.call("DRM_IOCTL_GEM_CLOSE(bo#" + bo.handle + ")", () -> {
            userptr.waitIdle(bo, "amdgpu_bo_release_notify");
            if (bo.notifier != null) {
                bo.notifier.remove();
            }
            if (bo.pages != null) {
                bo.pages.release();
                bo.pages = null;
            }
            bo.hmmFrames = null;
            bo.freed = true;
            return null;
        });
    }

    /** The jobs that write a BO, in submission order. */
    List<GpuJob> jobsOf(GpuBo bo) {
        List<GpuJob> r = new ArrayList<>();
        for (GpuJob j : jobs) {
            if (j.bo == bo) {
                r.add(j);
            }
        }
        return r;
    }

    void run(GpuJob job) {
        requireRunnable(job, "run");
        if (job.state != GpuJob.State.QUEUED) {
            throw new IllegalStateException(job + " ran already: complete() it");
        }
        ctx.call(job + " runs", () -> {
            execute(job);
            return null;
        });
    }

    void complete(GpuJob job) {
        requireRunnable(job, "complete");
        ctx.call(job + " completes", () -> {
            if (job.state == GpuJob.State.QUEUED) {
                execute(job);
            }
            signal(job);
            return null;
        });
    }

    void hang(GpuJob job) {
        if (job.state == GpuJob.State.SIGNALLED) {
            throw new IllegalStateException(job + " signalled already: it cannot hang");
        }
        ctx.call(job + " hangs", () -> {
            job.hung = true;
            ctx.trace(job + " hangs on the GPU: its " + job.fence + " will not signal on its own");
            return null;
        });
    }

    void timeout(GpuJob job) {
        if (job.state == GpuJob.State.SIGNALLED) {
            throw new IllegalStateException(job + " signalled already: nothing to time out");
        }
        ctx.call(job + " times out (amdgpu_job_timedout)", () -> {
            ctx.trace("ring " + name + ".gfx timeout: GPU reset, " + job.fence + " signals with -ETIME");
            job.fence.setError(-62); // -ETIME
            job.hung = false;
            job.state = GpuJob.State.SIGNALLED;
            job.fence.signal();
            return null;
        });
    }

    private void requireRunnable(GpuJob job, String what) {
        if (job.state == GpuJob.State.SIGNALLED) {
            throw new IllegalStateException(job + " signalled already");
        }
        if (job.hung) {
            throw new IllegalStateException(job + " hangs: it cannot " + what + "; time it out (a GPU reset) instead");
        }
        for (GpuJob d : job.after) {
            if (!d.fence.isSignaled()) {
                throw new IllegalStateException(job + " waits for " + d.fence + " of " + d + ": complete that job first");
            }
        }
    }

    /**
     * The hardware runs the job (drm_sched_main() -> run_job, annotated as a fence-signalling
     * section as in "drm/scheduler: use dma-fence annotations in main thread", Vetter's
     * dma-fence annotation series, 2020): the allocation of {@link #allocateInRunJob} if set, then
     * the DMA into the pages the BO held at submission (or VRAM).
     */
    private void execute(GpuJob job) {
        boolean cookie = ctx.dmaFenceBeginSignalling();
        try {
            if (runJobAllocation != null) {
                ctx.allocate(runJobAllocation, "in " + job + "'s run_job");
            }
            if (job.frames == null) {
                System.arraycopy(job.data, 0, job.bo.vram, (int) job.offset, job.data.length);
                ctx.trace(job + " wrote " + job.data.length + " bytes of VRAM " + job.bo);
            } else {
                dma(job);
            }
            job.state = GpuJob.State.RAN;
        } finally {
            ctx.dmaFenceEndSignalling(cookie);
        }
    }

    private void dma(GpuJob job) {
        int done = 0;
        while (done < job.data.length) {
            long at = job.offset + done;
            int page = (int) (at >>> Kernel.PAGE_SHIFT);
            int in = (int) (at & (Kernel.PAGE_SIZE - 1));
            int n = Math.min(job.data.length - done, Kernel.PAGE_SIZE - in);
            ctx.dmaWrite(job.frames[page], in, Arrays.copyOfRange(job.data, done, done + n), job.toString());
            done += n;
        }
    }

    private void signal(GpuJob job) {
        job.state = GpuJob.State.SIGNALLED;
        job.fence.signal();
    }

    /**
     * The GPU finishes a job while a CPU sleeps on its fence: first the jobs it waits for (on any
     * GPU), then the job itself. A hung job, or one behind a hung job, does not finish.
     *
     * @return whether the job's fence signalled
     */
    static boolean finish(GpuJob job) {
        if (job.fence.isSignaled()) {
            return true;
        }
        if (job.hung) {
            return false;
        }
        for (GpuJob d : job.after) {
            if (!finish(d)) {
                job.gpu.ctx.trace(job + " cannot run: it waits for " + d.fence + ", which will not signal");
                return false;
            }
        }
        job.gpu.complete(job);
        return true;
    }

    private void checkProcess(Process p) {
        if (p.kernel() != kernel) {
            throw new IllegalArgumentException(name + " is attached to " + kernel + ", not to the kernel of " + p + "; create a device per kernel");
        }
        if (!p.isAlive()) {
            throw new IllegalStateException(p + " is not alive: it has exited; map the memory of a live process");
        }
    }

    private static void requireSize(String call, long address, long size) {
        long mask = Kernel.PAGE_SIZE - 1L;
        if (size <= 0 || ((address | size) & mask) != 0) {
            throw new ErrnoException(Errno.EINVAL, call, "address and size must be page aligned and the size positive (offset_in_page(args->addr | args->size))");
        }
        if (address < 0 || address + size < 0 || address + size > Kernel.TASK_SIZE) {
            throw new ErrnoException(Errno.EINVAL, call, "the range " + Kernel.hex(address) + "+" + size + " is not in the user address space");
        }
    }

    /** {@code GPU gpu0}. */
    @Override
    public String toString() {
        return "GPU " + name;
    }
}
