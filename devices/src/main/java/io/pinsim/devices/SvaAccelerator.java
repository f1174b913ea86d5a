package io.pinsim.devices;

import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.spi.DriverContext;
import io.pinsim.runtime.spi.IommuSva;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A uacce accelerator (drivers/misc/uacce/uacce.c, 5.7; the hisi_zip / hisi_sec engines behind it)
 * with its queues, in one of the {@link UacceMode modes} of the 2018 WarpDrive/uacce RFCs. Each
 * {@link #open(Process) open} of its character device is a {@link UacceQueue}: in
 * {@link UacceMode#SVA} mode the open binds the process's address space to a PASID and the device
 * works on process virtual addresses through the IOMMU (drivers/iommu/iommu-sva.c); the queue's
 * regions are mapped VM_DONTCOPY | VM_WIPEONFORK, so a forked child never has the queue.
 */
public final class SvaAccelerator {
    /** The size of a queue's MMIO region (the doorbell page), in pages. */
    public static final int MMIO_PAGES = 1;
    /** The size of a queue's DUS region (device user share: the rings and, without SVA, the data), in pages. */
    public static final int DUS_PAGES = 4;

    final Kernel kernel;
    final DriverContext ctx;
    private final String name;
    private final UacceMode mode;
    final List<UacceQueue> queues = new ArrayList<>();
    /** The next queue's number (queue ids are never reused). */
    int nextQueueId;

    /**
     * An accelerator with UACCE_DEV_SVA, e.g. {@code hisi_zip-0} (the form the JUnit extension injects).
     *
     * @throws IllegalArgumentException if the name is taken on this kernel
     */
    public SvaAccelerator(Kernel kernel, String name) {
        this(kernel, name, UacceMode.SVA);
    }

    /**
     * An accelerator in the given mode (uacce_alloc() + uacce_register()).
     *
     * @throws IllegalArgumentException if the name is taken on this kernel
     */
    public SvaAccelerator(Kernel kernel, String name, UacceMode mode) {
        this.kernel = Objects.requireNonNull(kernel, "kernel");
        this.name = Objects.requireNonNull(name, "name");
        this.mode = Objects.requireNonNull(mode, "mode");
        this.ctx = DriverContext.attach(kernel, name);
    }

    /** @return the device name */
    public String name() {
        return name;
    }

    /** @return how the device reaches user data */
    public UacceMode mode() {
        return mode;
    }

    /** @return the queues open now, in open order */
    public List<UacceQueue> queues() {
        return Collections.unmodifiableList(queues);
    }

    /**
     * open() of /dev/&lt;name&gt; by the process (uacce_fops_open()): a new queue in state INIT; in
     * {@link UacceMode#SVA} mode uacce_bind_queue() binds the process's mm first
     * (iommu_sva_bind_device(), iommu_sva_get_pasid()). The file is released at close or at the
     * process's exit, after its address space went.
     *
     * @throws io.pinsim.runtime.ErrnoException ENODEV in SVA mode on a kernel without the SVA API
     * @throws IllegalArgumentException         for a process of another kernel
     * @throws IllegalStateException            for a process that has exited
     */
    public UacceQueue open(Process process) {
        Objects.requireNonNull(process, "process");
        if (process.kernel() != kernel) {
            throw new IllegalArgumentException(name + " is attached to " + kernel + ", not to the kernel of " + process + "; create a device per kernel");
        }
        if (!process.isAlive()) {
            throw new IllegalStateException(process + " is not alive: it has exited; open the device from a live process");
        }
        return ctx.call("open(/dev/" + name + ") by \"" + process.name() + "\"", () -> {
            IommuSva bond = mode == UacceMode.SVA ? ctx.iommuSvaBindDevice(process, this::mmExit) : null;
            UacceQueue q = new UacceQueue(this, process, bond);
            queues.add(q);
            q.file = ctx.openDeviceFile(process, "uacce/" + name, q::release);
            ctx.trace("get_queue: queue " + q.id + " of \"" + process.name() + "\"" + (bond == null ? " without PASID" : " on PASID " + bond.pasid()));
            return q;
        });
    }

    /** uacce_sva_exit() (5.2 - 5.7 only): the mm is exiting; put every queue of it. */
    private void mmExit(IommuSva bond) {
        for (UacceQueue q : List.copyOf(queues)) {
            if (q.process() == bond.process()) {
                q.putQueue("uacce_sva_exit()");
            }
        }
    }

    @Override
    public String toString() {
        return "uacce accelerator " + name + " (" + mode + ")";
    }
}
