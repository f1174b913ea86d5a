package io.pinsim.runtime.internal.kernel;

import io.pinsim.runtime.Frame;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.internal.mm.DeviceMigration;
import io.pinsim.runtime.internal.mm.DevicePage;
import io.pinsim.runtime.internal.mm.DevicePool;
import io.pinsim.runtime.internal.mm.MmCore;
import io.pinsim.runtime.internal.mm.MmOwner;
import io.pinsim.runtime.spi.DevicePagemap;
import io.pinsim.runtime.spi.DevicePagemapOps;
import io.pinsim.runtime.spi.HmmPfn;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** A device's private memory as its driver sees it: a {@link DevicePool} and migrate_vma to and from it. */
final class DevicePagemapImpl implements DevicePagemap {
    private final KernelImpl kernel;
    private final String device;
    private final DevicePool pool;

    DevicePagemapImpl(KernelImpl kernel, String device, Object owner, int nrPages, DevicePagemapOps ops) {
        this.kernel = kernel;
        this.device = device;
        this.pool = kernel.core.deviceMemory.memremapPages(device, owner, nrPages, new DevicePool.MigrateToRam() {
            @Override
            public boolean migrateToRam(MmOwner process, long vpn, DevicePage page) {
                return ops.migrateToRam(process, vpn << Kernel.PAGE_SHIFT, page);
            }

            @Override
            public void pageFree(DevicePage page) {
                ops.pageFree(page);
            }
        });
    }

    @Override
    public Object owner() {
        return pool.owner();
    }

    @Override
    public int nrPages() {
        return pool.nrPages();
    }

    @Override
    public int freePages() {
        return pool.freePages();
    }

    @Override
    public boolean owns(Frame frame) {
        Objects.requireNonNull(frame, "frame");
        return frame instanceof DevicePage d && d.pool() == pool;
    }

    private DevicePage mine(Frame frame) {
        Objects.requireNonNull(frame, "devicePage");
        if (!owns(frame)) {
            throw new IllegalArgumentException(frame + " is not a page of " + device + "'s device memory; use a page this pagemap returned");
        }
        DevicePage d = (DevicePage) frame;
        if (d.isFree()) {
            throw new IllegalStateException(d + " is free: migrate a page to the device before using it");
        }
        return d;
    }

    @Override
    public void write(Frame devicePage, int offset, byte[] data) {
        Objects.requireNonNull(data, "data");
        MmCore.checkRange(offset, data.length);
        DevicePage d = mine(devicePage);
        kernel.core.run(device, "device write " + data.length + " bytes into " + d, -1, () -> d.content.write(offset, data, 0, data.length));
    }

    @Override
    public byte[] read(Frame devicePage, int offset, int length) {
        MmCore.checkRange(offset, length);
        return mine(devicePage).read(offset, length);
    }

    @Override
    public void failNextAllocations(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("failNextAllocations(" + n + "): the count must not be negative");
        }
        pool.failNextAllocations(n);
    }

    @Override
    public List<HmmPfn> migrateToDevice(Process process, long address, int nrPages) {
        MmOwner p = MmOwner.of(process, kernel.core);
        p.requireAlive();
        // the driver's mmap_read_lock() around migrate_vma_setup() (dmirror_migrate_to_device()): it would sleep while a stepped
        // munmap or fork holds mmap_lock for write (fuzzer seed 1, sequence 10329: pages migrated back into a range being unmapped)
        io.pinsim.runtime.internal.mm.MmapLockWait.forRead(p.mm(), "migrate_vma(" + Kernel.hex(address) + ")");
        return kernel.core.op(device, "migrate_vma(" + Kernel.hex(address) + ", " + nrPages + " pages, SELECT_SYSTEM -> " + device + ")", address, () -> {
            List<Boolean> writable = new ArrayList<>();
            List<DevicePage> moved = new DeviceMigration(kernel.core).migrateToDevice(p.mm(), address >>> Kernel.PAGE_SHIFT, nrPages, pool, writable, device);
            List<HmmPfn> out = new ArrayList<>(moved.size());
            for (int i = 0; i < moved.size(); i++) {
                out.add(moved.get(i) == null ? HmmPfn.NONE : new HmmPfn(moved.get(i), true, writable.get(i), false, true));
            }
            return out;
        });
    }

    @Override
    public int migrateToRam(Process process, long address, int nrPages) {
        MmOwner p = MmOwner.of(process, kernel.core);
        p.requireAlive();
        io.pinsim.runtime.internal.mm.MmapLockWait.forRead(p.mm(), "migrate_vma(" + Kernel.hex(address) + ")"); // mmap_read_lock(), as for migrateToDevice
        return kernel.core.op(device, "migrate_vma(" + Kernel.hex(address) + ", " + nrPages + " pages, SELECT_DEVICE_PRIVATE -> RAM)", address,
                () -> new DeviceMigration(kernel.core).migrateToRam(p.mm(), address >>> Kernel.PAGE_SHIFT, nrPages, pool, device));
    }

    @Override
    public int evict() {
        return kernel.core.op(device, "migrate_device_range(" + device + ": evict all device pages)", -1, () -> {
            DeviceMigration m = new DeviceMigration(kernel.core);
            int n = 0;
            for (DevicePage d : pool.pages()) {
                if (!d.isFree() && m.migrateOneToRam(d, device)) {
                    n++;
                }
            }
            return n;
        });
    }

    @Override
    public String toString() {
        return pool.toString();
    }
}
