package io.pinsim.runtime;

import io.pinsim.runtime.spi.DriverContext;
import io.pinsim.runtime.spi.HmmRange;
import io.pinsim.runtime.trace.KernelLog;
import io.pinsim.runtime.trace.TraceKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/** The runtime's implementation of the driver SPI for one attached device. */
final class DeviceContext implements DriverContext {
    private final Kernel kernel;
    private final String name;

    DeviceContext(Kernel kernel, String name) {
        this.kernel = kernel;
        this.name = name;
    }

    @Override
    public String deviceName() {
        return name;
    }

    @Override
    public Kernel kernel() {
        return kernel;
    }

    @Override
    public <T> T call(String what, Supplier<T> body) {
        return kernel.op(name, what, -1, body);
    }

    private Process mine(Process p) {
        Objects.requireNonNull(p, "process");
        if (p.kernel != kernel) {
            throw new IllegalArgumentException("device " + name + " is attached to " + kernel + ", not to the kernel of " + p
                    + "; attach a device to each kernel it serves");
        }
        p.requireAlive();
        return p;
    }

    private String holder(String what) {
        return what == null || what.isBlank() ? name : name + " " + what;
    }

    @Override
    public GupPages pinUserPages(Process p, long address, int nrPages, int gupFlags, String what) {
        return mine(p).pinUserPages(address, nrPages, gupFlags, holder(what));
    }

    @Override
    public GupPages pinUserPagesFast(Process p, long address, int nrPages, int gupFlags, String what) {
        return mine(p).pinUserPagesFast(address, nrPages, gupFlags, holder(what));
    }

    @Override
    public GupPages getUserPages(Process p, long address, int nrPages, int gupFlags, String what) {
        return mine(p).getUserPages(address, nrPages, gupFlags, holder(what));
    }

    @Override
    public void accountPinnedVm(Process p, long nrPages) {
        mine(p).accountPinnedVm(nrPages, name);
    }

    @Override
    public void unaccountPinnedVm(Process p, long nrPages) {
        Objects.requireNonNull(p, "process").unaccountPinnedVm(nrPages);
    }

    @Override
    public void accountLockedVm(Process p, long nrPages) {
        mine(p).accountLockedVm(nrPages, name);
    }

    @Override
    public void unaccountLockedVm(Process p, long nrPages) {
        Objects.requireNonNull(p, "process").unaccountLockedVm(nrPages);
    }

    @Override
    public MmuIntervalNotifier insertIntervalNotifier(Process p, long start, long length, MmuIntervalNotifierOps ops, String what) {
        return mine(p).insertIntervalNotifier(start, length, ops, holder(what));
    }

    /**
     * hmm_range_fault() (mm/hmm.c): walk the range; a page that is not present, or not writable for
     * a write, is faulted in with handle_mm_fault() and the walk restarts; the walk ends with -EBUSY
     * whenever mmu_interval_check_retry() sees the sequence moved. VMA checks as hmm_vma_walk_test()
     * and hmm_vma_fault(): no VM_READ is -EFAULT, a write without VM_WRITE -EPERM.
     */
    @Override
    public HmmRange hmmRangeFault(MmuIntervalNotifier sub, long notifierSeq, long start, int nrPages, boolean write) {
        Objects.requireNonNull(sub, "sub");
        Process p = mine(sub.process());
        Mm mm = p.mm;
        String call = "hmm_range_fault(" + Kernel.hex(start) + ", " + nrPages + " pages" + (write ? ", HMM_PFN_REQ_WRITE" : "") + ")";
        return kernel.op(name, call, start, () -> {
            long first = start >>> Kernel.PAGE_SHIFT;
            List<Frame> frames = new ArrayList<>(nrPages);
            List<Boolean> writable = new ArrayList<>(nrPages);
            // the walk resumes where it faulted (hmm_vma_walk.last); a fault changes only that page, and any
            // invalidation of the interval is caught by mmu_interval_check_retry() before the walk goes on
            int i = 0;
            for (int restarts = 0; restarts < 2 * nrPages + 4; restarts++) {
                if (sub.checkRetry(notifierSeq)) {
                    throw new ErrnoException(Errno.EBUSY, "hmm_range_fault", "the interval was invalidated since read_begin (mmu_interval_check_retry): retry");
                }
                boolean faulted = false;
                while (i < nrPages && !faulted) {
                    long vpn = first + i;
                    Vma v = mm.findVma(vpn);
                    if (v == null || (v.flags & Vma.VM_READ) == 0) {
                        throw new ErrnoException(Errno.EFAULT, "hmm_range_fault", (v == null ? "no VMA" : v + " is not readable") + " at " + Kernel.hex(vpn << Kernel.PAGE_SHIFT));
                    }
                    long pte = mm.pt.get(vpn);
                    boolean present = Pte.isPresent(pte);
                    if (present && (!write || Pte.isWrite(pte))) {
                        frames.add(Pte.pfn(pte) == 0 ? kernel.zeroPage() : kernel.frameOfPte(pte));
                        writable.add(Pte.isWrite(pte));
                        i++;
                        continue;
                    }
                    if (write && (v.flags & Vma.VM_WRITE) == 0) {
                        throw new ErrnoException(Errno.EPERM, "hmm_range_fault", "write fault on " + v + " which is not writable (hmm_vma_fault)");
                    }
                    Faults.Result r = new Faults(kernel).handleMmFault(mm, v, vpn, write ? Faults.WRITE : 0, name);
                    if (r == Faults.Result.OOM) {
                        throw new ErrnoException(Errno.ENOMEM, "hmm_range_fault", "out of memory faulting " + Kernel.hex(vpn << Kernel.PAGE_SHIFT));
                    }
                    if (r == Faults.Result.SIGBUS) {
                        throw new ErrnoException(Errno.EFAULT, "hmm_range_fault", "VM_FAULT_SIGBUS at " + Kernel.hex(vpn << Kernel.PAGE_SHIFT));
                    }
                    faulted = true;
                }
                if (!faulted) {
                    return new HmmRange(start, notifierSeq, frames, writable);
                }
            }
            throw new KernelBugException("hmm-range-fault-loop", call + " did not settle", kernel.trace().render());
        });
    }

    @Override
    public void dmaWrite(Frame frame, int offset, byte[] data, String what) {
        Objects.requireNonNull(frame, "frame");
        Kernel.checkRange(offset, data.length);
        requireLive(frame);
        if (frame.isZeroPage()) {
            throw new IllegalStateException(name + " must never write the shared zero page (map it writable first: fault with write)");
        }
        kernel.run(name, "DMA write " + data.length + " bytes into frame #" + frame.pfn() + (what == null ? "" : " (" + what + ")"), -1, () -> {
            frame.content.write(offset, data, 0, data.length);
            kernel.wrote(frame);
            kernel.trace().record(name, TraceKind.DMA, -1, frame.pfn(), "DMA wrote " + data.length + " bytes into frame #" + frame.pfn()
                    + (frame.isInPageCache() || frame.isAnon() ? "" : " (an orphaned page: no file or process sees it)"));
        });
    }

    @Override
    public byte[] dmaRead(Frame frame, int offset, int length, String what) {
        Objects.requireNonNull(frame, "frame");
        requireLive(frame);
        return kernel.op(name, "DMA read " + length + " bytes of frame #" + frame.pfn() + (what == null ? "" : " (" + what + ")"), -1, () -> frame.read(offset, length));
    }

    private void requireLive(Frame frame) {
        if (frame.isFree()) {
            throw new KernelBugException("dma-to-freed-frame", name + " accessed frame #" + frame.pfn() + " after it was freed: the device held no reference",
                    kernel.trace().render());
        }
    }

    @Override
    public void setPageDirty(Frame frame, String what) {
        Objects.requireNonNull(frame, "frame");
        if (!frame.isZeroPage()) {
            Inode.setPageDirty(frame, holder(what));
        }
    }

    @Override
    public void log(KernelLog.Level level, String text) {
        kernel.log().print(kernel.trace().step(), level, text);
    }

    @Override
    public void trace(String what) {
        kernel.trace().record(name, TraceKind.INFO, -1, -1, what);
    }

    @Override
    public String toString() {
        return "driver context of " + name;
    }
}
