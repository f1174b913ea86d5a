package io.pinsim.devices;

import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Frame;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MmuIntervalNotifier;
import io.pinsim.runtime.MmuNotifierRange;
import io.pinsim.runtime.spi.DevicePageTable;
import io.pinsim.runtime.spi.DriverContext;
import io.pinsim.runtime.spi.HmmRange;
import io.pinsim.runtime.trace.KernelLog;

/**
 * The on-demand-paging (ODP) half of {@link RdmaNic}'s driver: ib_umem_odp_get()'s interval
 * notifier and device page table, mlx5_ib_invalidate_range(), the device page faults of
 * pagefault_real_mr() and the DMA through the device page table. {@link RdmaNic} keeps the verbs
 * (ibv_reg_mr(), ibv_dereg_mr(), ibv_advise_mr(), work requests) and calls in here for ODP MRs.
 */
final class OdpPaging {
    /** HMM_RANGE_DEFAULT_TIMEOUT as a number of retries: a device fault gives up after this many -EBUSY rounds. */
    static final int FAULT_RETRIES = 16;

    private final DriverContext ctx;
    private final String name;
    private final boolean xltEmergencyPage;
    private final OdpFaultProtocol protocol;

    /**
     * @param ctx              the NIC's driver context
     * @param name             the NIC's name
     * @param xltEmergencyPage as {@link RdmaNic#RdmaNic(Kernel, String, boolean)}
     * @param protocol         how a device fault orders read_begin, hmm_range_fault, umem_mutex and read_retry
     */
    OdpPaging(DriverContext ctx, String name, boolean xltEmergencyPage, OdpFaultProtocol protocol) {
        this.ctx = ctx;
        this.name = name;
        this.xltEmergencyPage = xltEmergencyPage;
        this.protocol = protocol;
    }

    /** ib_umem_odp_get(): no pin and no accounting; mmu_interval_notifier_insert() over the MR and an empty device page table (mlx5 MTT). */
    MemoryRegion register(ProtectionDomain pd, int key, long address, long length, int access) {
        DevicePageTable dpt = new DevicePageTable();
        MemoryRegion[] self = new MemoryRegion[1];
        MmuIntervalNotifier sub = ctx.insertIntervalNotifier(pd.process(), address, length,
                (s, range, cur) -> invalidate(self[0], s, range, cur), "MR#" + key + " (ODP)", umemMutex(key));
        self[0] = new MemoryRegion(pd, key, address, length, access, null, sub, dpt);
        return self[0];
    }

    /** The name of an MR's umem_odp-&gt;umem_mutex, the lock its invalidation and its device faults take. */
    static String umemMutex(int key) {
        return "MR#" + key + ".umem_mutex";
    }

    /**
     * mlx5_ib_invalidate_range(): refuse a non-blockable range; otherwise, under umem_mutex, set the sequence, zap the
     * device's entries of the range with a UMR (whose translation buffer comes from
     * mlx5r_umr_alloc_xlt(): the full size, smaller sizes, then the preallocated emergency page) and
     * dirty the pages the device could write (ib_umem_odp_unmap_dma_pages()).
     */
    private boolean invalidate(MemoryRegion mr, MmuIntervalNotifier sub, MmuNotifierRange range, long curSeq) {
        if (!range.blockable()) {
            ctx.trace("MR#" + mr.key + ": refuses the non-blockable " + range + " (mlx5_ib_invalidate_range: !mmu_notifier_range_blockable)");
            return false;
        }
        ctx.lock(umemMutex(mr.key));
        try {
            return invalidateLocked(mr, sub, range, curSeq);
        } finally {
            ctx.unlock(umemMutex(mr.key));
        }
    }

    private boolean invalidateLocked(MemoryRegion mr, MmuIntervalNotifier sub, MmuNotifierRange range, long curSeq) {
        sub.setSeq(curSeq);
        long start = Math.max(range.start(), mr.address & ~(Kernel.PAGE_SIZE - 1L));
        long end = Math.min(range.end(), mr.address + mr.length);
        int mapped = mr.deviceTable.count(start, end);
        if (mapped == 0) {
            return true;
        }
        RdmaNic nic = mr.pd.nic(); // the NIC that registered the MR: a test may override its allocateXlt()
        if (!nic.allocateXlt(mapped, true) && !nic.allocateXlt(1, true)) {
            if (!xltEmergencyPage) {
                ctx.log(KernelLog.Level.WARN, name + ": MR#" + mr.key + ": cannot allocate a translation buffer to zap " + mapped + " device PTE(s); invalidation failed");
                ctx.trace("MR#" + mr.key + ": invalidation of " + range + " failed: no memory for the UMR buffer, the device keeps its " + mapped + " entries");
                return false;
            }
            ctx.trace("MR#" + mr.key + ": no memory for the UMR buffer, zapping page by page through xlt_emergency_page");
        }
        unmapPages(mr, start, end);
        ctx.trace("MR#" + mr.key + ": zapped " + mapped + " device PTE(s) of " + range + " (mlx5r_umr_update_xlt ZAP)");
        return true;
    }

    /** ib_umem_odp_unmap_dma_pages(): drops the device entries of [start, end) and set_page_dirty()s the pages the device could write. */
    void unmapPages(MemoryRegion mr, long start, long end) {
        for (DevicePageTable.Entry e : mr.deviceTable.zap(start, end)) {
            if (e.writable()) {
                ctx.setPageDirty(e.frame(), "MR#" + mr.key);
            }
        }
    }

    /** ib_umem_odp_release(): drops the device entries of the whole MR, dirtying the writable ones, then mmu_interval_notifier_remove(). */
    void release(MemoryRegion mr) {
        unmapPages(mr, mr.address, mr.address + mr.length);
        mr.notifier.remove();
    }

    /**
     * The DMA of a work request on an ODP MR at {@code va} (its bounds and access already checked):
     * the device page faults of pagefault_real_mr(), then page by page through the MTT.
     */
    Completion dma(WorkRequest wr, long va) {
        MemoryRegion mr = wr.mr;
        String fault = faultIn(mr, va, wr.length, wr.write);
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
    String faultIn(MemoryRegion mr, long va, int length, boolean write) {
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
            ctx.lock(umemMutex(mr.key));
            try {
                if (protocol != OdpFaultProtocol.NO_READ_RETRY && sub.readRetry(seq)) {
                    ctx.trace("MR#" + mr.key + ": an invalidation ran during the fault at " + Kernel.hex(page) + " (mmu_interval_read_retry), retrying");
                    continue;
                }
                map(mr, page, range);
            } finally {
                ctx.unlock(umemMutex(mr.key));
            }
            return null;
        }
        return "device page fault at " + Kernel.hex(page) + " kept racing invalidations (HMM_RANGE_DEFAULT_TIMEOUT)";
    }

    /** ib_umem_odp_map_dma_single_page() and mlx5r_umr_update_xlt(): the device maps what hmm_range_fault() returned. */
    void map(MemoryRegion mr, long page, HmmRange range) {
        mr.deviceTable.map(page, range.frames().get(0), range.writable().get(0));
        ctx.trace("MR#" + mr.key + ": device page fault at " + Kernel.hex(page) + " mapped frame #" + range.frames().get(0).pfn()
                + (range.writable().get(0) ? " writable" : " read-only"));
    }

    DriverContext ctx() {
        return ctx;
    }

    OdpFaultProtocol protocol() {
        return protocol;
    }
}
