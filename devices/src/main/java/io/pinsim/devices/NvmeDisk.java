package io.pinsim.devices;

import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.spi.DriverContext;
import io.pinsim.runtime.SimpleDisk;
import java.util.Objects;

/**
 * An NVMe disk: the block device under an ext4 filesystem and its O_DIRECT I/O, attached to the
 * kernel as a device. Bios complete when the test says so ({@link #completeNext()},
 * {@link #complete(int)}, {@link #completeAll()}), so a test can keep a direct read in flight
 * across a fork. Mount it with {@code kernel.mount(FsKind.EXT4, disk)}.
 */
public final class NvmeDisk extends SimpleDisk {

    /**
     * An NVMe namespace attached to the kernel.
     *
     * @param kernel the kernel it DMAs into
     * @param name   its device name, {@code nvme0n1}
     */
    public NvmeDisk(Kernel kernel, String name) {
        super(name);
        DriverContext.attach(Objects.requireNonNull(kernel, "kernel"), name);
    }

    @Override
    public String toString() {
        return "NVMe " + name();
    }
}
