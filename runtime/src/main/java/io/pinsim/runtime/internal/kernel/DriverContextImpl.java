package io.pinsim.runtime.internal.kernel;

import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Frame;
import io.pinsim.runtime.GupPages;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.KernelBugException;
import io.pinsim.runtime.MmuIntervalNotifier;
import io.pinsim.runtime.MmuIntervalNotifierOps;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.internal.dma_buf.DmaFenceContextImpl;
import io.pinsim.runtime.internal.dma_buf.DmaResvImpl;
import io.pinsim.runtime.internal.locking.DmaResvLockdep;
import io.pinsim.runtime.internal.locking.LockClass;
import io.pinsim.runtime.internal.locking.LockMode;
import io.pinsim.runtime.internal.mm.Accounting;
import io.pinsim.runtime.internal.mm.DeviceMigration;
import io.pinsim.runtime.internal.mm.Faults;
import io.pinsim.runtime.internal.mm.HmmWalk;
import io.pinsim.runtime.internal.mm.Mm;
import io.pinsim.runtime.internal.mm.MmCore;
import io.pinsim.runtime.internal.mm.MmuIntervalNotifierImpl;
import io.pinsim.runtime.internal.mm.Page;
import io.pinsim.runtime.internal.mm.Pte;
import io.pinsim.runtime.internal.mm.VmArea;
import io.pinsim.runtime.model.DmaResvLockdepPriming;
import io.pinsim.runtime.spi.DeviceFile;
import io.pinsim.runtime.spi.DevicePagemap;
import io.pinsim.runtime.spi.DevicePagemapOps;
import io.pinsim.runtime.spi.DmaFenceContext;
import io.pinsim.runtime.spi.DmaResv;
import io.pinsim.runtime.spi.DriverContext;
import io.pinsim.runtime.spi.Gfp;
import io.pinsim.runtime.spi.HmmPfn;
import io.pinsim.runtime.spi.HmmRange;
import io.pinsim.runtime.spi.IommuSva;
import io.pinsim.runtime.spi.IommuSvaOps;
import io.pinsim.runtime.trace.KernelLog;
import io.pinsim.runtime.trace.TraceKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/** The runtime's implementation of the driver SPI for one attached device. */
final class DriverContextImpl implements DriverContext {
    private final KernelImpl kernel;
    private final String name;

    DriverContextImpl(KernelImpl kernel, String name) {
        this.kernel = kernel;
        this.name = name;
    }

    @Override
    public String deviceName() {
        return name;
    }

    @Override
    public KernelImpl kernel() {
        return kernel;
    }

    @Override
    public <T> T call(String what, Supplier<T> body) {
        Objects.requireNonNull(what, "what");
        Objects.requireNonNull(body, "body");
        return kernel.core.op(name, what, -1, body);
    }

    /** A process of the kernel this device is attached to, alive or not. */
    private ProcessImpl ofThisKernel(Process process) {
        Objects.requireNonNull(process, "process");
        if (!(process instanceof ProcessImpl p) || p.kernel != kernel) {
            throw new IllegalArgumentException("device " + name + " is attached to " + kernel + ", not to the kernel of " + process
                    + "; attach a device to each kernel it serves");
        }
        return p;
    }

    private ProcessImpl mine(Process process) {
        Objects.requireNonNull(process, "process");
        if (!(process instanceof ProcessImpl p) || p.kernel != kernel) {
            throw new IllegalArgumentException("device " + name + " is attached to " + kernel + ", not to the kernel of " + process
                    + "; attach a device to each kernel it serves");
        }
        p.requireAlive();
        return p;
    }

    /**
     * A page count for the accounting calls: never negative (a negative charge would be an uncharge),
     * never more pages than the user address space has (the sum would overflow the counter).
     */
    private static void requireCount(String call, long nrPages) {
        if (nrPages < 0) {
            throw new IllegalArgumentException(call + "(.., " + nrPages + "): the page count must not be negative; "
                    + (call.startsWith("un") ? "return what was charged" : "use un" + Character.toLowerCase(call.charAt(0)) + call.substring(1) + " to return pages"));
        }
        if (nrPages > Kernel.TASK_SIZE >>> Kernel.PAGE_SHIFT) {
            throw new IllegalArgumentException(call + "(.., " + nrPages + "): more pages than the user address space has ("
                    + (Kernel.TASK_SIZE >>> Kernel.PAGE_SHIFT) + "); charge the pages the device pins");
        }
    }

    private String holder(String what) {
        return what == null || what.isBlank() ? name : name + " " + what;
    }

    /**
     * Runs a GUP on behalf of the device under mmap_read_lock(), as its callers hold it
     * (pin_user_pages() and get_user_pages() require it; amdgpu_ttm_tt_get_user_pages() and
     * ib_umem_get() take it), so lockdep sees the device's task take {@code mmap_lock}.
     */
    private <T> T underMmapReadLock(Supplier<T> gup) {
        String actor = kernel.fences.actor(name);
        kernel.core.lockdep().acquire(actor, LockClass.MMAP_LOCK, LockMode.READ);
        try {
            return gup.get();
        } finally {
            kernel.core.lockdep().release(actor, LockClass.MMAP_LOCK);
        }
    }

    @Override
    public GupPages pinUserPages(Process process, long address, int nrPages, int gupFlags, String what) {
        ProcessImpl p = mine(process);
        return underMmapReadLock(() -> p.pinUserPages(address, nrPages, gupFlags, holder(what)));
    }

    @Override
    public GupPages pinUserPagesFast(Process process, long address, int nrPages, int gupFlags, String what) {
        return mine(process).pinUserPagesFast(address, nrPages, gupFlags, holder(what));
    }

    @Override
    public GupPages getUserPages(Process process, long address, int nrPages, int gupFlags, String what) {
        ProcessImpl p = mine(process);
        return underMmapReadLock(() -> p.getUserPages(address, nrPages, gupFlags, holder(what)));
    }

    @Override
    public void accountPinnedVm(Process process, long nrPages) {
        requireCount("accountPinnedVm", nrPages);
        Accounting.accountPinnedVm(mine(process), nrPages, name);
    }

    @Override
    public void unaccountPinnedVm(Process process, long nrPages) {
        requireCount("unaccountPinnedVm", nrPages);
        Accounting.unaccountPinnedVm(ofThisKernel(process), nrPages);
    }

    @Override
    public void accountLockedVm(Process process, long nrPages) {
        requireCount("accountLockedVm", nrPages);
        Accounting.accountLockedVm(mine(process), nrPages, name);
    }

    @Override
    public void unaccountLockedVm(Process process, long nrPages) {
        requireCount("unaccountLockedVm", nrPages);
        Accounting.unaccountLockedVm(ofThisKernel(process), nrPages);
    }

    @Override
    public MmuIntervalNotifier insertIntervalNotifier(Process process, long start, long length, MmuIntervalNotifierOps ops, String what) {
        MmuIntervalNotifierImpl sub = mine(process).insertIntervalNotifier(start, length, ops, holder(what));
        sub.driver = name;
        return sub;
    }

    @Override
    public MmuIntervalNotifier insertIntervalNotifier(Process process, long start, long length, MmuIntervalNotifierOps ops, String what, String invalidateLock) {
        Objects.requireNonNull(invalidateLock, "invalidateLock");
        String lock = lockId(invalidateLock);
        ProcessImpl p = mine(process);
        p.requireAlive();
        return p.mm.insertIntervalNotifier(start, length, ops, holder(what), lock, name);
    }

    /**
     * hmm_range_fault() (mm/hmm.c): walk the range; a page that is not present, or not writable for
     * a write, is faulted in with handle_mm_fault() and the walk restarts; the walk ends with -EBUSY
     * whenever mmu_interval_check_retry() sees the sequence moved. VMA checks as hmm_vma_walk_test()
     * and hmm_vma_fault(): no VM_READ is -EFAULT, a write without VM_WRITE -EPERM.
     */
    @Override
    public HmmRange hmmRangeFault(MmuIntervalNotifier subscription, long notifierSeq, long start, int nrPages, boolean write) {
        MmuIntervalNotifierImpl sub = MmuIntervalNotifierImpl.of(subscription, kernel.core);
        if (sub.isRemoved()) {
            throw new IllegalStateException("hmm_range_fault() with " + sub.name() + ", which was removed: insert a notifier for the range first");
        }
        ProcessImpl p = mine(sub.process());
        Mm mm = p.mm;
        String call = "hmm_range_fault(" + Kernel.hex(start) + ", " + nrPages + " pages" + (write ? ", HMM_PFN_REQ_WRITE" : "") + ")";
        // the driver's mmap_read_lock() (amdgpu_hmm_range_get_pages(), dmirror_range_fault()) and the faults' sleeping
        // locks: a stepped munmap holding mmap_lock for write made this fault pages back into the range it was zapping
        // (fuzzer seed 0, sequence 866: PTEs left outside every VMA)
        io.pinsim.runtime.internal.mm.MmapLockWait.forRead(mm, call);
        if (nrPages > 0) {
            io.pinsim.runtime.internal.mm.MmapLockWait.forAccess(mm, start, (long) nrPages << Kernel.PAGE_SHIFT, write, call);
        }
        return underMmapReadLock(() -> kernel.core.op(name, call, start, () -> {
            if (nrPages <= 0) {
                throw new ErrnoException(Errno.EINVAL, "hmm_range_fault", nrPages + " pages: the range is empty (walk_page_range: start >= end)");
            }
            long first = start >>> Kernel.PAGE_SHIFT;
            List<Page> frames = new ArrayList<>(Math.min(nrPages, 512));
            List<Boolean> writable = new ArrayList<>(Math.min(nrPages, 512));
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
                    VmArea v = mm.findVma(vpn);
                    if (v == null || (v.flags & VmArea.VM_READ) == 0) {
                        throw new ErrnoException(Errno.EFAULT, "hmm_range_fault", (v == null ? "no VMA" : v + " is not readable") + " at " + Kernel.hex(vpn << Kernel.PAGE_SHIFT));
                    }
                    long pte = mm.pt.get(vpn);
                    boolean present = Pte.isPresent(pte);
                    if (present && (!write || Pte.isWrite(pte))) {
                        frames.add(Pte.pfn(pte) == 0 ? kernel.zeroPage() : kernel.core.frameOfPte(pte));
                        writable.add(Pte.isWrite(pte));
                        i++;
                        continue;
                    }
                    if (write && (v.flags & VmArea.VM_WRITE) == 0) {
                        throw new ErrnoException(Errno.EPERM, "hmm_range_fault", "write fault on " + v + " which is not writable (hmm_vma_fault)");
                    }
                    Faults.Result r = new Faults(kernel.core).handlePteFault(mm, v, vpn, write ? Faults.WRITE : 0, name);
                    if (r == Faults.Result.OOM) {
                        throw new ErrnoException(Errno.ENOMEM, "hmm_range_fault", "out of memory faulting " + Kernel.hex(vpn << Kernel.PAGE_SHIFT));
                    }
                    if (r == Faults.Result.SIGBUS) {
                        throw new ErrnoException(Errno.EFAULT, "hmm_range_fault", "VM_FAULT_SIGBUS at " + Kernel.hex(vpn << Kernel.PAGE_SHIFT));
                    }
                    faulted = true;
                }
                if (!faulted) {
                    return new HmmRange(start, notifierSeq, new ArrayList<Frame>(frames), writable);
                }
            }
            throw new KernelBugException("hmm-range-fault-loop", call + " did not settle", kernel.trace().render());
        }));
    }

    @Override
    public List<HmmPfn> hmmRangeFault(MmuIntervalNotifier subscription, long notifierSeq, long start, int nrPages, int reqFlags, Object devPrivateOwner) {
        MmuIntervalNotifierImpl sub = MmuIntervalNotifierImpl.of(subscription, kernel.core);
        if (sub.isRemoved()) {
            throw new IllegalStateException("hmm_range_fault() with " + sub.name() + ", which was removed: insert a notifier for the range first");
        }
        ProcessImpl p = mine(sub.process());
        String call = "hmm_range_fault(" + Kernel.hex(start) + ", " + nrPages + " pages" + ((reqFlags & HmmPfn.REQ_FAULT) == 0 ? ", snapshot"
                : (reqFlags & HmmPfn.REQ_WRITE) != 0 ? ", HMM_PFN_REQ_WRITE" : "") + ")";
        // the driver's mmap_read_lock() and the faults' locks, as the other hmmRangeFault (fuzzer seed 1, sequence 11823)
        io.pinsim.runtime.internal.mm.MmapLockWait.forRead(p.mm, call);
        if (nrPages > 0 && (reqFlags & HmmPfn.REQ_FAULT) != 0) {
            io.pinsim.runtime.internal.mm.MmapLockWait.forAccess(p.mm, start, (long) nrPages << Kernel.PAGE_SHIFT, (reqFlags & HmmPfn.REQ_WRITE) != 0, call);
        }
        return underMmapReadLock(() -> kernel.core.op(name, call, start,
                () -> new HmmWalk(kernel.core).walk(p.mm, sub, notifierSeq, start >>> Kernel.PAGE_SHIFT, nrPages, reqFlags, devPrivateOwner, name)));
    }

    @Override
    public DevicePagemap memremapPages(int nrPages, Object owner, DevicePagemapOps ops) {
        Objects.requireNonNull(ops, "ops");
        if (nrPages <= 0) {
            throw new IllegalArgumentException("memremapPages(" + nrPages + ", ..): a device needs at least one page of memory");
        }
        return new DevicePagemapImpl(kernel, name, owner, nrPages, ops);
    }

    @Override
    public List<Frame> makeDeviceExclusive(Process process, long address, int nrPages, Object owner) {
        ProcessImpl p = mine(process);
        io.pinsim.runtime.internal.mm.MmapLockWait.forRead(p.mm, "make_device_exclusive(" + Kernel.hex(address) + ")"); // the driver's mmap_read_lock()
        return underMmapReadLock(() -> kernel.core.op(name, "make_device_exclusive(" + Kernel.hex(address) + ", " + nrPages + " pages)", address,
                () -> new ArrayList<Frame>(new DeviceMigration(kernel.core).makeDeviceExclusive(p.mm, address >>> Kernel.PAGE_SHIFT, nrPages, owner, name))));
    }

    @Override
    public void dmaWrite(Frame deviceFrame, int offset, byte[] data, String what) {
        Page frame = Page.of(deviceFrame, kernel.core);
        Objects.requireNonNull(data, "data");
        MmCore.checkRange(offset, data.length);
        requireLive(frame);
        if (frame.isZeroPage()) {
            throw new IllegalStateException(name + " must never write the shared zero page (map it writable first: fault with write)");
        }
        kernel.core.run(name, "DMA write " + data.length + " bytes into frame #" + frame.pfn() + (what == null ? "" : " (" + what + ")"), -1, () -> {
            frame.content().write(offset, data, 0, data.length);
            kernel.core.wrote(frame);
            kernel.trace().record(name, TraceKind.DMA, -1, frame.pfn(), "DMA wrote " + data.length + " bytes into frame #" + frame.pfn()
                    + (frame.isInPageCache() || frame.isAnon() ? "" : " (an orphaned page: no file or process sees it)"));
        });
    }

    @Override
    public byte[] dmaRead(Frame deviceFrame, int offset, int length, String what) {
        Page frame = Page.of(deviceFrame, kernel.core);
        MmCore.checkRange(offset, length);
        requireLive(frame);
        return kernel.core.op(name, "DMA read " + length + " bytes of frame #" + frame.pfn() + (what == null ? "" : " (" + what + ")"), -1, () -> frame.read(offset, length));
    }

    private void requireLive(Page frame) {
        if (frame.isFree()) {
            throw new KernelBugException("dma-to-freed-frame", name + " accessed frame #" + frame.pfn() + " after it was freed: the device held no reference",
                    kernel.trace().render());
        }
    }

    @Override
    public void setPageDirty(Frame deviceFrame, String what) {
        Page frame = Page.of(deviceFrame, kernel.core);
        requireLive(frame);
        if (!frame.isZeroPage()) {
            Page.setPageDirty(frame, holder(what));
        }
    }

    @Override
    public void log(KernelLog.Level level, String text) {
        Objects.requireNonNull(level, "level");
        Objects.requireNonNull(text, "text");
        kernel.log().print(kernel.trace().step(), level, text);
    }

    @Override
    public void trace(String what) {
        Objects.requireNonNull(what, "what");
        kernel.trace().record(name, TraceKind.INFO, -1, -1, what);
    }

    @Override
    public DmaFenceContext fenceContext(String timeline) {
        requireName(timeline, "timeline", "fence timeline");
        long context = ++kernel.fenceContexts;
        kernel.trace().record(name, TraceKind.INFO, -1, -1, "dma_fence_context_alloc: " + timeline + " is context " + context);
        return new DmaFenceContextImpl(kernel.core, kernel.fences, name, context, timeline);
    }

    @Override
    public DmaResv dmaResv(String resvName) {
        requireName(resvName, "name", "reservation object");
        return new DmaResvImpl(kernel.fences, name, resvName);
    }

    @Override
    public boolean dmaFenceBeginSignalling() {
        return kernel.fences.begin(kernel.fences.actor(name));
    }

    @Override
    public void dmaFenceEndSignalling(boolean cookie) {
        kernel.fences.end(kernel.fences.actor(name), cookie);
    }

    @Override
    public void lock(String lockName) {
        requireName(lockName, "lockName", "lock");
        String actor = kernel.fences.actor(name);
        String id = lockId(lockName);
        String owner = kernel.core.mutexes.owner(id);
        if (owner != null && owner.equals(actor)) {
            throw new IllegalStateException(name + " takes " + lockName + " while holding it: mutex_lock() on a held mutex deadlocks; unlock it first");
        }
        kernel.core.mutexes.lock(id, actor);
        kernel.core.lockdep().acquire(actor, LockClass.driverLock(name, lockName), LockMode.WRITE);
    }

    @Override
    public void unlock(String lockName) {
        Objects.requireNonNull(lockName, "lockName");
        String actor = kernel.fences.actor(name);
        String id = lockId(lockName);
        if (!actor.equals(kernel.core.mutexes.owner(id))) {
            throw new IllegalStateException(name + " unlocks " + lockName + " but does not hold it"
                    + (kernel.core.mutexes.owner(id) != null ? " (" + kernel.core.mutexes.owner(id) + " does)" : ""));
        }
        kernel.core.mutexes.unlock(id, actor);
        kernel.core.lockdep().release(actor, LockClass.driverLock(name, lockName));
    }

    @Override
    public String lockId(String lockName) {
        requireName(lockName, "lockName", "lock");
        return "dev:" + name + ":" + lockName;
    }

    @Override
    public String lockHolder(String lockName) {
        return kernel.core.mutexes.owner(lockId(lockName));
    }

    @Override
    public boolean mmapLockedForWrite(Process process) {
        return mine(process).mm.mmapWriteLocker != null;
    }

    @Override
    public boolean mmapLockedForRead(Process process) {
        return !mine(process).mm.mmapReaders.isEmpty();
    }

    @Override
    public String gupFaultWaitsFor(Process process, long address, int nrPages, boolean write) {
        if (nrPages <= 0) {
            throw new IllegalArgumentException("nrPages must be positive, got " + nrPages);
        }
        return io.pinsim.runtime.internal.mm.MmapLockWait.faultLockWaitsFor(mine(process).mm, address, (long) nrPages << Kernel.PAGE_SHIFT, write);
    }

    /**
     * kmalloc(size, gfp) as lockdep sees it: fs_reclaim_acquire(gfp) and fs_reclaim_release(gfp)
     * (mm/page_alloc.c) when the flags allow direct reclaim; the allocation itself always succeeds.
     */
    @Override
    public void allocate(Gfp gfp, String what) {
        Objects.requireNonNull(gfp, "gfp");
        String actor = kernel.fences.actor(name);
        kernel.trace().record(actor, TraceKind.INFO, -1, -1, "kmalloc(GFP_" + gfp.name() + ")" + (what == null || what.isBlank() ? "" : ": " + what));
        DmaResvLockdep.mayReclaim(kernel.core.lockdep(), actor, gfp.directReclaim(), gfp.fs(), kernel.core.notifierLockdep);
    }

    private static void requireName(String value, String parameter, String what) {
        Objects.requireNonNull(value, parameter);
        if (value.isBlank()) {
            throw new IllegalArgumentException("\"" + value + "\" is blank: name the " + what + ", the trace and lockdep show it by that name");
        }
    }

    @Override
    public String toString() {
        return "driver context of " + name;
    }

    @Override
    public IommuSva iommuSvaBindDevice(Process process, IommuSvaOps ops) {
        ProcessImpl p = mine(process);
        return kernel.core.op(name, "iommu_sva_bind_device(\"" + p.name() + "\")", -1, () -> kernel.iommu.bind(name, p, ops));
    }

    @Override
    public int mmPasid(Process process) {
        return kernel.iommu.pasidOf(ofThisKernel(process).mm());
    }

    @Override
    public DeviceFile openDeviceFile(Process process, String what, Runnable release) {
        Objects.requireNonNull(release, "release");
        ProcessImpl p = mine(process);
        String file = "/dev/" + (what == null || what.isBlank() ? name : what);
        DeviceFileImpl f = new DeviceFileImpl(kernel, p, name, file, release);
        kernel.core.run(p.name(), "open(" + file + ")", -1, () -> p.files.deviceFiles.add(f));
        return f;
    }

    @Override
    public void onRevoke(GupPages pins, io.pinsim.runtime.spi.PinRevoker revoker) {
        java.util.Objects.requireNonNull(revoker, "revoker");
        io.pinsim.runtime.internal.mm.GupPagesImpl g = myPins(pins);
        if (!g.isPin() || (g.flags() & io.pinsim.runtime.Foll.LONGTERM) == 0) {
            throw new IllegalArgumentException(g + ": a revoke callback is for long-term pins; take them with pin_user_pages(FOLL_LONGTERM)");
        }
        kernel.core.pinRevocation().register(g, revoker);
    }

    @Override
    public void redirectToDummyPage(GupPages pins, int index) {
        io.pinsim.runtime.internal.mm.GupPagesImpl g = myPins(pins);
        if (g.isRedirected(index)) {
            throw new IllegalStateException("page " + index + " of " + g + " already points at the dummy page");
        }
        kernel.core.pinRevocation().redirect(g, index, name);
    }

    /** Pins this device took and still holds. */
    private io.pinsim.runtime.internal.mm.GupPagesImpl myPins(GupPages pins) {
        java.util.Objects.requireNonNull(pins, "pins");
        if (!(pins instanceof io.pinsim.runtime.internal.mm.GupPagesImpl g) || !(g.holder().equals(name) || g.holder().startsWith(name + " "))) {
            throw new IllegalArgumentException(pins + " were not taken by " + name + "; pass pins this device took");
        }
        if (g.isReleased()) {
            throw new IllegalStateException(pins + ": already released; a revoke concerns pins the device still holds");
        }
        return g;
    }
}
