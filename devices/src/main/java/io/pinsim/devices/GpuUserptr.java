package io.pinsim.devices;

import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Foll;
import io.pinsim.runtime.Frame;
import io.pinsim.runtime.GupPages;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MmuIntervalNotifier;
import io.pinsim.runtime.MmuNotifierRange;
import io.pinsim.runtime.spi.DmaFence;
import io.pinsim.runtime.spi.DmaResvUsage;
import io.pinsim.runtime.spi.DriverContext;
import io.pinsim.runtime.spi.HmmRange;
import io.pinsim.runtime.trace.KernelLog;

/**
 * The userptr half of {@link Gpu}'s driver: getting the pages at command submission and the mmu
 * notifier callbacks, in the two historical forms of {@link UserptrMode}.
 */
final class GpuUserptr {
    /** The driver lock of amdgpu_hmm.c (adev->notifier_lock). */
    static final String NOTIFIER_LOCK = "notifier_lock";
    /** The driver lock of amdgpu_mn.c (amn->lock, taken by amdgpu_mn_read_lock()). */
    static final String MN_LOCK = "mn_lock";

    private final Gpu gpu;
    private final DriverContext ctx;

    GpuUserptr(Gpu gpu, DriverContext ctx) {
        this.gpu = gpu;
        this.ctx = ctx;
    }

    /** The driver lock a mode's notifier and command submission take. */
    static String lockOf(UserptrMode mode) {
        return mode == UserptrMode.HMM ? NOTIFIER_LOCK : MN_LOCK;
    }

    /** amdgpu_hmm_register() / amdgpu_mn_register(): an interval notifier over the BO, unless the driver has none. */
    void register(GpuBo bo) {
        if (bo.mode == UserptrMode.GUP_WITHOUT_NOTIFIER) {
            return;
        }
        bo.notifier = ctx.insertIntervalNotifier(bo.process, bo.address, bo.length, (sub, range, cur) -> invalidate(bo, sub, range, cur), "bo#" + bo.handle + " userptr");
    }

    /**
     * amdgpu_cs_parser_bos() for one userptr BO, before the reservations are locked. HMM:
     * amdgpu_hmm_range_get_pages() (5.x-6.1 form): mmu_interval_read_begin(), hmm_range_fault()
     * (writable), retried on -EBUSY until HMM_RANGE_DEFAULT_TIMEOUT, then -EAGAIN. GUP: amdgpu_ttm_tt_get_user_pages() with
     * get_user_pages(FOLL_WRITE) if the BO holds no pages or was invalidated since
     * (amdgpu_ttm_tt_userptr_invalidated()), releasing the old ones.
     *
     * @throws ErrnoException EFAULT if a page cannot be got, EAGAIN if an invalidation raced
     */
    void getPages(GpuBo bo) {
        int n = (int) (bo.length >>> Kernel.PAGE_SHIFT);
        if (bo.mode == UserptrMode.HMM) {
            HmmRange r = null;
            long seq = 0;
            for (int attempt = 0; r == null; attempt++) {
                seq = bo.notifier.readBegin();
                try {
                    r = ctx.hmmRangeFault(bo.notifier, seq, bo.address, n, true);
                } catch (ErrnoException e) {
                    if (e.errno() != Errno.EBUSY) {
                        throw e;
                    }
                    if (attempt + 1 >= OdpPaging.FAULT_RETRIES) {
                        throw new ErrnoException(Errno.EAGAIN, "amdgpu_hmm_range_get_pages", "hmm_range_fault() kept racing invalidations until HMM_RANGE_DEFAULT_TIMEOUT (-EBUSY becomes -EAGAIN)");
                    }
                    ctx.trace(bo + ": hmm_range_fault -EBUSY, retrying (amdgpu_hmm_range_get_pages)");
                }
            }
            bo.hmmFrames = r.frames().toArray(new Frame[0]);
            bo.hmmSeq = seq;
            return;
        }
        if (bo.pages != null && bo.pagesAtInvalidation == bo.invalidations) {
            return;
        }
        if (bo.pages != null) {
            ctx.trace(bo + ": invalidated since its pages were got (amdgpu_ttm_tt_userptr_invalidated), releasing them");
            bo.pages.release();
            bo.pages = null;
        }
        GupPages p = ctx.getUserPages(bo.process, bo.address, n, Foll.WRITE, "bo#" + bo.handle);
        if (p.count() < n) {
            p.release();
            throw new ErrnoException(Errno.EFAULT, "amdgpu_ttm_tt_get_user_pages", "only " + p.count() + " of " + n + " pages could be got");
        }
        bo.pages = p;
        bo.pagesAtInvalidation = bo.invalidations;
    }

    /**
     * amdgpu_cs_submit()'s check under the notifier lock: for HMM amdgpu_hmm_range_valid()
     * (!mmu_interval_read_retry()), for GUP that no invalidation came since the pages were got.
     */
    boolean stillValid(GpuBo bo) {
        if (bo.mode == UserptrMode.HMM) {
            return !bo.notifier.readRetry(bo.hmmSeq);
        }
        return bo.mode == UserptrMode.GUP_WITHOUT_NOTIFIER || bo.pagesAtInvalidation == bo.invalidations;
    }

    /** The frames the BO holds now, page by page, for a job. */
    Frame[] frames(GpuBo bo) {
        if (bo.mode == UserptrMode.HMM) {
            return bo.hmmFrames.clone();
        }
        Frame[] f = new Frame[bo.pages.count()];
        for (int i = 0; i < f.length; i++) {
            f[i] = bo.pages.frame(i);
        }
        return f;
    }

    /**
     * The notifier callback. Non-blockable (the OOM reaper): return false without sleeping, the
     * kernel's -EAGAIN (amdgpu_hmm_invalidate_gfx(): {@code if (!mmu_notifier_range_blockable(range))
     * return false;}; amdgpu_mn_invalidate_range_start_gfx() of 4.19: -EAGAIN). Otherwise, under
     * the driver lock: HMM sets the sequence (mmu_interval_set_seq()) and invalidates the BO's VM
     * mapping (amdgpu_vm_bo_invalidate()); then both wait for every fence of the reservation
     * (DMA_RESV_USAGE_BOOKKEEP, MAX_SCHEDULE_TIMEOUT) and, if the wait fails, print
     * "failed to wait for user bo". GUP then marks the pages dirty (amdgpu_ttm_tt_mark_user_pages())
     * and counts the invalidation so the next submission gets the pages again.
     */
    private boolean invalidate(GpuBo bo, MmuIntervalNotifier sub, MmuNotifierRange range, long curSeq) {
        String fn = bo.mode == UserptrMode.HMM ? "amdgpu_hmm_invalidate_gfx" : "amdgpu_mn_invalidate_range_start_gfx";
        if (!range.blockable()) {
            ctx.trace(bo + ": refuses the non-blockable " + range + " without waiting (" + fn + ": !mmu_notifier_range_blockable, -EAGAIN)");
            return false;
        }
        String lock = lockOf(bo.mode);
        ctx.lock(lock);
        try {
            if (bo.mode == UserptrMode.HMM) {
                sub.setSeq(curSeq);
                bo.hmmFrames = null;
            }
            waitIdle(bo, fn);
            if (bo.mode == UserptrMode.GUP_WITH_NOTIFIER) {
                if (bo.pages != null) {
                    for (int i = 0; i < bo.pages.count(); i++) {
                        ctx.setPageDirty(bo.pages.frame(i), "bo#" + bo.handle);
                    }
                }
                bo.invalidations++;
            }
        } finally {
            ctx.unlock(lock);
        }
        return true;
    }

    /**
     * dma_resv_wait_timeout(resv, DMA_RESV_USAGE_BOOKKEEP, false, MAX_SCHEDULE_TIMEOUT): the CPU
     * sleeps while the GPU finishes every job whose fence is in the reservation (and the jobs they
     * wait for, on any GPU); a fence that cannot signal is an indefinite fence and the wait fails.
     */
    void waitIdle(GpuBo bo, String fn) {
        for (DmaFence f : bo.resv.fences(DmaResvUsage.BOOKKEEP)) {
            if (!f.isSignaled()) {
                ctx.trace(bo + ": " + fn + " waits for " + f + " (dma_resv_wait_timeout, MAX_SCHEDULE_TIMEOUT)");
            }
        }
        for (GpuJob j : gpu.jobsOf(bo)) {
            if (j.fence.isSignaled()) {
                continue;
            }
            Gpu.finish(j);
        }
        long r = bo.resv.waitTimeout(DmaResvUsage.BOOKKEEP, DmaFence.MAX_SCHEDULE_TIMEOUT);
        if (r <= 0) {
            ctx.log(KernelLog.Level.WARN, "[drm:" + fn + "] *ERROR* (" + r + ") failed to wait for user bo");
        }
    }
}
