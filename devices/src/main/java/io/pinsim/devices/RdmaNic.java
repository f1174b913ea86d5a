package io.pinsim.devices;

import io.pinsim.runtime.Advice;
import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Foll;
import io.pinsim.runtime.Frame;
import io.pinsim.runtime.GupPages;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MmuIntervalNotifier;
import io.pinsim.runtime.MmuNotifierRange;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.model.IbUmemGupFlags;
import io.pinsim.runtime.model.RdmaCopyOnFork;
import io.pinsim.runtime.spi.DevicePageTable;
import io.pinsim.runtime.spi.DriverContext;
import io.pinsim.runtime.spi.HmmRange;
import io.pinsim.runtime.trace.KernelLog;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.TreeMap;

/**
 * An RDMA NIC (mlx5-like) with its kernel driver and the libibverbs behaviour that matters:
 * <ul>
 * <li>pinned memory regions as ib_umem_get() makes them: pinned_vm charged against RLIMIT_MEMLOCK,
 *     pin_user_pages_fast(FOLL_LONGTERM ...) with the model's {@link IbUmemGupFlags}; the NIC's DMA
 *     goes to the pinned frames whatever the CPU page tables map; deregistration unpins and dirties;</li>
 * <li>on-demand paging (ODP) regions: an interval notifier, a device page table filled by device
 *     page faults (hmm_range_fault()), an invalidation that zaps it (mlx5_ib_invalidate_range());</li>
 * <li>rdma-core's ibv_fork_init(): MADV_DONTFORK on every registered range, unless the kernel
 *     reports copy-on-fork.</li>
 * </ul>
 * Work requests stay posted until processed; their completions go to the NIC's completion queue.
 * The class is open for extension so a test can inject faults into the driver
 * ({@link #allocateXlt(int, boolean)}).
 */
public class RdmaNic {
    /** HMM_RANGE_DEFAULT_TIMEOUT as a number of retries: a device fault gives up after this many -EBUSY rounds. */
    static final int FAULT_RETRIES = 16;

    private final Kernel kernel;
    private final DriverContext ctx;
    private final String name;
    private final boolean xltEmergencyPage;
    private final CompletionQueue cq = new CompletionQueue();
    private final List<WorkRequest> posted = new ArrayList<>();
    private final Map<Process, ForkState> forkStates = new IdentityHashMap<>();
    private int nextPd = 1;
    private int nextKey = 0x100;
    private long nextWr = 1;

    /** libibverbs' per-process fork state and its page-granular MADV_DONTFORK reference counts. */
    private static final class ForkState {
        ForkStatus status = ForkStatus.DISABLED;
        boolean registered;
        final NavigableMap<Long, Integer> dontfork = new TreeMap<>();
    }

    /** An mlx5-like NIC whose ODP invalidation never fails for lack of memory (xlt_emergency_page). */
    public RdmaNic(Kernel kernel, String name) {
        this(kernel, name, true);
    }

    /**
     * @param xltEmergencyPage whether the ODP invalidation falls back to a preallocated page when it
     *                         cannot allocate its translation buffer (mlx5r_umr_alloc_xlt() does);
     *                         without it the invalidation fails
     */
    public RdmaNic(Kernel kernel, String name, boolean xltEmergencyPage) {
        this.kernel = Objects.requireNonNull(kernel, "kernel");
        this.name = Objects.requireNonNull(name, "name");
        this.xltEmergencyPage = xltEmergencyPage;
        this.ctx = kernel.attachDevice(name);
    }

    public String name() {
        return name;
    }

    public Kernel kernel() {
        return kernel;
    }

    /** The NIC's completion queue. */
    public CompletionQueue cq() {
        return cq;
    }

    /** ibv_alloc_pd(). */
    public ProtectionDomain allocPd(Process p) {
        checkProcess(p);
        return ctx.call("ibv_alloc_pd() for \"" + p.name() + "\"", () -> new ProtectionDomain(this, p, nextPd++));
    }

    /**
     * ibv_fork_init() in process p: MADV_DONTFORK on every range registered from now on, or nothing
     * if the kernel reports copy-on-fork (IBV_FORK_UNNEEDED).
     *
     * @throws ErrnoException EINVAL if a region was already registered ("too_late" in libibverbs memory.c)
     */
    public ForkStatus ibvForkInit(Process p) {
        checkProcess(p);
        return ctx.call("ibv_fork_init() in \"" + p.name() + "\"", () -> {
            ForkState s = forkStates.computeIfAbsent(p, x -> new ForkState());
            if (s.registered && s.status == ForkStatus.DISABLED) {
                throw new ErrnoException(Errno.EINVAL, "ibv_fork_init", "a memory region was registered before ibv_fork_init() (libibverbs: too_late)");
            }
            s.status = kernel.model().get(RdmaCopyOnFork.class) == RdmaCopyOnFork.REPORTED ? ForkStatus.UNNEEDED : ForkStatus.ENABLED;
            ctx.trace("ibv_fork_init(): " + s.status + (s.status == ForkStatus.UNNEEDED ? " (the kernel reports copy-on-fork, 6cc9e215eb27)" : " (MADV_DONTFORK on registered ranges)"));
            return s.status;
        });
    }

    /** ibv_is_fork_initialized() in process p. */
    public ForkStatus forkStatus(Process p) {
        ForkState s = forkStates.get(p);
        return s == null ? ForkStatus.DISABLED : s.status;
    }

    /**
     * ibv_reg_mr(pd, address, length, access). A pinned MR follows ib_umem_get(); with
     * {@link IbAccess#ON_DEMAND} it is an ODP MR (ib_umem_odp_get(): no pin, an interval notifier).
     *
     * @throws ErrnoException EINVAL for a zero or overflowing length or unknown access bits; ENOMEM
     *                        past RLIMIT_MEMLOCK; what GUP refuses: EFAULT for unmapped or
     *                        PROT_NONE memory and (6.5+) writable ext4 shared mappings,
     *                        EOPNOTSUPP for fs-DAX. Nothing stays registered, pinned or charged.
     */
    public MemoryRegion regMr(ProtectionDomain pd, long address, long length, int access) {
        Objects.requireNonNull(pd, "pd");
        checkOwned(pd, pd);
        Process p = pd.process();
        checkProcess(p);
        String call = "ibv_reg_mr(" + Kernel.hex(address) + ", " + length + ", " + IbAccess.describe(access) + ")";
        return ctx.call(call, () -> {
            if ((access & ~IbAccess.KNOWN) != 0) {
                throw new ErrnoException(Errno.EINVAL, "ibv_reg_mr", "unknown access flags 0x" + Integer.toHexString(access & ~IbAccess.KNOWN));
            }
            if (length <= 0 || address < 0 || address + length < address || address + length > Kernel.TASK_SIZE) {
                throw new ErrnoException(Errno.EINVAL, "ibv_reg_mr", length <= 0 ? "length must be positive" : "address + length overflows (ib_umem_get)");
            }
            long first = address & ~(Kernel.PAGE_SIZE - 1L);
            int npages = (int) ((address + length - first + Kernel.PAGE_SIZE - 1) >>> Kernel.PAGE_SHIFT);
            int key = nextKey++;
            if ((access & IbAccess.ON_DEMAND) != 0) {
                return regOdp(pd, key, address, length, access);
            }
            int flags = Foll.LONGTERM;
            boolean writable = IbAccess.writable(access);
            if (kernel.model().get(IbUmemGupFlags.class) == IbUmemGupFlags.WRITE_FORCE_IF_READONLY) {
                flags |= Foll.WRITE | (writable ? 0 : Foll.FORCE);
            } else if (writable) {
                flags |= Foll.WRITE;
            }
            ForkState fs = forkStates.computeIfAbsent(p, x -> new ForkState());
            dontfork(p, fs, first, npages);
            boolean charged = false;
            GupPages pages = null;
            try {
                ctx.accountPinnedVm(p, npages);
                charged = true;
                pages = ctx.pinUserPagesFast(p, first, npages, flags, "MR#" + key);
                if (pages.count() < npages) {
                    throw new ErrnoException(Errno.EFAULT, "ibv_reg_mr", "only " + pages.count() + " of " + npages + " pages could be pinned (ib_umem_get)");
                }
            } catch (ErrnoException e) {
                // undo in reverse: the pins, pinned_vm, libibverbs' MADV_DONTFORK
                if (pages != null) {
                    pages.unpin(false);
                }
                if (charged) {
                    ctx.unaccountPinnedVm(p, npages);
                }
                dofork(p, fs, first, npages);
                throw e;
            }
            fs.registered = true;
            return new MemoryRegion(pd, key, address, length, access, pages, null, null);
        });
    }

    /** ib_umem_odp_get(): no pin and no accounting; mmu_interval_notifier_insert() over the MR and an empty device page table (mlx5 MTT). */
    private MemoryRegion regOdp(ProtectionDomain pd, int key, long address, long length, int access) {
        DevicePageTable dpt = new DevicePageTable();
        MemoryRegion[] self = new MemoryRegion[1];
        MmuIntervalNotifier sub = ctx.insertIntervalNotifier(pd.process(), address, length,
                (s, range, cur) -> invalidateOdp(self[0], s, range, cur), "MR#" + key + " (ODP)");
        self[0] = new MemoryRegion(pd, key, address, length, access, null, sub, dpt);
        return self[0];
    }

    /**
     * mlx5_ib_invalidate_range(): refuse a non-blockable range; otherwise set the sequence, zap the
     * device's entries of the range with a UMR (whose translation buffer comes from
     * mlx5r_umr_alloc_xlt(): the full size, smaller sizes, then the preallocated emergency page) and
     * dirty the pages the device could write (ib_umem_odp_unmap_dma_pages()).
     */
    private boolean invalidateOdp(MemoryRegion mr, MmuIntervalNotifier sub, MmuNotifierRange range, long curSeq) {
        if (!range.blockable()) {
            ctx.trace("MR#" + mr.key + ": refuses the non-blockable " + range + " (mlx5_ib_invalidate_range: !mmu_notifier_range_blockable)");
            return false;
        }
        sub.setSeq(curSeq);
        long start = Math.max(range.start(), mr.address & ~(Kernel.PAGE_SIZE - 1L));
        long end = Math.min(range.end(), mr.address + mr.length);
        int mapped = mr.deviceTable.count(start, end);
        if (mapped == 0) {
            return true;
        }
        if (!allocateXlt(mapped, true) && !allocateXlt(1, true)) {
            if (!xltEmergencyPage) {
                ctx.log(KernelLog.Level.WARN, name + ": MR#" + mr.key + ": cannot allocate a translation buffer to zap " + mapped + " device PTE(s); invalidation failed");
                ctx.trace("MR#" + mr.key + ": invalidation of " + range + " failed: no memory for the UMR buffer, the device keeps its " + mapped + " entries");
                return false;
            }
            ctx.trace("MR#" + mr.key + ": no memory for the UMR buffer, zapping page by page through xlt_emergency_page");
        }
        unmapOdpPages(mr, start, end);
        ctx.trace("MR#" + mr.key + ": zapped " + mapped + " device PTE(s) of " + range + " (mlx5r_umr_update_xlt ZAP)");
        return true;
    }

    /** ib_umem_odp_unmap_dma_pages(): drops the device entries of [start, end) and set_page_dirty()s the pages the device could write. */
    private void unmapOdpPages(MemoryRegion mr, long start, long end) {
        for (DevicePageTable.Entry e : mr.deviceTable.zap(start, end)) {
            if (e.writable()) {
                ctx.setPageDirty(e.frame(), "MR#" + mr.key);
            }
        }
    }

    /**
     * Allocates the translation buffer a UMR needs (mlx5r_umr_alloc_xlt(): GFP_ATOMIC inside an
     * invalidation). The model always has memory; a test overrides this to inject an allocation
     * failure into the driver.
     *
     * @param entries the translation entries to update
     * @param atomic  whether the caller may not sleep or reclaim (inside an invalidation)
     * @return whether the buffer could be allocated
     */
    protected boolean allocateXlt(int entries, boolean atomic) {
        return true;
    }

    /**
     * ibv_dereg_mr(): a pinned MR is unpinned - marking the pages dirty if it was writable
     * (ib_umem_release(): unpin_user_page_range_dirty_lock(.., umem->writable && dirty)) - and
     * pinned_vm returned; an ODP MR drops its device entries, dirtying the writable ones, then removes
     * its notifier (ib_umem_odp_release(): ib_umem_odp_unmap_dma_pages(), mmu_interval_notifier_remove()).
     * libibverbs then undoes its MADV_DONTFORK.
     */
    public void deregMr(MemoryRegion mr) {
        Objects.requireNonNull(mr, "mr");
        checkOwned(mr.pd, mr);
        if (mr.deregistered) {
            throw new IllegalStateException(mr + " was already deregistered: ibv_dereg_mr() on a freed MR is a use-after-free in libibverbs");
        }
        ctx.call("ibv_dereg_mr(MR#" + mr.key + ")", () -> {
            mr.deregistered = true;
            Process p = mr.process();
            if (mr.pages != null) {
                mr.pages.unpin(mr.isWritable());
                ctx.unaccountPinnedVm(p, mr.pages.count());
                ForkState fs = forkStates.get(p);
                if (fs != null && p.isAlive()) {
                    dofork(p, fs, mr.pages.start(), mr.pages.count());
                }
            } else {
                unmapOdpPages(mr, mr.address, mr.address + mr.length);
                mr.notifier.remove();
            }
            return null;
        });
    }

    /** Posts a work request in which the NIC writes {@code data} into the MR at {@code offset} (an incoming RDMA WRITE or a RECV; ibv_post_recv()). */
    public WorkRequest postWrite(MemoryRegion mr, long offset, byte[] data) {
        Objects.requireNonNull(data, "data");
        return post(mr, true, offset, data.clone(), data.length);
    }

    /** Posts a work request in which the NIC reads {@code length} bytes of the MR at {@code offset} (a SEND or an incoming RDMA READ; ibv_post_send()). */
    public WorkRequest postRead(MemoryRegion mr, long offset, int length) {
        return post(mr, false, offset, null, length);
    }

    private WorkRequest post(MemoryRegion mr, boolean write, long offset, byte[] data, int length) {
        Objects.requireNonNull(mr, "mr");
        checkLive(mr, "posting");
        WorkRequest wr = new WorkRequest(nextWr++, mr, write, offset, data, length);
        posted.add(wr);
        return wr;
    }

    /** The work requests posted and not processed yet, oldest first. */
    public List<WorkRequest> posted() {
        return List.copyOf(posted);
    }

    /** Processes every posted work request, oldest first, as the NIC would; each leaves a CQE (ibv_poll_cq()). */
    public void processAll() {
        for (WorkRequest wr : List.copyOf(posted)) {
            process(wr);
        }
    }

    /** Processes one posted work request now: its DMA and its completion (the CQE ibv_poll_cq() returns). */
    public void process(WorkRequest wr) {
        if (!posted.remove(wr)) {
            throw new IllegalStateException(wr + " is not posted on " + name);
        }
        ctx.call("process WR#" + wr.id + " (" + (wr.write ? "write " : "read ") + wr.length + " bytes at MR#" + wr.mr.key + "+" + wr.offset + ")", () -> {
            wr.completion = execute(wr);
            cq.add(wr.completion);
            if (wr.completion.status() != WcStatus.SUCCESS) {
                ctx.trace("WR#" + wr.id + " completed with " + wr.completion.status() + ": " + wr.completion.detail());
            }
            return null;
        });
    }

    /**
     * The DMA of a work request: bounds and access checks (IB_WC_LOC_PROT_ERR, IB_WC_REM_ACCESS_ERR),
     * then through the pinned umem pages, or through the ODP MTT after the device page faults of
     * pagefault_real_mr().
     */
    private Completion execute(WorkRequest wr) {
        MemoryRegion mr = wr.mr;
        if (wr.offset < 0 || wr.offset + wr.length > mr.length) {
            return new Completion(wr.id, WcStatus.LOC_PROT_ERR, 0, "access " + wr.offset + "+" + wr.length + " outside MR#" + mr.key + " of " + mr.length + " bytes; nothing was written");
        }
        if (wr.write && !mr.isWritable()) {
            return new Completion(wr.id, WcStatus.REM_ACCESS_ERR, 0, "MR#" + mr.key + " is not writable (" + IbAccess.describe(mr.access) + ")");
        }
        long va = mr.address + wr.offset;
        if (mr.pages != null) {
            long inPages = va - mr.pages.start();
            if (wr.write) {
                mr.pages.write(inPages, wr.data);
            } else {
                wr.readData = mr.pages.read(inPages, wr.length);
            }
            return new Completion(wr.id, WcStatus.SUCCESS, wr.length, "DMA through the pinned pages");
        }
        String fault = odpFaultIn(mr, va, wr.length, wr.write);
        if (fault != null) {
            return new Completion(wr.id, WcStatus.REM_ACCESS_ERR, 0, fault);
        }
        byte[] out = wr.write ? null : new byte[wr.length];
        int done = 0;
        while (done < wr.length) {
            long a = va + done;
            int in = (int) (a & (Kernel.PAGE_SIZE - 1));
            int n = Math.min(wr.length - done, Kernel.PAGE_SIZE - in);
            Frame f = mr.deviceTable.lookup(a).frame();
            if (wr.write) {
                byte[] chunk = new byte[n];
                System.arraycopy(wr.data, done, chunk, 0, n);
                ctx.dmaWrite(f, in, chunk, "MR#" + mr.key);
            } else {
                System.arraycopy(ctx.dmaRead(f, in, n, "MR#" + mr.key), 0, out, done, n);
            }
            done += n;
        }
        wr.readData = out;
        return new Completion(wr.id, WcStatus.SUCCESS, wr.length, "DMA through the device page table");
    }

    /**
     * The device page faults of an ODP access (pagefault_real_mr() -> ib_umem_odp_map_dma_and_lock()):
     * for each page the device has no (writable enough) entry for, read_begin, hmm_range_fault(),
     * and under umem_mutex read_retry; a retry on -EBUSY or a moved sequence, up to the timeout.
     *
     * @return null on success, else why the access failed
     */
    private String odpFaultIn(MemoryRegion mr, long va, int length, boolean write) {
        long end = va + length;
        for (long page = va & ~(Kernel.PAGE_SIZE - 1L); page < end; page += Kernel.PAGE_SIZE) {
            DevicePageTable.Entry e = mr.deviceTable.lookup(page);
            if (e != null && (!write || e.writable())) {
                continue;
            }
            String err = faultPage(mr, page, write);
            if (err != null) {
                return err;
            }
        }
        return null;
    }

    /**
     * One page of ib_umem_odp_map_dma_and_lock(): mmu_interval_read_begin(), hmm_range_fault(),
     * then under umem_mutex mmu_interval_read_retry(); retry on -EBUSY or a moved sequence up to
     * HMM_RANGE_DEFAULT_TIMEOUT. Returns null on success, else why it failed.
     */
    private String faultPage(MemoryRegion mr, long page, boolean write) {
        MmuIntervalNotifier sub = mr.notifier;
        for (int attempt = 0; attempt < FAULT_RETRIES; attempt++) {
            long seq = sub.readBegin();
            HmmRange range;
            try {
                range = ctx.hmmRangeFault(sub, seq, page, 1, write);
            } catch (ErrnoException e) {
                if (e.errno() == Errno.EBUSY) {
                    ctx.trace("MR#" + mr.key + ": hmm_range_fault -EBUSY at " + Kernel.hex(page) + ", retrying");
                    continue;
                }
                return "device page fault at " + Kernel.hex(page) + " failed: " + e.getMessage();
            }
            if (sub.readRetry(seq)) {
                ctx.trace("MR#" + mr.key + ": an invalidation ran during the fault at " + Kernel.hex(page) + " (mmu_interval_read_retry), retrying");
                continue;
            }
            mr.deviceTable.map(page, range.frames().get(0), range.writable().get(0));
            ctx.trace("MR#" + mr.key + ": device page fault at " + Kernel.hex(page) + " mapped frame #" + range.frames().get(0).pfn()
                    + (range.writable().get(0) ? " writable" : " read-only"));
            return null;
        }
        return "device page fault at " + Kernel.hex(page) + " kept racing invalidations (HMM_RANGE_DEFAULT_TIMEOUT)";
    }

    /**
     * ibv_advise_mr(IBV_ADVISE_MR_ADVICE_PREFETCH[_WRITE], IB_UVERBS_ADVISE_MR_FLAG_FLUSH): fault
     * the range of an ODP MR into the device page table now (mlx5_ib_advise_mr_prefetch() -&gt;
     * pagefault_mr()).
     *
     * @throws ErrnoException EPERM for a write prefetch of a read-only MR; EFAULT if a page cannot be faulted
     */
    public void advise(MemoryRegion mr, long offset, int length, boolean write) {
        Objects.requireNonNull(mr, "mr");
        checkLive(mr, "advising");
        ctx.call("ibv_advise_mr(MR#" + mr.key + ", " + offset + ", " + length + (write ? ", PREFETCH_WRITE)" : ", PREFETCH)"), () -> {
            if (!mr.isOnDemand()) {
                throw new ErrnoException(Errno.EOPNOTSUPP, "ibv_advise_mr", "MR#" + mr.key + " is not an ODP MR");
            }
            if (write && !mr.isWritable()) {
                throw new ErrnoException(Errno.EPERM, "ibv_advise_mr", "PREFETCH_WRITE of a read-only MR");
            }
            if (offset < 0 || length <= 0 || offset + length > mr.length) {
                throw new ErrnoException(Errno.EINVAL, "ibv_advise_mr", "range outside MR#" + mr.key);
            }
            String err = odpFaultIn(mr, mr.address + offset, length, write);
            if (err != null) {
                throw new ErrnoException(Errno.EFAULT, "ibv_advise_mr", err);
            }
            return null;
        });
    }

    /** A PD or MR of another NIC is a test bug: its handles mean nothing to this device. */
    private void checkOwned(ProtectionDomain pd, Object what) {
        if (pd.nic() != this) {
            throw new IllegalArgumentException(what + " belongs to " + pd.nic().name() + ", not to " + name);
        }
    }

    /** An MR of this NIC that is still registered: its key means nothing after ibv_dereg_mr(). */
    private void checkLive(MemoryRegion mr, String doing) {
        checkOwned(mr.pd, mr);
        if (mr.deregistered) {
            throw new IllegalStateException(mr + " is deregistered; register it again before " + doing);
        }
    }

    private void checkProcess(Process p) {
        Objects.requireNonNull(p, "process");
        if (p.kernel() != kernel) {
            throw new IllegalArgumentException(name + " is attached to " + kernel + ", not to the kernel of " + p + "; create a device per kernel");
        }
        if (!p.isAlive()) {
            throw new IllegalStateException(p + " is not alive");
        }
    }

    /** libibverbs ibv_dontfork_range(): page-granular reference counts; MADV_DONTFORK on pages going from 0 to 1. */
    private void dontfork(Process p, ForkState fs, long first, int npages) {
        if (fs.status != ForkStatus.ENABLED) {
            return;
        }
        forRuns(p, fs, first, npages, +1, Advice.DONTFORK);
    }

    /** libibverbs ibv_dofork_range(): MADV_DOFORK on pages whose count drops to 0. */
    private void dofork(Process p, ForkState fs, long first, int npages) {
        if (fs.status != ForkStatus.ENABLED) {
            return;
        }
        forRuns(p, fs, first, npages, -1, Advice.DOFORK);
    }

    /** libibverbs ibv_madvise_range(): updates the per-page counts and madvise()s each run of pages whose count crossed zero. */
    private void forRuns(Process p, ForkState fs, long first, int npages, int delta, Advice advice) {
        long runStart = -1;
        for (int i = 0; i <= npages; i++) {
            long page = first + ((long) i << Kernel.PAGE_SHIFT);
            boolean edge = false;
            if (i < npages) {
                int before = fs.dontfork.getOrDefault(page, 0);
                int after = before + delta;
                if (after <= 0) {
                    fs.dontfork.remove(page);
                } else {
                    fs.dontfork.put(page, after);
                }
                edge = delta > 0 ? before == 0 : after == 0;
            }
            if (edge && runStart < 0) {
                runStart = page;
            } else if (!edge && runStart >= 0) {
                p.madvise(runStart, page - runStart, advice);
                runStart = -1;
            }
        }
    }

    @Override
    public String toString() {
        return "RDMA NIC " + name;
    }
}
