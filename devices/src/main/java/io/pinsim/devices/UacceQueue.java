package io.pinsim.devices;

import io.pinsim.runtime.Advice;
import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Foll;
import io.pinsim.runtime.GupPages;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MapFlags;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.Prot;
import io.pinsim.runtime.spi.DeviceFile;
import io.pinsim.runtime.spi.DriverContext;
import io.pinsim.runtime.spi.IoPageFaultException;
import io.pinsim.runtime.spi.IommuSva;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One open of a uacce accelerator (struct uacce_queue): its state machine (uacce_start_queue(),
 * uacce_put_queue()), its regions (uacce_fops_mmap(): {@code vma->vm_flags |= VM_DONTCOPY |
 * VM_DONTEXPAND | VM_WIPEONFORK}), and the jobs the device runs for it, on process virtual
 * addresses ({@link UacceMode#SVA}), in the static DUS region ({@link UacceMode#STATIC_REGION}) or
 * in pinned buffers ({@link UacceMode#PINNED}).
 */
public final class UacceQueue {
    /** enum uacce_q_state, plus the released file. */
    public enum State {
        /** UACCE_Q_INIT: opened, not started. */
        INIT,
        /** UACCE_Q_STARTED: UACCE_CMD_START_Q ran; the device runs jobs. */
        STARTED,
        /** UACCE_Q_ZOMBIE: put (UACCE_CMD_PUT_Q, or mm_exit): stopped for good. */
        ZOMBIE,
        /** The file was released (close, or exit_files() at exit). */
        RELEASED
    }

    private static final int MMIO = 0;
    private static final int DUS = 1;

    private final SvaAccelerator acc;
    private final DriverContext ctx;
    private final Process process;
    private final IommuSva bond;
    final int id;
    DeviceFile file;
    private State state = State.INIT;
    private final long[] regions = {-1, -1};
    private GupPages dusPages;
    private final List<GupPages> buffers = new ArrayList<>();

    UacceQueue(SvaAccelerator acc, Process process, IommuSva bond) {
        this.acc = acc;
        this.ctx = acc.ctx;
        this.process = process;
        this.bond = bond;
        this.id = acc.nextQueueId++;
    }

    /** @return the process that opened the queue */
    public Process process() {
        return process;
    }

    /** @return the queue's state */
    public State state() {
        return state;
    }

    /** @return the PASID the queue's jobs use, or {@link DriverContext#IOMMU_PASID_INVALID} without SVA */
    public int pasid() {
        return bond == null ? DriverContext.IOMMU_PASID_INVALID : bond.pasid();
    }

    /** @return the SVA bond of the queue (null unless {@link UacceMode#SVA}) */
    public IommuSva bond() {
        return bond;
    }

    /** @return the address of the mapped DUS region, or -1 before {@link #mmapDus()} */
    public long dusAddress() {
        return regions[DUS];
    }

    /**
     * mmap(UACCE_QFRT_MMIO): the doorbell page, VM_DONTCOPY | VM_DONTEXPAND | VM_WIPEONFORK.
     *
     * @return the address it is mapped at
     * @throws ErrnoException EINVAL unless the queue is INIT or STARTED; EEXIST if mapped already
     */
    public long mmapMmio() {
        return mmap(MMIO, "UACCE_QFRT_MMIO", SvaAccelerator.MMIO_PAGES);
    }

    /**
     * mmap(UACCE_QFRT_DUS): the queue's static DMA region (dma_mmap_coherent() of kernel memory in
     * the driver), VM_DONTCOPY | VM_DONTEXPAND | VM_WIPEONFORK: the driver holds its pages for the
     * device until the queue is released.
     *
     * @return the address it is mapped at
     * @throws ErrnoException EINVAL unless the queue is INIT or STARTED; EEXIST if mapped already
     */
    public long mmapDus() {
        return mmap(DUS, "UACCE_QFRT_DUS", SvaAccelerator.DUS_PAGES);
    }

    private long mmap(int type, String what, int pages) {
        requireOpen();
        return ctx.call("mmap(" + what + ") of queue " + id, () -> {
            if (state != State.INIT && state != State.STARTED) {
                throw new ErrnoException(Errno.EINVAL, "uacce_fops_mmap", "queue " + id + " is " + state + " (only INIT or STARTED queues map regions)");
            }
            if (regions[type] >= 0) {
                throw new ErrnoException(Errno.EEXIST, "uacce_fops_mmap", what + " of queue " + id + " is mapped already");
            }
            long len = (long) pages * Kernel.PAGE_SIZE;
            long addr = process.mmap(len, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
            process.madvise(addr, len, Advice.DONTFORK);
            process.madvise(addr, len, Advice.WIPEONFORK);
            if (type == DUS) {
                dusPages = ctx.pinUserPages(process, addr, pages, Foll.LONGTERM | Foll.WRITE, "queue " + id + " DUS");
            }
            regions[type] = addr;
            ctx.trace(what + " of queue " + id + " mapped at " + Kernel.hex(addr) + ": VM_DONTCOPY | VM_DONTEXPAND | VM_WIPEONFORK (uacce_fops_mmap)");
            return addr;
        });
    }

    /**
     * UACCE_CMD_START_Q (uacce_start_queue()).
     *
     * @throws ErrnoException EINVAL unless the queue is INIT
     */
    public void start() {
        requireOpen();
        ctx.call("ioctl(UACCE_CMD_START_Q) queue " + id, () -> {
            if (state != State.INIT) {
                throw new ErrnoException(Errno.EINVAL, "uacce_start_queue", "queue " + id + " is " + state + ", not INIT");
            }
            state = State.STARTED;
            return null;
        });
    }

    /** UACCE_CMD_PUT_Q (uacce_put_queue()): stop and put; a queue put already stays put. */
    public void put() {
        requireOpen();
        ctx.call("ioctl(UACCE_CMD_PUT_Q) queue " + id, () -> {
            putQueue("UACCE_CMD_PUT_Q");
            return null;
        });
    }

    /** uacce_put_queue(): stop_queue() if started, put_queue(): the queue is a zombie. */
    void putQueue(String why) {
        if (state == State.INIT || state == State.STARTED) {
            ctx.trace(why + ": queue " + id + " of \"" + process.name() + "\" stopped and put (uacce_put_queue)");
            state = State.ZOMBIE;
        }
    }

    /**
     * The RFC's "VFIO way" ({@link UacceMode#PINNED} only): the user's buffer is pinned long-term
     * for the device (pin_user_pages(FOLL_LONGTERM | FOLL_WRITE)) and charged to locked_vm, as
     * VFIO_IOMMU_MAP_DMA does with IOVA = the virtual address.
     *
     * @throws ErrnoException EINVAL in another mode (uacce_fops_unl_ioctl(): no ops-&gt;ioctl) or for
     *                        an unaligned or empty range; ENOMEM past RLIMIT_MEMLOCK; what GUP refuses
     */
    public void mapBuffer(long address, long length) {
        requireOpen();
        ctx.call("map buffer " + Kernel.hex(address) + "+" + length + " for queue " + id, () -> {
            if (acc.mode() != UacceMode.PINNED) {
                throw new ErrnoException(Errno.EINVAL, "uacce_fops_unl_ioctl", acc.name() + " is in " + acc.mode() + " mode: only the RFC's pinned mode maps buffers");
            }
            if (length <= 0 || ((address | length) & (Kernel.PAGE_SIZE - 1L)) != 0 || length > Kernel.TASK_SIZE) {
                throw new ErrnoException(Errno.EINVAL, "VFIO_IOMMU_MAP_DMA", "address and length must be page aligned and length positive");
            }
            int n = (int) (length >>> Kernel.PAGE_SHIFT);
            ctx.accountLockedVm(process, n);
            GupPages p = null;
            try {
                p = ctx.pinUserPages(process, address, n, Foll.LONGTERM | Foll.WRITE, "queue " + id);
                if (p.count() < n) {
                    throw new ErrnoException(Errno.EFAULT, "VFIO_IOMMU_MAP_DMA", "only " + p.count() + " of " + n + " pages could be pinned");
                }
            } catch (ErrnoException e) {
                if (p != null) {
                    p.unpin(false);
                }
                ctx.unaccountLockedVm(process, n);
                throw e;
            }
            buffers.add(p);
            return null;
        });
    }

    /**
     * A job in which the device writes {@code data} at {@code address}: a process virtual address
     * through the IOMMU ({@link UacceMode#SVA}), an address in the DUS region, or in a mapped buffer
     * ({@link UacceMode#PINNED}). A failure is reported in the completion, as the hardware does.
     *
     * @throws NullPointerException  for null data
     * @throws IllegalStateException after the queue was released
     */
    public UacceCompletion write(long address, byte[] data) {
        Objects.requireNonNull(data, "data");
        requireOpen();
        return job(address, data, data.length);
    }

    /**
     * A job in which the device reads {@code length} bytes at {@code address} (see {@link #write}).
     *
     * @throws IllegalArgumentException for a negative length
     * @throws IllegalStateException    after the queue was released
     */
    public UacceCompletion read(long address, int length) {
        if (length < 0) {
            throw new IllegalArgumentException("length " + length + " must not be negative");
        }
        requireOpen();
        return job(address, null, length);
    }

    private UacceCompletion job(long address, byte[] data, int length) {
        String kind = data != null ? "write" : "read";
        return ctx.call("job " + kind + " " + length + " bytes at " + Kernel.hex(address) + " on queue " + id, () -> {
            if (state != State.STARTED) {
                return done(new UacceCompletion(UacceCompletion.Status.QUEUE_STOPPED, null, "queue " + id + " is " + state));
            }
            if (bond != null) {
                try {
                    if (data != null) {
                        bond.dmaWrite(address, data, "queue " + id);
                        return done(new UacceCompletion(UacceCompletion.Status.OK, null, "wrote through PASID " + bond.pasid()));
                    }
                    return done(new UacceCompletion(UacceCompletion.Status.OK, bond.dmaRead(address, length, "queue " + id), "read through PASID " + bond.pasid()));
                } catch (IoPageFaultException e) {
                    UacceCompletion.Status s = switch (e.kind()) {
                        case RESPONSE_INVALID -> UacceCompletion.Status.PAGE_FAULT;
                        case PASID_ABORTED -> UacceCompletion.Status.ABORTED;
                        case STALE_IOTLB -> UacceCompletion.Status.FAULT_LOOP;
                    };
                    return done(new UacceCompletion(s, null, e.getMessage()));
                }
            }
            GupPages held = holding(address, length);
            if (held == null) {
                return done(new UacceCompletion(UacceCompletion.Status.OUT_OF_RANGE, null, Kernel.hex(address) + "+" + length
                        + " lies outside the " + (acc.mode() == UacceMode.PINNED ? "mapped buffers and the " : "") + "DUS region of queue " + id));
            }
            long off = address - held.start();
            if (data != null) {
                held.write(off, data);
                return done(new UacceCompletion(UacceCompletion.Status.OK, null, "wrote the frames the driver holds"));
            }
            return done(new UacceCompletion(UacceCompletion.Status.OK, held.read(off, length), "read the frames the driver holds"));
        });
    }

    private UacceCompletion done(UacceCompletion c) {
        ctx.trace("completion of queue " + id + ": " + c);
        return c;
    }

    /** The held pages (DUS, or a pinned buffer) that cover [address, address + length), or null. */
    private GupPages holding(long address, long length) {
        List<GupPages> all = new ArrayList<>(buffers);
        if (dusPages != null) {
            all.add(dusPages);
        }
        for (GupPages g : all) {
            long end = g.start() + (long) g.count() * Kernel.PAGE_SIZE;
            if (address >= g.start() && length <= end - address && address < end) {
                return g;
            }
        }
        return null;
    }

    /**
     * close() of the queue's file: uacce_fops_release().
     *
     * @throws IllegalStateException if released already
     */
    public void close() {
        requireOpen();
        file.close();
    }

    /** uacce_fops_release(): put the queue, unbind (uacce_unbind_queue()), and let go of the pages the driver held. */
    void release() {
        putQueue("uacce_fops_release()");
        if (bond != null && bond.isBound()) {
            bond.unbind();
        }
        if (dusPages != null) {
            dusPages.unpin(true);
        }
        for (GupPages b : buffers) {
            b.unpin(true);
            ctx.unaccountLockedVm(process, b.count());
        }
        buffers.clear();
        state = State.RELEASED;
        acc.queues.remove(this);
    }

    private void requireOpen() {
        if (state == State.RELEASED) {
            throw new IllegalStateException("queue " + id + " of " + acc.name() + " was released (closed, or its process exited); open a new one");
        }
    }

    @Override
    public String toString() {
        return "queue " + id + " of " + acc.name() + " for \"" + process.name() + "\" (" + state + ")";
    }
}
