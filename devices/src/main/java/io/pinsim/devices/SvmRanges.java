package io.pinsim.devices;

import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MmuIntervalNotifier;
import io.pinsim.runtime.MmuNotifierEvent;
import io.pinsim.runtime.MmuNotifierRange;
import io.pinsim.runtime.Prot;
import io.pinsim.runtime.Vma;
import io.pinsim.runtime.spi.DriverContext;
import io.pinsim.runtime.spi.HmmRange;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The SVM half of {@link AmdKfd}'s driver (drivers/gpu/drm/amd/amdkfd/kfd_svm.c) with XNACK on:
 * ranges with an interval notifier each, an invalidation that unmaps the GPU PTEs, and GPU retry
 * faults served by hmm_range_fault() under the sequence protocol.
 */
final class SvmRanges {
    /** svm_range_restore_pages() is retried by the GPU until it maps; the model bounds the rounds. */
    static final int FAULT_RETRIES = 16;

    /** struct svm_range: [start, end) of the process with its notifier. */
    static final class Range {
        final long start;
        final long end;
        MmuIntervalNotifier notifier;

        Range(long start, long end) {
            this.start = start;
            this.end = end;
        }

        @Override
        public String toString() {
            return "svm_range [" + Kernel.hex(start) + "-" + Kernel.hex(end) + ")";
        }
    }

    private final AmdKfd kfd;
    private final DriverContext ctx;

    SvmRanges(AmdKfd kfd) {
        this.kfd = kfd;
        this.ctx = kfd.ctx;
    }

    /** Whether an SVM range of the process overlaps [start, end). */
    static boolean overlaps(AmdKfd.KfdProcess kp, long start, long end) {
        Map.Entry<Long, Range> below = kp.svmRanges.lowerEntry(end);
        return below != null && below.getValue().end > start;
    }

    /**
     * svm_ioctl(KFD_IOCTL_SVM_OP_SET_ATTR) -&gt; svm_range_set_attr() -&gt; svm_range_add(): checks,
     * then a new range (with svm_range_add_notifier_locked()) for each part not registered yet.
     */
    void setAttr(AmdKfd.KfdProcess kp, long start, long length) {
        String fn = "kfd_ioctl_svm";
        if (!kfd.svmAvailable()) {
            throw AmdKfd.einval("kfd_ioctl", "AMDKFD_IOC_SVM is not a command of this kernel's amdkfd (SVM arrived in 5.14)");
        }
        if (length <= 0 || ((start | length) & (Kernel.PAGE_SIZE - 1)) != 0 || start + length < start) {
            throw AmdKfd.einval(fn, "start and size must be page-aligned and size positive");
        }
        long end = start + length;
        for (long a = start; a < end; a += Kernel.PAGE_SIZE) {
            if (kp.process.vmaAt(a) == null) {
                throw new ErrnoException(Errno.EFAULT, fn, "no VMA at " + Kernel.hex(a) + " (svm_range_is_valid)");
            }
        }
        for (KfdUserptr mem : kp.userptrs) {
            if (mem.address < end && start < mem.address + mem.length) {
                throw new ErrnoException(Errno.EADDRINUSE, fn, "[" + Kernel.hex(start) + ", " + Kernel.hex(end) + ") overlaps " + mem + " (svm_range_check_vm_userptr)");
            }
        }
        List<long[]> gaps = new ArrayList<>();
        long at = start;
        for (Range r : kp.svmRanges.subMap(kp.svmRanges.floorKey(start) == null ? start : kp.svmRanges.floorKey(start), true, end, false).values()) {
            if (r.end <= at) {
                continue;
            }
            if (r.start > at) {
                gaps.add(new long[] {at, r.start});
            }
            at = Math.max(at, r.end);
        }
        if (at < end) {
            gaps.add(new long[] {at, end});
        }
        for (long[] g : gaps) {
            add(kp, g[0], g[1]);
        }
    }

    private Range add(AmdKfd.KfdProcess kp, long start, long end) {
        Range r = new Range(start, end);
        r.notifier = ctx.insertIntervalNotifier(kp.process, start, end - start, (s, range, cur) -> invalidate(kp, r, s, range, cur), r.toString());
        kp.svmRanges.put(start, r);
        ctx.trace(r + " of \"" + kp.process.name() + "\" registered, nothing mapped (the GPU faults pages in)");
        return r;
    }

    /**
     * svm_range_cpu_invalidate_pagetables(): ignore MMU_NOTIFY_RELEASE; refuse a non-blockable
     * range; under the range lock set the sequence, and unmap the intersection from the GPU
     * (svm_range_unmap_from_cpu() for an unmap, whose range removal the kernel defers to a worker;
     * svm_range_evict() otherwise, which with XNACK on calls svm_range_unmap_from_gpus()).
     */
    private boolean invalidate(AmdKfd.KfdProcess kp, Range r, MmuIntervalNotifier sub, MmuNotifierRange range, long curSeq) {
        if (range.event() == MmuNotifierEvent.RELEASE) {
            return true;
        }
        if (!range.blockable()) {
            ctx.trace(r + ": refuses the non-blockable " + range + " (svm_range_cpu_invalidate_pagetables)");
            return false;
        }
        ctx.lock(AmdKfd.SVM_LOCK);
        try {
            sub.setSeq(curSeq);
            long s = Math.max(range.start(), r.start);
            long e = Math.min(range.end(), r.end);
            int n = kp.gpuvm.zap(s, e).size();
            String how = range.event() == MmuNotifierEvent.UNMAP ? "svm_range_unmap_from_cpu" : "svm_range_evict (XNACK on): svm_range_unmap_from_gpus";
            ctx.trace(r + ": " + range + " -> " + how + " [" + Kernel.hex(s) + "-" + Kernel.hex(e) + "): " + n + " GPU PTE(s) cleared, no queue stopped");
        } finally {
            ctx.unlock(AmdKfd.SVM_LOCK);
        }
        return true;
    }

    /**
     * A GPU retry fault at {@code page}: svm_range_restore_pages(). Finds the range (or creates one
     * for an address the process maps, svm_range_create_unregistered_range()), checks the VMA allows
     * the access (svm_fault_allowed(): -EPERM), then svm_range_validate_and_map(): read_begin,
     * hmm_range_fault() (writable if the VMA is: readonly = !(vma-&gt;vm_flags &amp; VM_WRITE)), and
     * under the range lock read_retry before the GPU PTE is written; a moved sequence is -EAGAIN,
     * which the GPU retries.
     *
     * @return null when the page is mapped, else why the fault could not be resolved
     */
    String retryFault(AmdKfd.KfdProcess kp, long page, boolean write) {
        if (!kfd.svmAvailable()) {
            return "GPU VM fault at " + Kernel.hex(page) + ": not mapped in the GPU page table, and this amdkfd has no retry faults (no SVM)";
        }
        Vma vma = kp.process.vmaAt(page);
        Map.Entry<Long, Range> e = kp.svmRanges.floorEntry(page);
        Range r = e != null && e.getValue().end > page ? e.getValue() : null;
        if (r == null) {
            if (vma == null || kp.userptrs.stream().anyMatch(m -> m.address <= page && page < m.address + m.length)) {
                return "GPU VM fault at " + Kernel.hex(page) + ": svm_range_restore_pages: failed to create unregistered range (-EFAULT)";
            }
            r = add(kp, page, page + Kernel.PAGE_SIZE);
        }
        if (vma == null) {
            return "GPU VM fault at " + Kernel.hex(page) + ": svm_range_restore_pages: no VMA (-EFAULT)";
        }
        boolean allowed = write ? (vma.prot() & Prot.WRITE) != 0 : (vma.prot() & (Prot.READ | Prot.WRITE | Prot.EXEC)) != 0;
        if (!allowed) {
            return "GPU VM fault at " + Kernel.hex(page) + ": svm_fault_allowed() refuses a " + (write ? "write" : "read") + " of " + vma + " (-EPERM)";
        }
        boolean writable = (vma.prot() & Prot.WRITE) != 0;
        for (int attempt = 0; attempt < FAULT_RETRIES; attempt++) {
            long seq = r.notifier.readBegin();
            HmmRange got;
            try {
                got = ctx.hmmRangeFault(r.notifier, seq, page, 1, writable);
            } catch (ErrnoException x) {
                if (x.errno() == Errno.EBUSY) {
                    continue;
                }
                return "GPU VM fault at " + Kernel.hex(page) + ": svm_range_validate_and_map failed: " + x.getMessage();
            }
            ctx.lock(AmdKfd.SVM_LOCK);
            try {
                if (r.notifier.readRetry(seq)) {
                    ctx.trace(r + ": an invalidation ran during the retry fault at " + Kernel.hex(page) + " (-EAGAIN), the GPU retries");
                    continue;
                }
                kp.gpuvm.map(page, got.frames().get(0), got.writable().get(0));
            } finally {
                ctx.unlock(AmdKfd.SVM_LOCK);
            }
            ctx.trace(r + ": retry fault at " + Kernel.hex(page) + " mapped frame #" + got.frames().get(0).pfn()
                    + (got.writable().get(0) ? " writable" : " read-only") + " (svm_range_restore_pages)");
            return null;
        }
        return "GPU VM fault at " + Kernel.hex(page) + ": kept racing invalidations";
    }
}
