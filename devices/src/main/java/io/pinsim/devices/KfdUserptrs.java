package io.pinsim.devices;

import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MmuIntervalNotifier;
import io.pinsim.runtime.MmuNotifierRange;
import io.pinsim.runtime.Prot;
import io.pinsim.runtime.Vma;
import io.pinsim.runtime.spi.DriverContext;
import io.pinsim.runtime.spi.HmmRange;
import java.util.ArrayList;
import java.util.List;

/**
 * The userptr half of {@link AmdKfd}'s driver (drivers/gpu/drm/amd/amdgpu/amdgpu_amdkfd_gpuvm.c and
 * amdgpu_hmm.c): init_user_pages(), amdgpu_amdkfd_evict_userptr() and the restore worker.
 */
final class KfdUserptrs {
    /** amdgpu_hmm_range_get_pages() retries -EBUSY until HMM_RANGE_DEFAULT_TIMEOUT; the model counts rounds. */
    static final int FAULT_RETRIES = 16;

    private final AmdKfd kfd;
    private final DriverContext ctx;

    KfdUserptrs(AmdKfd kfd) {
        this.kfd = kfd;
        this.ctx = kfd.ctx;
    }

    /**
     * amdgpu_amdkfd_gpuvm_alloc_memory_of_gpu() with a userptr: init_user_pages() under
     * process_info-&gt;lock registers the notifier and gets the pages; map_memory_to_gpu maps them.
     */
    KfdUserptr alloc(AmdKfd.KfdProcess kp, int handle, long address, long length) {
        String fn = "kfd_ioctl_alloc_memory_of_gpu";
        if (length <= 0 || ((address | length) & (Kernel.PAGE_SIZE - 1)) != 0 || address + length < address) {
            throw AmdKfd.einval(fn, "a userptr needs a page-aligned address and a positive page-aligned length");
        }
        for (long a = address; a < address + length; a += Kernel.PAGE_SIZE) {
            Vma v = kp.process.vmaAt(a);
            if (v == null || (v.prot() & Prot.WRITE) == 0) {
                throw new ErrnoException(Errno.EFAULT, fn, "no writable VMA at " + Kernel.hex(a) + " (amdgpu_ttm_tt_get_user_pages)");
            }
        }
        if (!kp.svmRanges.isEmpty() && SvmRanges.overlaps(kp, address, address + length)) {
            throw new ErrnoException(Errno.EADDRINUSE, fn, "[" + Kernel.hex(address) + ", " + Kernel.hex(address + length) + ") overlaps an SVM range");
        }
        KfdUserptr mem = new KfdUserptr(handle, kp, address, length);
        ctx.lock(AmdKfd.PROCESS_LOCK);
        try {
            mem.notifier = ctx.insertIntervalNotifier(kp.process, address, length, (s, r, cur) -> evict(mem, s, r, cur), "userptr#" + handle);
            Pages pages;
            try {
                pages = getPages(mem);
            } catch (ErrnoException e) {
                mem.notifier.remove();
                throw e;
            }
            map(mem, pages.range);
            kp.userptrs.add(mem);
        } finally {
            ctx.unlock(AmdKfd.PROCESS_LOCK);
        }
        ctx.trace(mem + ": " + (length >>> Kernel.PAGE_SHIFT) + " page(s) mapped in the GPU page table, none pinned");
        return mem;
    }

    /** amdgpu_amdkfd_gpuvm_unmap_memory_from_gpu() and _free_memory_of_gpu(): unmap, amdgpu_hmm_unregister(). */
    void free(KfdUserptr mem) {
        mem.owner.gpuvm.zap(mem.address, mem.address + mem.length);
        mem.notifier.remove();
        mem.freed = true;
        mem.owner.userptrs.remove(mem);
    }

    /**
     * amdgpu_hmm_invalidate_hsa() -&gt; amdgpu_amdkfd_evict_userptr(): refuse a non-blockable range;
     * under process_info-&gt;notifier_lock set the sequence, mem-&gt;invalid++, and on the first
     * eviction (++evicted_bos == 1) quiesce the process's queues and schedule the restore worker.
     * It waits for nothing: the GPU page table keeps its entries, but no queue runs to use them.
     */
    private boolean evict(KfdUserptr mem, MmuIntervalNotifier sub, MmuNotifierRange range, long curSeq) {
        if (!range.blockable()) {
            ctx.trace(mem + ": refuses the non-blockable " + range + " (amdgpu_hmm_invalidate_hsa: !mmu_notifier_range_blockable)");
            return false;
        }
        AmdKfd.KfdProcess kp = mem.owner;
        ctx.lock(AmdKfd.NOTIFIER_LOCK);
        try {
            sub.setSeq(curSeq);
            mem.invalid++;
            if (++kp.evictedBos == 1) {
                kfd.quiesce(kp, "KFD_QUEUE_EVICTION_TRIGGER_USERPTR");
                ctx.trace(mem + ": evicted by " + range + "; restore_userptr_work scheduled (AMDGPU_USERPTR_RESTORE_DELAY_MS)");
            } else {
                ctx.trace(mem + ": invalidated by " + range + " while evicted (evicted_bos " + kp.evictedBos + ")");
            }
        } finally {
            ctx.unlock(AmdKfd.NOTIFIER_LOCK);
        }
        return true;
    }

    /**
     * amdgpu_amdkfd_restore_userptr_worker(): under process_info-&gt;lock, update_invalid_user_pages()
     * (hmm_range_fault() for each invalid allocation; an invalidation since its snapshot of
     * mem-&gt;invalid means try later), validate_invalid_user_pages() (map the new pages), then under
     * the notifier lock confirm_valid_user_pages_locked() (mmu_interval_read_retry()) and, if
     * evicted_bos is still what the worker started from, reset it and resume the queues.
     */
    boolean restore(AmdKfd.KfdProcess kp) {
        int evicted = kp.evictedBos;
        if (evicted == 0) {
            ctx.trace("restore_userptr_work: nothing evicted");
            return !kp.queuesEvicted;
        }
        List<Pages> got = new ArrayList<>();
        ctx.lock(AmdKfd.PROCESS_LOCK);
        try {
            for (KfdUserptr mem : List.copyOf(kp.userptrs)) {
                int invalid = mem.invalid;
                if (invalid == 0) {
                    continue;
                }
                Pages p;
                try {
                    p = getPages(mem);
                } catch (ErrnoException e) {
                    if (e.errno() != Errno.EFAULT) {
                        return reschedule(mem + ": " + e.getMessage());
                    }
                    // "Return -EFAULT bad address error as success. It will fail later with a VM fault
                    // if the GPU tries to access it."
                    mem.owner.gpuvm.zap(mem.address, mem.address + mem.length);
                    mem.invalid = 0;
                    ctx.trace(mem + ": no pages (-EFAULT); left unmapped, a GPU access will VM-fault");
                    continue;
                }
                if (mem.invalid != invalid) {
                    return reschedule(mem + " was invalidated again while its pages were read");
                }
                mem.invalid = 0;
                got.add(p);
            }
            for (Pages p : got) {
                map(p.mem, p.range); // validate_invalid_user_pages(): amdgpu_vm_bo_update() with the new pages
            }
            ctx.lock(AmdKfd.NOTIFIER_LOCK);
            try {
                for (Pages p : got) {
                    if (p.mem.notifier.readRetry(p.range.notifierSeq())) {
                        return reschedule(p.mem + ": an invalidation ran since its pages were read (mmu_interval_read_retry)");
                    }
                }
                if (kp.evictedBos != evicted) {
                    return reschedule("another eviction ran (evicted_bos " + evicted + " -> " + kp.evictedBos + ")");
                }
                kp.evictedBos = 0;
            } finally {
                ctx.unlock(AmdKfd.NOTIFIER_LOCK);
            }
        } finally {
            ctx.unlock(AmdKfd.PROCESS_LOCK);
        }
        kfd.resume(kp);
        return true;
    }

    private boolean reschedule(String why) {
        ctx.trace("restore_userptr_work: " + why + "; rescheduled in AMDGPU_USERPTR_RESTORE_DELAY_MS, the queues stay evicted");
        return false;
    }

    /** A range of pages read under one sequence. */
    private record Pages(KfdUserptr mem, HmmRange range) {
    }

    /**
     * amdgpu_ttm_tt_get_user_pages() -&gt; amdgpu_hmm_range_get_pages(): mmu_interval_read_begin(),
     * hmm_range_fault() with HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE, retried on -EBUSY until the
     * timeout, which becomes -EAGAIN.
     */
    private Pages getPages(KfdUserptr mem) {
        int npages = (int) (mem.length >>> Kernel.PAGE_SHIFT);
        for (int attempt = 0; attempt < FAULT_RETRIES; attempt++) {
            long seq = mem.notifier.readBegin();
            try {
                return new Pages(mem, ctx.hmmRangeFault(mem.notifier, seq, mem.address, npages, true));
            } catch (ErrnoException e) {
                if (e.errno() != Errno.EBUSY) {
                    throw e;
                }
                ctx.trace(mem + ": hmm_range_fault -EBUSY, retrying");
            }
        }
        throw new ErrnoException(Errno.EAGAIN, "amdgpu_hmm_range_get_pages", mem + " kept racing invalidations (HMM_RANGE_DEFAULT_TIMEOUT)");
    }

    /** amdgpu_vm_bo_update(): the GPU page table maps the pages read. */
    private void map(KfdUserptr mem, HmmRange range) {
        for (int i = 0; i < range.frames().size(); i++) {
            mem.owner.gpuvm.map(range.start() + ((long) i << Kernel.PAGE_SHIFT), range.frames().get(i), range.writable().get(i));
        }
    }
}
