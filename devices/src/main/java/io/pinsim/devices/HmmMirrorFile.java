package io.pinsim.devices;

import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Frame;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MmuIntervalNotifier;
import io.pinsim.runtime.MmuNotifierEvent;
import io.pinsim.runtime.MmuNotifierRange;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.Prot;
import io.pinsim.runtime.spi.DevicePageTable;
import io.pinsim.runtime.spi.DriverContext;
import io.pinsim.runtime.spi.HmmPfn;
import io.pinsim.runtime.trace.KernelLog;
import java.util.List;
import java.util.NavigableSet;
import java.util.Objects;
import java.util.TreeSet;

/**
 * One open {@code /dev/hmm_dmirrorN} (struct dmirror, lib/test_hmm.c): a device page table
 * ({@code dmirror->pt}) mirroring the opener's address space, filled by hmm_range_fault() under an
 * interval notifier over the whole address space (mmu_interval_notifier_insert(.., 0, ULONG_MAX &amp;
 * PAGE_MASK)) with the sequence protocol, and emptied by the notifier's invalidate. The ioctls are
 * the methods: {@link #read}, {@link #write}, {@link #migrateToDevice}, {@link #migrateToSystem},
 * {@link #snapshot}, {@link #exclusive} and {@link #checkExclusive}.
 */
public final class HmmMirrorFile implements AutoCloseable {
    /** HMM_DMIRROR_PROT_ERROR (lib/test_hmm_uapi.h). */
    public static final byte PROT_ERROR = (byte) 0xFF;
    /** HMM_DMIRROR_PROT_NONE. */
    public static final byte PROT_NONE = 0x00;
    /** HMM_DMIRROR_PROT_READ. */
    public static final byte PROT_READ = 0x01;
    /** HMM_DMIRROR_PROT_WRITE. */
    public static final byte PROT_WRITE = 0x02;
    /** HMM_DMIRROR_PROT_ZERO. */
    public static final byte PROT_ZERO = 0x10;
    /** HMM_DMIRROR_PROT_DEV_PRIVATE_LOCAL. */
    public static final byte PROT_DEV_PRIVATE_LOCAL = 0x20;
    /** HMM_DMIRROR_PROT_DEV_PRIVATE_REMOTE. */
    public static final byte PROT_DEV_PRIVATE_REMOTE = 0x30;
    /** The most pages one ioctl handles here (the model's bound; test_hmm's buffers are 1024 pages). */
    public static final int MAX_PAGES = 1 << 16;

    private static final int PAGE = Kernel.PAGE_SIZE;

    private final HmmMirror device;
    private final DriverContext ctx;
    private final Process process;
    private final MmuIntervalNotifier notifier;
    private final DevicePageTable pt = new DevicePageTable();
    /** Pages mapped with DPT_XA_TAG_ATOMIC (dmirror_atomic_map()), by page number. */
    private final NavigableSet<Long> atomic = new TreeSet<>();
    private boolean closed;

    HmmMirrorFile(HmmMirror device, Process process) {
        this.device = device;
        this.ctx = device.ctx();
        this.process = process;
        long all = Kernel.TASK_SIZE & ~(PAGE - 1L);
        this.notifier = ctx.insertIntervalNotifier(process, 0, all, this::invalidate, "dmirror of " + process.name());
    }

    /** The process whose address space this file mirrors. */
    public Process process() {
        return process;
    }

    /** The device page table (dmirror-&gt;pt). */
    public DevicePageTable pageTable() {
        return pt;
    }

    /**
     * dmirror_interval_invalidate(): a migration this device started is handled by the migration
     * itself (MMU_NOTIFY_MIGRATE with owner == mdevice, 5.9); otherwise take the mutex (or refuse a
     * non-blockable range), set the sequence and erase the range from the device page table
     * (dmirror_do_update()).
     */
    private boolean invalidate(MmuIntervalNotifier sub, MmuNotifierRange range, long cur) {
        if (range.event() == MmuNotifierEvent.MIGRATE && range.owner() == device) {
            return true;
        }
        if (!range.blockable()) {
            return false;
        }
        ctx.lock("dmirror->mutex");
        try {
            sub.setSeq(cur);
            int n = pt.zap(range.start(), range.end()).size();
            atomic.subSet(range.start() >>> Kernel.PAGE_SHIFT, true, (range.end() - 1) >>> Kernel.PAGE_SHIFT, true).clear();
            if (n > 0) {
                ctx.trace("dmirror: erased " + n + " device PTE(s) for " + range + " (dmirror_do_update)");
            }
        } finally {
            ctx.unlock("dmirror->mutex");
        }
        return true;
    }

    private void check(long address, int npages) {
        if (closed) {
            throw new IllegalStateException(device.name() + " file of " + process.name() + " is closed: open the device again");
        }
        if (npages <= 0 || npages > MAX_PAGES) {
            throw new ErrnoException(Errno.EINVAL, "dmirror ioctl", npages + " pages: cmd.npages must be 1.." + MAX_PAGES);
        }
        if ((address & (PAGE - 1)) != 0) {
            throw new ErrnoException(Errno.EINVAL, "dmirror ioctl", Kernel.hex(address) + " is not page aligned (cmd.addr & ~PAGE_MASK)");
        }
        if (Long.compareUnsigned(address + ((long) npages << Kernel.PAGE_SHIFT), Kernel.TASK_SIZE) > 0 || address < 0) {
            throw new ErrnoException(Errno.EINVAL, "dmirror ioctl", Kernel.hex(address) + " + " + npages + " pages leaves the user address space");
        }
    }

    /**
     * dmirror_range_fault(): the canonical loop (hmm.rst): read_begin, hmm_range_fault() under
     * mmap_read_lock (retry on EBUSY), take the mutex, retry if the sequence moved, then program the
     * device page table (dmirror_do_fault()). Pages are faulted 64 at a time, as test_hmm's pfns[64].
     * Each round makes progress (a fault that invalidates the range, such as a COW break, returns
     * EBUSY after it), so the retries, HMM_RANGE_DEFAULT_TIMEOUT in the kernel, are bounded by the
     * pages of the chunk.
     */
    private void fault(long start, int npages, boolean write) {
        for (int done = 0; done < npages; done += 64) {
            int n = Math.min(64, npages - done);
            long at = start + ((long) done << Kernel.PAGE_SHIFT);
            for (int tries = 0; ; tries++) {
                long seq = notifier.readBegin();
                List<HmmPfn> pfns;
                try {
                    pfns = ctx.hmmRangeFault(notifier, seq, at, n, HmmPfn.REQ_FAULT | (write ? HmmPfn.REQ_WRITE : 0), device);
                } catch (ErrnoException e) {
                    if (e.errno() == Errno.EBUSY && tries < 2 * n + 16) {
                        continue;
                    }
                    throw e;
                }
                ctx.lock("dmirror->mutex");
                try {
                    if (notifier.readRetry(seq)) {
                        continue;
                    }
                    for (int i = 0; i < n; i++) {
                        HmmPfn p = pfns.get(i);
                        pt.map(at + ((long) i << Kernel.PAGE_SHIFT), p.frame(), p.writable());
                    }
                } finally {
                    ctx.unlock("dmirror->mutex");
                }
                break;
            }
        }
    }

    /**
     * HMM_DMIRROR_READ (dmirror_read()): read the range through the device page table; where it
     * has no entry, fault the rest of the range in read-only and count a fault, then read on.
     *
     * @throws ErrnoException EINVAL for a bad range; what hmm_range_fault() returns (EFAULT for an
     *                        unmapped or PROT_NONE range)
     */
    public HmmMirrorCmd read(long address, int npages) {
        check(address, npages);
        return ctx.call("HMM_DMIRROR_READ(" + Kernel.hex(address) + ", " + npages + " pages)", () -> {
            byte[] out = new byte[npages * PAGE];
            int cpages = 0;
            long faults = 0;
            while (true) {
                cpages = doRead(address, npages, cpages, out);
                if (cpages == npages) {
                    return new HmmMirrorCmd(out, cpages, faults);
                }
                fault(address + ((long) cpages << Kernel.PAGE_SHIFT), npages - cpages, false);
                faults++;
            }
        });
    }

    /** dmirror_do_read() from page {@code from} on: returns the pages read before the first without an entry (-ENOENT). */
    private int doRead(long address, int npages, int from, byte[] out) {
        for (int i = from; i < npages; i++) {
            DevicePageTable.Entry e = pt.lookup(address + ((long) i << Kernel.PAGE_SHIFT));
            if (e == null) {
                return i;
            }
            System.arraycopy(deviceRead(e.frame()), 0, out, i * PAGE, PAGE);
        }
        return npages;
    }

    /** The device reads a page its table maps: its own memory, or system memory by DMA. */
    private byte[] deviceRead(Frame f) {
        if (device.memory().owns(f)) {
            return device.memory().read(f, 0, PAGE);
        }
        if (f.pfn() >= (1L << 40)) {
            ctx.log(KernelLog.Level.WARN, device.name() + ": the device page table maps " + f + ", another device's private memory, which this device cannot address");
            throw new ErrnoException(Errno.EFAULT, "dmirror", f + " is another device's private memory (hmm_range_fault returned it: no owner check before 5.7)");
        }
        return ctx.dmaRead(f, 0, PAGE, "dmirror read");
    }

    /**
     * HMM_DMIRROR_WRITE (dmirror_write()): write {@code data} (whole pages) through the device page
     * table; where an entry is missing or read-only, fault the rest in writable (breaking COW in the
     * owning process) and count a fault.
     *
     * @throws ErrnoException EINVAL for a bad range; EPERM for a VMA without VM_WRITE; EFAULT as hmm_range_fault()
     * @throws IllegalArgumentException unless data is a whole number of pages
     */
    public HmmMirrorCmd write(long address, byte[] data) {
        Objects.requireNonNull(data, "data");
        if (data.length == 0 || data.length % PAGE != 0) {
            throw new IllegalArgumentException("write of " + data.length + " bytes: dmirror writes whole pages (cmd.npages << PAGE_SHIFT bytes)");
        }
        int npages = data.length / PAGE;
        check(address, npages);
        return ctx.call("HMM_DMIRROR_WRITE(" + Kernel.hex(address) + ", " + npages + " pages)", () -> {
            int cpages = 0;
            long faults = 0;
            while (true) {
                cpages = doWrite(address, npages, cpages, data);
                if (cpages == npages) {
                    return new HmmMirrorCmd(new byte[0], cpages, faults);
                }
                fault(address + ((long) cpages << Kernel.PAGE_SHIFT), npages - cpages, true);
                faults++;
            }
        });
    }

    private int doWrite(long address, int npages, int from, byte[] data) {
        for (int i = from; i < npages; i++) {
            DevicePageTable.Entry e = pt.lookup(address + ((long) i << Kernel.PAGE_SHIFT));
            if (e == null || !e.writable()) {
                return i;
            }
            byte[] page = java.util.Arrays.copyOfRange(data, i * PAGE, (i + 1) * PAGE);
            if (device.memory().owns(e.frame())) {
                device.memory().write(e.frame(), 0, page);
            } else {
                ctx.dmaWrite(e.frame(), 0, page, "dmirror write");
            }
        }
        return npages;
    }

    /** The VMA checks of dmirror_migrate_to_device/_to_system(): every page needs a readable VMA. */
    private void requireReadable(long address, int npages) {
        for (int i = 0; i < npages; i++) {
            long a = address + ((long) i << Kernel.PAGE_SHIFT);
            io.pinsim.runtime.Vma v = process.vmaAt(a);
            if (v == null || (v.prot() & Prot.READ) == 0) {
                throw new ErrnoException(Errno.EINVAL, "dmirror_migrate", "no readable VMA at " + Kernel.hex(a) + " (vma_lookup() || !(vm_flags & VM_READ))");
            }
        }
    }

    /**
     * HMM_DMIRROR_MIGRATE_TO_DEV (dmirror_migrate_to_device()): migrate_vma of the range into the
     * device's memory, VMA by VMA, map what moved into the device page table
     * (dmirror_migrate_finalize_and_map()), then read the range back from the device
     * (dmirror_do_read()).
     *
     * @throws ErrnoException EINVAL for a bad range or a page without a readable VMA; ENOENT if a
     *                        page did not move (pinned, shared, another device's, allocation failed)
     */
    public HmmMirrorCmd migrateToDevice(long address, int npages) {
        check(address, npages);
        requireReadable(address, npages);
        return ctx.call("HMM_DMIRROR_MIGRATE_TO_DEV(" + Kernel.hex(address) + ", " + npages + " pages)", () -> {
            for (long a = address, end = address + ((long) npages << Kernel.PAGE_SHIFT); a < end; ) {
                long next = Math.min(end, process.vmaAt(a).end());
                int n = (int) ((next - a) >>> Kernel.PAGE_SHIFT);
                List<HmmPfn> moved = device.memory().migrateToDevice(process, a, n);
                ctx.lock("dmirror->mutex");
                try {
                    for (int i = 0; i < n; i++) {
                        HmmPfn d = moved.get(i);
                        if (d.valid()) {
                            pt.map(a + ((long) i << Kernel.PAGE_SHIFT), d.frame(), d.writable());
                        }
                    }
                } finally {
                    ctx.unlock("dmirror->mutex");
                }
                a = next;
            }
            byte[] out = new byte[npages * PAGE];
            int cpages = doRead(address, npages, 0, out);
            if (cpages < npages) {
                throw new ErrnoException(Errno.ENOENT, "dmirror_migrate_to_device", "page " + Kernel.hex(address + ((long) cpages << Kernel.PAGE_SHIFT))
                        + " did not move to " + device.name() + " (dmirror_do_read: -ENOENT)");
            }
            return new HmmMirrorCmd(out, cpages, 0);
        });
    }

    /**
     * HMM_DMIRROR_MIGRATE_TO_SYS (dmirror_migrate_to_system()): migrate_vma with
     * MIGRATE_VMA_SELECT_DEVICE_PRIVATE of the range back to system memory. cpages is the number
     * of pages migrated.
     *
     * @throws ErrnoException EINVAL for a bad range or a page without a readable VMA
     */
    public HmmMirrorCmd migrateToSystem(long address, int npages) {
        check(address, npages);
        requireReadable(address, npages);
        return ctx.call("HMM_DMIRROR_MIGRATE_TO_SYS(" + Kernel.hex(address) + ", " + npages + " pages)", () -> {
            int moved = 0;
            for (long a = address, end = address + ((long) npages << Kernel.PAGE_SHIFT); a < end; ) {
                long next = Math.min(end, process.vmaAt(a).end());
                moved += device.memory().migrateToRam(process, a, (int) ((next - a) >>> Kernel.PAGE_SHIFT));
                a = next;
            }
            return new HmmMirrorCmd(new byte[0], moved, 0);
        });
    }

    /**
     * HMM_DMIRROR_SNAPSHOT (dmirror_snapshot()): hmm_range_fault() without HMM_PFN_REQ_FAULT, and
     * per page what the CPU page table holds (dmirror_mkentry()): {@link #PROT_ERROR},
     * {@link #PROT_NONE}, or {@link #PROT_READ}/{@link #PROT_WRITE} with {@link #PROT_ZERO},
     * {@link #PROT_DEV_PRIVATE_LOCAL} or {@link #PROT_DEV_PRIVATE_REMOTE}.
     *
     * @throws ErrnoException EINVAL for a bad range
     */
    public byte[] snapshot(long address, int npages) {
        check(address, npages);
        return ctx.call("HMM_DMIRROR_SNAPSHOT(" + Kernel.hex(address) + ", " + npages + " pages)", () -> {
            List<HmmPfn> pfns = ctx.hmmRangeFault(notifier, notifier.readBegin(), address, npages, 0, device);
            byte[] out = new byte[npages];
            for (int i = 0; i < npages; i++) {
                out[i] = mkentry(pfns.get(i));
            }
            return out;
        });
    }

    private byte mkentry(HmmPfn e) {
        if (e.error()) {
            return PROT_ERROR;
        }
        if (!e.valid()) {
            return PROT_NONE;
        }
        byte perm;
        if (e.devicePrivate()) {
            perm = device.memory().owns(e.frame()) ? PROT_DEV_PRIVATE_LOCAL : PROT_DEV_PRIVATE_REMOTE;
        } else if (e.frame().isZeroPage()) {
            perm = PROT_ZERO;
        } else {
            perm = PROT_NONE;
        }
        return (byte) (perm | (e.writable() ? PROT_WRITE : PROT_READ));
    }

    /**
     * HMM_DMIRROR_EXCLUSIVE (dmirror_exclusive()): make_device_exclusive() over the range, map each
     * page into the device page table for atomics (dmirror_atomic_map(), DPT_XA_TAG_ATOMIC), then
     * read the range back.
     *
     * @throws ErrnoException EINVAL for a bad range or before 5.14; EFAULT without a writable VMA
     */
    public HmmMirrorCmd exclusive(long address, int npages) {
        check(address, npages);
        return ctx.call("HMM_DMIRROR_EXCLUSIVE(" + Kernel.hex(address) + ", " + npages + " pages)", () -> {
            List<Frame> pages = ctx.makeDeviceExclusive(process, address, npages, device);
            ctx.lock("dmirror->mutex");
            try {
                for (int i = 0; i < npages; i++) {
                    if (pages.get(i) != null) {
                        long at = address + ((long) i << Kernel.PAGE_SHIFT);
                        pt.map(at, pages.get(i), false);
                        atomic.add(at >>> Kernel.PAGE_SHIFT);
                    }
                }
            } finally {
                ctx.unlock("dmirror->mutex");
            }
            byte[] out = new byte[npages * PAGE];
            int cpages = doRead(address, npages, 0, out);
            return new HmmMirrorCmd(out, cpages, 0);
        });
    }

    /**
     * HMM_DMIRROR_CHECK_EXCLUSIVE (dmirror_check_atomic()): EPERM while any page of the range is
     * still mapped for device atomics; a CPU access revokes it (the MMU_NOTIFY_EXCLUSIVE
     * invalidation erases the entry).
     *
     * @throws ErrnoException EPERM if the device still has atomic access; EINVAL for a bad range
     */
    public void checkExclusive(long address, int npages) {
        check(address, npages);
        long first = address >>> Kernel.PAGE_SHIFT;
        if (!atomic.subSet(first, true, first + npages, false).isEmpty()) {
            throw new ErrnoException(Errno.EPERM, "dmirror_check_atomic", "page " + Kernel.hex(atomic.ceiling(first) << Kernel.PAGE_SHIFT) + " is still mapped for device atomics");
        }
    }

    /** Erases every entry of the device page table that maps {@code page}. */
    void forget(Frame page) {
        int n = pt.zapFrame(page);
        if (n > 0) {
            ctx.trace("dmirror: erased " + page + " from the mirror of " + process.name() + ": it left the device");
        }
    }

    /** Whether the file is closed. */
    public boolean isClosed() {
        return closed;
    }

    /** close() (dmirror_fops_release()): remove the notifier, drop the device page table. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        notifier.remove();
        device.closed(this);
        pt.zap(0, Kernel.TASK_SIZE);
        atomic.clear();
    }

    @Override
    public String toString() {
        return device.name() + " file of " + process.name() + " (" + pt + ")";
    }
}
