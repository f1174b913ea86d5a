package io.pinsim.devices;

import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.GupPages;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.spi.DriverContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An RDMA NIC (mlx5-like) with its kernel driver and the libibverbs behaviour that matters:
 * <ul>
 * <li>pinned memory regions as ib_umem_get() makes them: pinned_vm charged against RLIMIT_MEMLOCK,
 *     pin_user_pages_fast(FOLL_LONGTERM ...) with the model's {@link io.pinsim.runtime.model.IbUmemGupFlags}; the NIC's DMA
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
    private final Kernel kernel;
    private final DriverContext ctx;
    private final String name;
    private final OdpPaging odp;
    private final CompletionQueue cq = new CompletionQueue();
    private final List<WorkRequest> posted = new ArrayList<>();
    private final IbvForkInit fork;
    private final UmemPinning umem;
    private final List<AsyncEvent> asyncEvents = new ArrayList<>();
    private int nextPd = 1;
    private int nextKey = 0x100;
    private long nextWr = 1;

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
        this(kernel, name, xltEmergencyPage, OdpFaultProtocol.MLX5);
    }

    /**
     * A NIC whose ODP device faults follow {@code protocol}: mlx5's, or a driver's that gets the
     * interval-notifier protocol wrong (for {@link NaiveOdpNic} and tests).
     *
     * @param xltEmergencyPage as {@link #RdmaNic(Kernel, String, boolean)}
     * @param protocol         how a device fault orders read_begin, hmm_range_fault(), umem_mutex and read_retry
     */
    protected RdmaNic(Kernel kernel, String name, boolean xltEmergencyPage, OdpFaultProtocol protocol) {
        this.kernel = Objects.requireNonNull(kernel, "kernel");
        this.name = Objects.requireNonNull(name, "name");
        this.ctx = DriverContext.attach(kernel, name);
        this.fork = new IbvForkInit(kernel, ctx);
        this.umem = new UmemPinning(kernel, ctx);
        this.odp = new OdpPaging(ctx, name, xltEmergencyPage, Objects.requireNonNull(protocol, "protocol"));
    }

    /** @return the device name, {@code mlx5_0} */
    public String name() {
        return name;
    }

    /** @return the kernel the NIC DMAs into */
    public Kernel kernel() {
        return kernel;
    }

    /** The NIC's completion queue. */
    public CompletionQueue cq() {
        return cq;
    }

    /** The asynchronous events posted so far, oldest first (ibv_get_async_event(); see {@link AsyncEvent}). */
    public List<AsyncEvent> asyncEvents() {
        return List.copyOf(asyncEvents);
    }

    /** ibv_alloc_pd(). */
    public ProtectionDomain allocPd(Process process) {
        checkProcess(process);
        return ctx.call("ibv_alloc_pd() for \"" + process.name() + "\"", () -> new ProtectionDomain(this, process, nextPd++));
    }

    /**
     * ibv_fork_init() in process p: MADV_DONTFORK on every range registered from now on, or nothing
     * if the kernel reports copy-on-fork (IBV_FORK_UNNEEDED).
     *
     * @throws ErrnoException EINVAL if a region was already registered ("too_late" in libibverbs memory.c)
     */
    public ForkStatus ibvForkInit(Process process) {
        checkProcess(process);
        return ctx.call("ibv_fork_init() in \"" + process.name() + "\"", () -> fork.init(process));
    }

    /** ibv_is_fork_initialized() in the process (alive or not). */
    public ForkStatus forkStatus(Process process) {
        checkKernel(process);
        IbvForkInit.State s = fork.peek(process);
        return s == null ? ForkStatus.DISABLED : s.status;
    }

    /**
     * ibv_reg_mr(pd, address, length, access). A pinned MR follows ib_umem_get(); with
     * {@link IbAccess#ON_DEMAND} it is an ODP MR (ib_umem_odp_get(): no pin, an interval notifier).
     *
     * @throws ErrnoException EINVAL for a zero or overflowing length, unknown access bits, or
     *                        REMOTE_WRITE or REMOTE_ATOMIC without LOCAL_WRITE (ib_check_mr_access()); ENOMEM
     *                        past RLIMIT_MEMLOCK, or for more than 2^31 - 1 pages (the model pins them
     *                        in one call); what GUP refuses: EFAULT for unmapped or
     *                        PROT_NONE memory and (6.5+) writable ext4 shared mappings,
     *                        EOPNOTSUPP for fs-DAX. Nothing stays registered, pinned or charged.
     * @throws IllegalArgumentException for a PD of another NIC
     * @throws IllegalStateException    for a PD of a process that exited
     */
    public MemoryRegion regMr(ProtectionDomain pd, long address, long length, int access) {
        Objects.requireNonNull(pd, "pd");
        checkOwned(pd, pd);
        Process p = pd.process();
        checkProcess(p);
        String call = "ibv_reg_mr(" + Kernel.hex(address) + ", " + length + ", " + IbAccess.describe(access) + ")";
        return ctx.call(call, () -> {
            long npages = UmemPinning.checkArguments(address, length, access);
            long first = address & ~(Kernel.PAGE_SIZE - 1L);
            int key = nextKey++;
            if ((access & IbAccess.ON_DEMAND) != 0) {
                return odp.register(pd, key, address, length, access);
            }
            int flags = umem.gupFlags(access);
            umem.checkPageCount(p, npages);
            IbvForkInit.State fs = fork.of(p);
            fork.dontfork(p, fs, first, (int) npages);
            GupPages pages;
            try {
                pages = umem.pinAll(p, first, (int) npages, flags, "MR#" + key);
            } catch (ErrnoException e) {
                fork.dofork(p, fs, first, (int) npages); // libibverbs undoes its MADV_DONTFORK
                throw e;
            }
            fs.registered = true;
            MemoryRegion mr = new MemoryRegion(pd, key, address, length, access, pages, null, null);
            ctx.onRevoke(pages, new MrRevoker(ctx, mr, asyncEvents)); // used only by TruncatePinnedPage.PROPOSAL_NOTIFY_THEN_DUMMY_PAGE
            return mr;
        });
    }

    /**
     * {@link #regMr} of a pinned MR as the steps another thread can observe, for the schedule
     * explorer: libibverbs' MADV_DONTFORK and the pinned_vm charge, then one step per chunk that
     * ib_umem_get() pins with one GUP call (512 pages: a page-list page of pointers), the last one
     * creating the MR; see {@link MrRegistrationSteps}. A failure (ENOMEM, EFAULT, ...) ends the
     * steps with nothing pinned or charged; {@code result()} rethrows it.
     *
     * @throws ErrnoException           as {@link #regMr} for bad arguments, before any step
     * @throws IllegalArgumentException for an ODP MR ({@link IbAccess#ON_DEMAND}: it pins nothing;
     *                                  register it with {@link #regMr} and step its device faults
     *                                  with {@link #adviseSteps}), or a PD of another NIC
     * @throws IllegalStateException    for a PD of a process that exited
     */
    public MrRegistrationSteps regMrSteps(ProtectionDomain pd, long address, long length, int access) {
        Objects.requireNonNull(pd, "pd");
        checkOwned(pd, pd);
        Process p = pd.process();
        checkProcess(p);
        long npages = UmemPinning.checkArguments(address, length, access);
        if ((access & IbAccess.ON_DEMAND) != 0) {
            throw new IllegalArgumentException("an ODP MR (IB_ACCESS_ON_DEMAND) pins nothing: register it with regMr() and step its device faults with adviseSteps()");
        }
        umem.checkPageCount(p, npages);
        return new MrRegistrationSteps(umem, fork, pd, nextKey++, address, length, access, npages);
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
     * ({@code ib_umem_release(): unpin_user_page_range_dirty_lock(.., umem->writable && dirty)}) - and
     * pinned_vm returned; an ODP MR drops its device entries, dirtying the writable ones, then removes
     * its notifier (ib_umem_odp_release(): ib_umem_odp_unmap_dma_pages(), mmu_interval_notifier_remove()).
     * libibverbs then undoes its MADV_DONTFORK (ibv_dofork_range(), whose result ibv_dereg_mr() ignores).
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
                umem.release(mr);
                IbvForkInit.State fs = fork.peek(p);
                if (fs != null && p.isAlive()) {
                    fork.dofork(p, fs, mr.pages.start(), mr.pages.count());
                }
            } else {
                odp.release(mr);
            }
            return null;
        });
    }

    /** Posts a work request in which the NIC writes {@code data} into the MR at {@code offset} (an incoming RDMA WRITE or a RECV; ibv_post_recv()). */
    public WorkRequest postWrite(MemoryRegion mr, long offset, byte[] data) {
        Objects.requireNonNull(data, "data");
        return post(mr, true, offset, data.clone(), data.length);
    }

    /**
     * Posts a work request in which the NIC reads {@code length} bytes of the MR at {@code offset} (a
     * SEND or an incoming RDMA READ; ibv_post_send()). Like an incoming write, a range outside the
     * MR is accepted here and completes with {@link WcStatus#LOC_PROT_ERR}.
     *
     * @throws IllegalArgumentException for a negative length (an SGE's length is unsigned)
     */
    public WorkRequest postRead(MemoryRegion mr, long offset, int length) {
        if (length < 0) {
            throw new IllegalArgumentException("length " + length + " must not be negative: the SGE length is a u32");
        }
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
        Objects.requireNonNull(wr, "wr");
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
        if (wr.offset < 0 || wr.offset > mr.length - wr.length) {
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
        return odp.dma(wr, va);
    }

    /**
     * ibv_advise_mr(IBV_ADVISE_MR_ADVICE_PREFETCH[_WRITE], IB_UVERBS_ADVISE_MR_FLAG_FLUSH): fault
     * the range of an ODP MR into the device page table now (mlx5_ib_advise_mr_prefetch() -&gt;
     * pagefault_mr()).
     *
     * @throws ErrnoException EOPNOTSUPP for a pinned MR; EPERM for a write prefetch of a read-only MR;
     *                        EINVAL for a length that is not positive; EFAULT for a range outside the
     *                        MR (pagefault_mr()) or a page that cannot be faulted
     */
    public void advise(MemoryRegion mr, long offset, int length, boolean write) {
        Objects.requireNonNull(mr, "mr");
        checkLive(mr, "advising");
        ctx.call("ibv_advise_mr(MR#" + mr.key + ", " + offset + ", " + length + (write ? ", PREFETCH_WRITE)" : ", PREFETCH)"), () -> {
            checkAdvise(mr, offset, length, write);
            String err = odp.faultIn(mr, mr.address + offset, length, write);
            if (err != null) {
                throw new ErrnoException(Errno.EFAULT, "ibv_advise_mr", err);
            }
            return null;
        });
    }

    /**
     * {@link #advise} as the steps of its device page faults, to interleave with a munmap or
     * MADV_DONTNEED of the process ({@code Task.munmapSteps}) in the schedule explorer: per page,
     * mmu_interval_read_begin() (waits while an invalidation of the MR is in progress),
     * hmm_range_fault() under mmap_read_lock (waits while mmap_lock is held for write), take
     * umem_mutex (waits while an invalidation holds it), mmu_interval_read_retry() and retry or map,
     * unlock; in the order of the NIC's {@link OdpFaultProtocol}. A fault that fails (the range was
     * unmapped: EFAULT) ends the steps; {@code failure()} of the result says why.
     *
     * @throws ErrnoException as {@link #advise}, before any step
     */
    public OdpFaultSteps adviseSteps(MemoryRegion mr, long offset, int length, boolean write) {
        Objects.requireNonNull(mr, "mr");
        checkLive(mr, "advising");
        checkAdvise(mr, offset, length, write);
        return new OdpFaultSteps(odp, mr, mr.address + offset, length, write);
    }

    private static void checkAdvise(MemoryRegion mr, long offset, int length, boolean write) {
        if (!mr.isOnDemand()) {
            throw new ErrnoException(Errno.EOPNOTSUPP, "ibv_advise_mr", "MR#" + mr.key + " is not an ODP MR");
        }
        if (write && !mr.isWritable()) {
            throw new ErrnoException(Errno.EPERM, "ibv_advise_mr", "PREFETCH_WRITE of a read-only MR");
        }
        if (length <= 0) {
            throw new ErrnoException(Errno.EINVAL, "ibv_advise_mr", "length " + length + " must be positive");
        }
        if (offset < 0 || offset > mr.length - length) {
            throw new ErrnoException(Errno.EFAULT, "ibv_advise_mr", "range " + offset + "+" + length + " outside MR#" + mr.key + " of " + mr.length
                    + " bytes (pagefault_mr)");
        }
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
        return "RDMA NIC " + name;
    }
}
