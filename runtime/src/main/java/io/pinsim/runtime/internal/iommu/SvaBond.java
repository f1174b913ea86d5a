package io.pinsim.runtime.internal.iommu;

import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.KernelBugException;
import io.pinsim.runtime.MmuNotifierEvent;
import io.pinsim.runtime.MmuNotifierListener;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.internal.mm.Faults;
import io.pinsim.runtime.internal.mm.Mm;
import io.pinsim.runtime.internal.mm.MmCore;
import io.pinsim.runtime.internal.mm.MmOwner;
import io.pinsim.runtime.internal.mm.Page;
import io.pinsim.runtime.internal.mm.Pte;
import io.pinsim.runtime.internal.mm.VmArea;
import io.pinsim.runtime.model.SvaMmExit;
import io.pinsim.runtime.spi.IoPageFaultException;
import io.pinsim.runtime.spi.IommuSva;
import io.pinsim.runtime.spi.IommuSvaOps;
import io.pinsim.runtime.trace.KernelLog;
import io.pinsim.runtime.trace.TraceKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One SVA bond (struct iommu_sva) and the IOMMU's view of its PASID: an IOTLB of translations
 * taken from the CPU page table by the IOMMU's walk, dropped by the IOMMU's mmu notifier
 * (arm_smmu_mm_invalidate_range(), intel_invalidate_range(); -&gt;arch_invalidate_secondary_tlbs()
 * from 6.6), and I/O page faults served by {@link #handleIopf}. The IOTLB is that of an SMMU
 * without broadcast TLB maintenance: it keeps read-only entries until told to drop them (the
 * configuration 6bbd42e2df8f's series was written for).
 */
public final class SvaBond implements IommuSva, MmuNotifierListener {
    /** One cached translation: the frame and whether the walk found the PTE writable. */
    private record Entry(Page page, boolean writable) {
    }

    private final Iommu iommu;
    private final MmCore core;
    final String device;
    final MmOwner process;
    final Mm mm;
    final int pasid;
    private final IommuSvaOps ops;
    int users = 1;
    private boolean bound = true;
    private boolean aborted;
    private final TreeMap<Long, Entry> iotlb = new TreeMap<>();

    SvaBond(Iommu iommu, String device, MmOwner process, int pasid, IommuSvaOps ops) {
        this.iommu = iommu;
        this.core = iommu.core;
        this.device = device;
        this.process = process;
        this.mm = process.mm();
        this.pasid = pasid;
        this.ops = ops;
    }

    @Override
    public int pasid() {
        return pasid;
    }

    @Override
    public Process process() {
        return process;
    }

    @Override
    public boolean isBound() {
        return bound;
    }

    @Override
    public boolean isAborted() {
        return aborted;
    }

    @Override
    public List<Long> iotlbEntries() {
        List<Long> out = new ArrayList<>();
        for (long vpn : iotlb.keySet()) {
            out.add(vpn << Kernel.PAGE_SHIFT);
        }
        return out;
    }

    @Override
    public byte[] dmaRead(long address, int length, String what) {
        if (length < 0) {
            throw new IllegalArgumentException("length " + length + " must not be negative");
        }
        checkRange(address, length);
        return core.op(device, "DMA read " + length + " bytes at " + Kernel.hex(address) + " (PASID " + pasid + ")" + suffix(what), address, () -> {
            List<Page> pages = translateAll(address, length, false);
            byte[] out = new byte[length];
            int pos = 0;
            for (Page p : pages) {
                int off = (int) ((address + pos) & (Kernel.PAGE_SIZE - 1));
                int n = Math.min(length - pos, Kernel.PAGE_SIZE - off);
                p.content().read(off, out, pos, n);
                pos += n;
            }
            return out;
        });
    }

    @Override
    public void dmaWrite(long address, byte[] data, String what) {
        Objects.requireNonNull(data, "data");
        checkRange(address, data.length);
        core.run(device, "DMA write " + data.length + " bytes at " + Kernel.hex(address) + " (PASID " + pasid + ")" + suffix(what), address, () -> {
            List<Page> pages = translateAll(address, data.length, true);
            int pos = 0;
            for (Page p : pages) {
                int off = (int) ((address + pos) & (Kernel.PAGE_SIZE - 1));
                int n = Math.min(data.length - pos, Kernel.PAGE_SIZE - off);
                p.content().write(off, data, pos, n);
                p.flags |= Page.DIRTY;
                core.wrote(p);
                pos += n;
            }
            core.trace().record(device, TraceKind.DMA, address, pages.isEmpty() ? -1 : pages.get(0).pfn(), "DMA wrote " + data.length + " bytes at "
                    + Kernel.hex(address) + " of \"" + process.name() + "\" through PASID " + pasid + (pages.isEmpty() ? "" : " (frame #" + pages.get(0).pfn() + ")"));
        });
    }

    private void checkRange(long address, int length) {
        if (!bound) {
            throw new IllegalStateException(device + ": the bond of \"" + process.name() + "\" (PASID " + pasid + ") was unbound; bind again before DMA");
        }
        if (length > 0 && Long.compareUnsigned(address + length - 1, address) < 0) {
            throw new IllegalArgumentException("range " + Kernel.hex(address) + "+" + length + " wraps past 2^64");
        }
    }

    private static String suffix(String what) {
        return what == null || what.isBlank() ? "" : " (" + what + ")";
    }

    /** Every page of the range, translated (faulted in) before any byte moves. */
    private List<Page> translateAll(long address, int length, boolean write) {
        List<Page> out = new ArrayList<>();
        if (length == 0) {
            return out;
        }
        long first = address >>> Kernel.PAGE_SHIFT;
        long last = (address + length - 1) >>> Kernel.PAGE_SHIFT;
        for (long vpn = first; vpn <= last; vpn++) {
            out.add(translate(vpn, write));
        }
        return out;
    }

    /**
     * The IOMMU's translation of one page: an IOTLB hit with the right permission, else a walk of
     * the CPU page table, else a page request served by {@link #handleIopf}, then a retry. A
     * served fault after which the IOTLB still returns the same read-only entry is the endless
     * fault of an IOTLB that missed a permission upgrade.
     */
    private Page translate(long vpn, boolean write) {
        long addr = vpn << Kernel.PAGE_SHIFT;
        boolean served = false;
        for (int attempt = 0; attempt < 3; attempt++) {
            if (aborted) {
                throw fail(IoPageFaultException.Kind.PASID_ABORTED, addr, write, "the PASID entry was cleared when \"" + process.name()
                        + "\"'s address space exited: the IOMMU aborts the transaction (no page request)");
            }
            Entry e = iotlb.get(vpn);
            if (e != null && (!write || e.writable())) {
                return live(e.page(), addr);
            }
            if (e == null) {
                long pte = mm.pt.get(vpn);
                if (Pte.isPresent(pte) && (!write || Pte.isWrite(pte))) {
                    Page p = Pte.pfn(pte) == 0 ? core.zeroPage() : core.frameOfPte(pte);
                    if (write && mm.pt.getPmd(vpn) != 0) {
                        // a PMD-mapped THP or hugetlb folio: the walk sets the huge entry's dirty bit
                        mm.pt.setPmd(vpn, mm.pt.getPmd(vpn) | Pte.DIRTY | Pte.YOUNG);
                    } else if (write) {
                        mm.pt.set(vpn, pte | Pte.DIRTY | Pte.YOUNG);
                    }
                    iotlb.put(vpn, new Entry(p, Pte.isWrite(pte)));
                    return live(p, addr);
                }
            } else if (served) {
                String why = "the IOTLB still holds the read-only translation of " + Kernel.hex(addr) + " (frame #" + e.page().pfn()
                        + ") although the CPU PTE is writable: the permission upgrade sent no notifier (ptep_set_access_flags(), fixed by 6bbd42e2df8f in 6.6)";
                core.log().print(core.trace().step(), KernelLog.Level.INFO, "iommu: " + device + " PASID " + pasid + ": page request for " + Kernel.hex(addr)
                        + " answered, the device faults again on the same address");
                throw fail(IoPageFaultException.Kind.STALE_IOTLB, addr, write, why);
            }
            handleIopf(addr, write);
            served = true;
        }
        throw new KernelBugException("iopf-loop", "the I/O page fault at " + Kernel.hex(addr) + " did not resolve", core.trace().render());
    }

    private Page live(Page p, long addr) {
        if (p.isFree()) {
            throw new KernelBugException("dma-to-freed-frame", device + " reached frame #" + p.pfn() + " at " + Kernel.hex(addr)
                    + " through a stale IOTLB entry of PASID " + pasid + ": the frame was freed and no invalidation dropped the entry", core.trace().render());
        }
        return p;
    }

    /**
     * iommu_sva_handle_iopf() (io-pgfault.c; iommu_sva_handle_mm() in later kernels): with a live
     * mm (mmget_not_zero()), under mmap_read_lock(), vma_lookup(); the access must be allowed by
     * vma-&gt;vm_flags; then handle_mm_fault(vma, addr, FAULT_FLAG_REMOTE [| FAULT_FLAG_WRITE]).
     * Anything else answers IOMMU_PAGE_RESP_INVALID and the device reports the error.
     */
    private void handleIopf(long addr, boolean write) {
        core.trace().record(device, TraceKind.FAULT, addr, -1, "I/O page fault: " + (write ? "write" : "read") + " at " + Kernel.hex(addr) + ", PASID " + pasid
                + ": page request to the IOPF queue (iommu_report_device_fault)");
        String invalid = null;
        VmArea v = mm.findVma(vpnOf(addr));
        if (!process.isAlive()) {
            invalid = "the address space is gone (mmget_not_zero() failed)";
        } else if (v == null) {
            invalid = "no VMA at " + Kernel.hex(addr) + " (vma_lookup)";
        } else if ((v.flags & (write ? VmArea.VM_WRITE : VmArea.VM_READ)) == 0) {
            invalid = v + " does not allow a " + (write ? "write" : "read") + " (access_flags & ~vma->vm_flags)";
        } else {
            Faults.Result r = new Faults(core).handlePteFault(mm, v, vpnOf(addr), write ? Faults.WRITE : 0, device);
            if (r != Faults.Result.OK) {
                invalid = "handle_mm_fault() returned VM_FAULT_" + (r == Faults.Result.OOM ? "OOM" : "SIGBUS");
            }
        }
        if (invalid != null) {
            core.trace().record(device, TraceKind.FAULT, addr, -1, "page response IOMMU_PAGE_RESP_INVALID: " + invalid);
            throw fail(IoPageFaultException.Kind.RESPONSE_INVALID, addr, write, "IOMMU_PAGE_RESP_INVALID: " + invalid);
        }
        core.trace().record(device, TraceKind.FAULT, addr, -1, "page response IOMMU_PAGE_RESP_SUCCESS: handle_mm_fault() on behalf of \"" + process.name() + "\"");
    }

    private static long vpnOf(long addr) {
        return addr >>> Kernel.PAGE_SHIFT;
    }

    private IoPageFaultException fail(IoPageFaultException.Kind kind, long addr, boolean write, String why) {
        IoPageFaultException e = new IoPageFaultException(device, pasid, kind, addr, write, why);
        core.trace().record(device, TraceKind.FAULT, addr, -1, e.getMessage());
        return e;
    }

    @Override
    public void unbind() {
        if (!bound) {
            throw new IllegalStateException(device + ": the bond of \"" + process.name() + "\" (PASID " + pasid + ") is unbound already; unbind once per bind");
        }
        core.run(device, "iommu_sva_unbind_device(PASID " + pasid + ")", -1, () -> {
            if (--users > 0) {
                return;
            }
            bound = false;
            iotlb.clear();
            mm.subscriptions.listeners.remove(this);
            iommu.unbound(this);
            core.trace().record(device, TraceKind.INFO, -1, -1, "unbound \"" + process.name() + "\" from PASID " + pasid + ": IOTLB flushed, mmu notifier unregistered");
        });
    }

    // ------------------------------------------------------------------ the IOMMU's mmu notifier

    @Override
    public boolean invalidateRangeStart(Process p, MmuNotifierEvent event, long start, long end, boolean blockable) {
        return true;
    }

    @Override
    public void invalidateRangeEnd(Process p, MmuNotifierEvent event, long start, long end) {
        // the IOMMU flushes in invalidateSecondaryTlbs(), which runs first
    }

    /** The IOTLB and ATC flush for [start, end) of this PASID (arm_smmu_mm_invalidate_range()). */
    @Override
    public void invalidateSecondaryTlbs(Process p, long start, long end) {
        long s = start >>> Kernel.PAGE_SHIFT;
        long e = (end + Kernel.PAGE_SIZE - 1) >>> Kernel.PAGE_SHIFT;
        var range = iotlb.subMap(s, e);
        if (!range.isEmpty()) {
            int n = range.size();
            range.clear();
            core.trace().record(device, TraceKind.NOTIFIER, start, -1, "IOTLB/ATC invalidation of PASID " + pasid + ": " + n + " entr" + (n == 1 ? "y" : "ies")
                    + " in " + Kernel.hex(start) + "-" + Kernel.hex(end) + " dropped");
        }
    }

    /**
     * The IOMMU's -&gt;release at exit_mmap(): with {@link SvaMmExit#MM_EXIT_OP} the driver's
     * mm_exit() first; then the PASID entry is cleared (intel_mm_release(): "clearing the entry in
     * the PASID table and then flushing the IOTLB"), so later DMA with this PASID aborts.
     */
    @Override
    public void release(Process p) {
        if (core.model().get(SvaMmExit.class) == SvaMmExit.MM_EXIT_OP && ops != null) {
            core.trace().record(device, TraceKind.NOTIFIER, -1, -1, "iommu_sva_ops->mm_exit(PASID " + pasid + "): \"" + process.name() + "\"'s address space is exiting");
            ops.mmExit(this);
        }
        aborted = true;
        iotlb.clear();
        core.trace().record(device, TraceKind.NOTIFIER, -1, -1, "mm release: PASID " + pasid + " entry cleared, IOTLB flushed; DMA and page requests with it are aborted until unbind");
    }

    @Override
    public String toString() {
        return "SVA bond of " + device + " to \"" + process.name() + "\" (PASID " + pasid + ")";
    }
}
