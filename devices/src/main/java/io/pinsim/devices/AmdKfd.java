package io.pinsim.devices;

import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Frame;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.model.KfdSvm;
import io.pinsim.runtime.spi.DevicePageTable;
import io.pinsim.runtime.spi.DriverContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * An AMD GPU used for compute through amdkfd (drivers/gpu/drm/amd/amdkfd with
 * amdgpu_amdkfd_gpuvm.c), the "compute: preempt the queue" and "recoverable page faults" tiers of
 * Felix Kuehling's reply in the 2020 dma-fence thread. Nothing is ever pinned:
 * <ul>
 * <li><b>userptr allocations and user-mode queues</b>: a queue runs without the kernel, so an
 *     invalidation of a userptr range cannot wait for "the job": amdgpu_hmm_invalidate_hsa() -&gt;
 *     amdgpu_amdkfd_evict_userptr() bumps the sequence, marks the allocation invalid and, on the
 *     process's first eviction, kgd2kfd_quiesce_mm() preempts (unmaps) all its queues and schedules
 *     restore_userptr_work. The invalidation returns at once. The restore worker
 *     ({@link #restoreUserptrs(Process)}, an explicit step here) gets the pages again with
 *     hmm_range_fault(), maps them in the GPU page table, confirms under the notifier lock that no
 *     invalidation raced it (mmu_interval_read_retry()) and resumes the queues, else reschedules
 *     itself. The eviction fence of the process (amdgpu_amdkfd_fence) is what TTM eviction of its
 *     VRAM/GTT buffers would signal; a userptr invalidation never waits on it or on any fence;</li>
 * <li><b>shared virtual memory</b> (kfd_svm.c, {@link KfdSvm#SVM_RETRY_FAULTS}): ranges registered
 *     with AMDKFD_IOC_SVM, each with an interval notifier; with XNACK on, an invalidation unmaps the
 *     range's GPU PTEs (svm_range_cpu_invalidate_pagetables() -&gt; svm_range_evict() -&gt;
 *     svm_range_unmap_from_gpus()) and the GPU's next access takes a retry fault that
 *     svm_range_restore_pages() services with hmm_range_fault() under the sequence protocol.</li>
 * </ul>
 * One GPU page table (GPUVM) per process holds both. The model's SVM always runs with XNACK on (the
 * XNACK-off mode evicts queues like userptr; not modelled), validates one page per fault where the
 * kernel validates the fault's granule (2 MiB by default), and uses hmm_range_fault() for userptrs
 * on every model where 4.19 - 5.1 took page references with get_user_pages() in the restore worker
 * (replaced by "drm/amdgpu: replace get_user_pages with HMM mirror helpers", 915d3eecfa23).
 */
public class AmdKfd {
    /** The driver's lock names, as lockdep classes of this device. */
    static final String PROCESS_LOCK = "process_info->lock";
    static final String NOTIFIER_LOCK = "process_info->notifier_lock";
    static final String SVM_LOCK = "prange->lock";

    private final Kernel kernel;
    final DriverContext ctx;
    private final String name;
    private final Map<Process, KfdProcess> processes = new LinkedHashMap<>();
    private final KfdUserptrs userptrs;
    private final SvmRanges svm;
    private int nextQueue = 1;
    private int nextHandle = 1;
    private long nextDispatch = 1;

    /** struct kfd_process with its amdkfd_process_info: one per process that opened /dev/kfd. */
    static final class KfdProcess {
        final Process process;
        /** The process's GPU virtual address space (amdgpu_vm), shared by userptrs and SVM ranges. */
        final DevicePageTable gpuvm = new DevicePageTable();
        final List<KfdQueue> queues = new ArrayList<>();
        final List<KfdUserptr> userptrs = new ArrayList<>();
        final TreeMap<Long, SvmRanges.Range> svmRanges = new TreeMap<>();
        /** process_info->evicted_bos. */
        int evictedBos;
        /** kfd_process_evict_queues() ran and restore_process_queues has not. */
        boolean queuesEvicted;

        KfdProcess(Process process) {
            this.process = process;
        }
    }

    /** An AMD GPU for compute, attached to the kernel as {@code name} (e.g. {@code amdgpu0}). */
    public AmdKfd(Kernel kernel, String name) {
        this.kernel = Objects.requireNonNull(kernel, "kernel");
        this.name = Objects.requireNonNull(name, "name");
        this.ctx = DriverContext.attach(kernel, name);
        this.userptrs = new KfdUserptrs(this);
        this.svm = new SvmRanges(this);
    }

    /** @return the device name */
    public String name() {
        return name;
    }

    /** @return the kernel the GPU is attached to */
    public Kernel kernel() {
        return kernel;
    }

    /**
     * AMDKFD_IOC_ALLOC_MEMORY_OF_GPU (USERPTR) and AMDKFD_IOC_MAP_MEMORY_TO_GPU: init_user_pages()
     * registers an interval notifier over the range (amdgpu_hmm_register()), gets the pages with
     * hmm_range_fault() (writable: breaking COW), and the GPU page table maps them. No pin, no
     * accounting.
     *
     * @throws ErrnoException EINVAL for an unaligned address or length, or a length that is not
     *                        positive; EFAULT if a page has no writable VMA (amdgpu_ttm_tt_get_user_pages());
     *                        EADDRINUSE over an SVM range. Nothing stays registered.
     * @throws IllegalArgumentException for a process of another kernel
     * @throws IllegalStateException    for a process that exited
     */
    public KfdUserptr allocUserptr(Process process, long address, long length) {
        checkProcess(process);
        return ctx.call("AMDKFD_IOC_ALLOC_MEMORY_OF_GPU(USERPTR " + Kernel.hex(address) + ", " + length + ") for \"" + process.name() + "\"",
                () -> userptrs.alloc(kfdProcess(process), nextHandle++, address, length));
    }

    /**
     * AMDKFD_IOC_UNMAP_MEMORY_FROM_GPU and AMDKFD_IOC_FREE_MEMORY_OF_GPU: the GPU page table drops
     * the range and the notifier is removed (amdgpu_hmm_unregister()).
     *
     * @throws IllegalArgumentException for an allocation of another device
     * @throws IllegalStateException    if it was freed already
     */
    public void freeUserptr(KfdUserptr mem) {
        Objects.requireNonNull(mem, "mem");
        if (processes.get(mem.owner.process) != mem.owner) {
            throw new IllegalArgumentException(mem + " belongs to another device");
        }
        if (mem.freed) {
            throw new IllegalStateException(mem + " was freed already");
        }
        ctx.call("AMDKFD_IOC_FREE_MEMORY_OF_GPU(" + mem + ")", () -> {
            userptrs.free(mem);
            return null;
        });
    }

    /**
     * AMDKFD_IOC_CREATE_QUEUE: a user-mode compute queue of the process, mapped to the hardware
     * unless the process's queues are evicted now.
     *
     * @throws IllegalArgumentException for a process of another kernel
     * @throws IllegalStateException    for a process that exited
     */
    public KfdQueue createQueue(Process process) {
        checkProcess(process);
        return ctx.call("AMDKFD_IOC_CREATE_QUEUE for \"" + process.name() + "\"", () -> {
            KfdProcess kp = kfdProcess(process);
            KfdQueue q = new KfdQueue(nextQueue++, this, process);
            kp.queues.add(q);
            return q;
        });
    }

    /**
     * The process writes a dispatch that writes {@code data} at GPU virtual address {@code va} to
     * the queue and rings its doorbell: it runs now if the queue is active, else when the queues are
     * resumed. A page the GPU page table does not map is a GPU VM fault: with SVM the GPU retries it
     * through svm_range_restore_pages(), else the dispatch stops there.
     *
     * @throws IllegalArgumentException for a queue of another device, empty data, or a range that wraps
     * @throws IllegalStateException    for a queue of a process that exited
     */
    public KfdDispatch dispatchWrite(KfdQueue queue, long va, byte[] data) {
        Objects.requireNonNull(data, "data");
        return submit(queue, va, true, data.clone(), data.length);
    }

    /**
     * As {@link #dispatchWrite(KfdQueue, long, byte[])} for a dispatch that reads {@code length}
     * bytes at {@code va} ({@link KfdDispatch#readData()}).
     *
     * @throws IllegalArgumentException for a queue of another device, a length that is not positive, or a range that wraps
     * @throws IllegalStateException    for a queue of a process that exited
     */
    public KfdDispatch dispatchRead(KfdQueue queue, long va, int length) {
        return submit(queue, va, false, null, length);
    }

    private KfdDispatch submit(KfdQueue queue, long va, boolean write, byte[] data, int length) {
        Objects.requireNonNull(queue, "queue");
        if (queue.device != this) {
            throw new IllegalArgumentException(queue + " belongs to another device");
        }
        checkProcess(queue.process);
        if (length <= 0 || Long.compareUnsigned(va + length, va) < 0) {
            throw new IllegalArgumentException(length <= 0 ? "a dispatch touches at least one byte" : "the range wraps around the address space");
        }
        KfdDispatch d = new KfdDispatch(nextDispatch++, queue, va, write, data, length);
        return ctx.call("doorbell: " + d + " on queue " + queue.id, () -> {
            KfdProcess kp = processes.get(queue.process);
            if (kp.queuesEvicted) {
                queue.ring.add(d);
                ctx.trace("queue " + queue.id + " is evicted: " + d + " waits in the ring");
            } else {
                execute(kp, d);
            }
            return d;
        });
    }

    /**
     * amdgpu_amdkfd_restore_userptr_worker(), run now (the kernel runs it
     * AMDGPU_USERPTR_RESTORE_DELAY_MS after the first eviction): re-validates the invalid userptrs
     * with hmm_range_fault(), maps the new pages, and resumes the queues (running what waits in their
     * rings) unless an invalidation raced it, in which case it reschedules itself and returns false.
     *
     * @return whether the process's queues run now
     * @throws IllegalArgumentException for a process of another kernel
     * @throws IllegalStateException    for a process that exited
     */
    public boolean restoreUserptrs(Process process) {
        checkProcess(process);
        return ctx.call("restore_userptr_work for \"" + process.name() + "\"", () -> userptrs.restore(kfdProcess(process)));
    }

    /**
     * AMDKFD_IOC_SVM (KFD_IOCTL_SVM_OP_SET_ATTR): registers [start, start + length) as SVM ranges of
     * the process (svm_range_add(); a part already registered is kept), each with an interval
     * notifier. Nothing is mapped: the GPU faults pages in when it touches them.
     *
     * @throws ErrnoException EINVAL without SVM ({@link KfdSvm#NO_SVM_IOCTL}: kfd_ioctl() knows no
     *                        such command), or for an unaligned or empty range; EFAULT if a page
     *                        has no VMA (svm_range_is_valid()); EADDRINUSE over a userptr allocation
     *                        (svm_range_check_vm_userptr()). Nothing is registered.
     * @throws IllegalArgumentException for a process of another kernel
     * @throws IllegalStateException    for a process that exited
     */
    public void svmSetAttr(Process process, long start, long length) {
        checkProcess(process);
        ctx.call("AMDKFD_IOC_SVM(SET_ATTR " + Kernel.hex(start) + ", " + length + ") for \"" + process.name() + "\"", () -> {
            svm.setAttr(kfdProcess(process), start, length);
            return null;
        });
    }

    /**
     * What the process's GPU page table maps at the address now (a page-table walk, not a DMA), or
     * null.
     *
     * @throws IllegalArgumentException for a process of another kernel
     */
    public Frame gpuFrameAt(Process process, long va) {
        checkKernel(process);
        KfdProcess kp = processes.get(process);
        DevicePageTable.Entry e = kp == null ? null : kp.gpuvm.lookup(va);
        return e == null ? null : e.frame();
    }

    /** Whether the process's queues are evicted now (kgd2kfd_quiesce_mm() ran, the resume has not). */
    boolean queuesEvicted(Process process) {
        KfdProcess kp = processes.get(process);
        return kp != null && kp.queuesEvicted;
    }

    /** kgd2kfd_quiesce_mm() -&gt; kfd_process_evict_queues(): unmap (preempt) every queue of the process. */
    void quiesce(KfdProcess kp, String trigger) {
        if (kp.queuesEvicted) {
            return;
        }
        kp.queuesEvicted = true;
        ctx.trace("kgd2kfd_quiesce_mm(" + trigger + "): " + kp.queues.size() + " queue(s) of \"" + kp.process.name()
                + "\" preempted and unmapped (evict_process_queues_cpsch); the invalidation does not wait for any job");
    }

    /** kgd2kfd_resume_mm() -&gt; kfd_process_restore_queues(): map the queues again; the hardware runs what waits in the rings. */
    void resume(KfdProcess kp) {
        if (!kp.queuesEvicted) {
            return;
        }
        kp.queuesEvicted = false;
        ctx.trace("kgd2kfd_resume_mm: " + kp.queues.size() + " queue(s) of \"" + kp.process.name() + "\" mapped again (restore_process_queues_cpsch)");
        for (KfdQueue q : kp.queues) {
            while (!q.ring.isEmpty() && !kp.queuesEvicted) {
                execute(kp, q.ring.remove(0));
            }
        }
    }

    /** The GPU runs a dispatch: every page through the GPU page table, a missing page as a (retry) VM fault. */
    private void execute(KfdProcess kp, KfdDispatch d) {
        byte[] out = d.write ? null : new byte[d.length];
        int done = 0;
        while (done < d.length) {
            long a = d.va + done;
            int in = (int) (a & (Kernel.PAGE_SIZE - 1));
            int n = Math.min(d.length - done, Kernel.PAGE_SIZE - in);
            DevicePageTable.Entry e = kp.gpuvm.lookup(a);
            if (e == null || (d.write && !e.writable())) {
                String err = svm.retryFault(kp, a & ~(Kernel.PAGE_SIZE - 1L), d.write);
                if (err != null) {
                    d.state = KfdDispatch.State.VM_FAULT;
                    d.detail = err;
                    ctx.trace(d + ": " + err);
                    return;
                }
                e = kp.gpuvm.lookup(a);
            }
            if (d.write) {
                byte[] chunk = new byte[n];
                System.arraycopy(d.data, done, chunk, 0, n);
                ctx.dmaWrite(e.frame(), in, chunk, "queue " + d.queue.id);
            } else {
                System.arraycopy(ctx.dmaRead(e.frame(), in, n, "queue " + d.queue.id), 0, out, done, n);
            }
            done += n;
        }
        d.readData = out;
        d.state = KfdDispatch.State.DONE;
        d.detail = "ran through the GPU page table";
    }

    /** The process's kfd_process, created on first use (kfd_create_process() at open of /dev/kfd). */
    KfdProcess kfdProcess(Process p) {
        return processes.computeIfAbsent(p, KfdProcess::new);
    }

    boolean svmAvailable() {
        return kernel.model().get(KfdSvm.class) == KfdSvm.SVM_RETRY_FAULTS;
    }

    static ErrnoException einval(String fn, String why) {
        return new ErrnoException(Errno.EINVAL, fn, why);
    }

    private void checkProcess(Process p) {
        checkKernel(p);
        if (!p.isAlive()) {
            throw new IllegalStateException(p + " is not alive: it has exited; use a live process");
        }
    }

    private void checkKernel(Process p) {
        Objects.requireNonNull(p, "process");
        if (p.kernel() != kernel) {
            throw new IllegalArgumentException(name + " is attached to " + kernel + ", not to the kernel of " + p + "; create a device per kernel");
        }
    }

    @Override
    public String toString() {
        return name + " (amdkfd)";
    }
}
