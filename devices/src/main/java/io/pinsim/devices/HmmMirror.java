package io.pinsim.devices;

import io.pinsim.runtime.Frame;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.spi.DevicePagemap;
import io.pinsim.runtime.spi.DevicePagemapOps;
import java.util.ArrayList;
import java.util.List;
import io.pinsim.runtime.spi.DriverContext;
import java.util.Objects;

/**
 * The kernel's reference HMM driver, lib/test_hmm.c (b2ef9f5a5cb3 "mm/hmm/test: add selftest driver
 * for HMM", 5.9), one {@code /dev/hmm_dmirrorN} device: a pool of device-private memory
 * (dmirror_allocate_chunk(): memremap_pages() of MEMORY_DEVICE_PRIVATE pages owned by the device,
 * the {@code struct dmirror_device}) and a migrate_to_ram callback (dmirror_devmem_fault()) that
 * migrates the one faulting page back. Each {@link #open(Process)} is a {@code struct dmirror}:
 * a device page table mirroring the opener's address space (see {@link HmmMirrorFile}).
 *
 * <p>The model serves the same semantics on every kernel model; where the kernel mechanism
 * underneath changed (hmm_range_fault()'s owner check in 5.7, make_device_exclusive() in 5.14) the
 * model's switches decide, so a test can ask what a dmirror-like driver saw on an older kernel.
 */
public final class HmmMirror {
    private final Kernel kernel;
    private final String name;
    private final DriverContext ctx;
    private final DevicePagemap memory;
    /** The open files (struct dmirror), in open order. */
    private final List<HmmMirrorFile> files = new ArrayList<>();

    /**
     * Attaches the device with {@code devicePages} pages of device-private memory.
     *
     * @param name        the device, e.g. {@code hmm_dmirror0}
     * @param devicePages the pool's size (test_hmm allocates chunks of 256 MiB; tests need far less)
     * @throws IllegalArgumentException for a pool of no pages or a name that is taken
     */
    public HmmMirror(Kernel kernel, String name, int devicePages) {
        this.kernel = Objects.requireNonNull(kernel, "kernel");
        this.name = Objects.requireNonNull(name, "name");
        if (devicePages <= 0) {
            throw new IllegalArgumentException("new HmmMirror(.., " + devicePages + "): the device needs at least one page of device memory");
        }
        this.ctx = DriverContext.attach(kernel, name);
        this.memory = ctx.memremapPages(devicePages, this, new DevicePagemapOps() {
            @Override
            public boolean migrateToRam(Process process, long address, Frame page) {
                return devmemFault(process, address, page);
            }

            @Override
            public void pageFree(Frame page) {
                devmemFree(page);
            }
        });
    }

    /** The device's name. */
    public String name() {
        return name;
    }

    /** The kernel the device is attached to. */
    public Kernel kernel() {
        return kernel;
    }

    /** The device's private memory (pgmap->owner is this device). */
    public DevicePagemap memory() {
        return memory;
    }

    DriverContext ctx() {
        return ctx;
    }

    /**
     * open("/dev/hmm_dmirrorN") by {@code process} (dmirror_fops_open()): a new mirror of its
     * address space, with an interval notifier over all of it.
     *
     * @throws IllegalArgumentException for a process of another kernel
     * @throws IllegalStateException    for an exited process
     */
    public HmmMirrorFile open(Process process) {
        Objects.requireNonNull(process, "process");
        HmmMirrorFile f = new HmmMirrorFile(this, process);
        files.add(f);
        return f;
    }

    /**
     * dmirror_devmem_fault(): the CPU touched one of this device's pages; migrate that one page
     * back (migrate_vma_setup() with MIGRATE_VMA_SELECT_DEVICE_PRIVATE and this owner over
     * [addr, addr + PAGE_SIZE)).
     */
    private boolean devmemFault(Process process, long address, Frame page) {
        int n = memory.migrateToRam(process, address & ~(Kernel.PAGE_SIZE - 1L), 1);
        return n == 1;
    }

    /**
     * dmirror_devmem_free() and the erase of dmirror_devmem_fault_alloc_and_copy(): a page of the
     * device's memory left it, so no mirror may keep it (the MMU_NOTIFY_MIGRATE this device started
     * is skipped by its own invalidate, so the driver erases the entries itself).
     */
    private void devmemFree(Frame page) {
        for (HmmMirrorFile f : files) {
            f.forget(page);
        }
    }

    void closed(HmmMirrorFile f) {
        files.remove(f);
    }

    /**
     * HMM_DMIRROR_RELEASE (dmirror_device_evict_chunk()): every page of the device's memory
     * migrates back to system memory, whoever maps it. Returns the number of pages evicted.
     */
    public int release() {
        return memory.evict();
    }

    /** HMM_DMIRROR_FLAGS with HMM_DMIRROR_FLAG_FAIL_ALLOC: the next device page allocation fails. */
    public void failNextAllocation() {
        memory.failNextAllocations(1);
    }

    @Override
    public String toString() {
        return name + " (" + memory + ")";
    }
}
