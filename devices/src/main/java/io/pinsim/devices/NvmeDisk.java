package io.pinsim.devices;

import io.pinsim.runtime.Bio;
import io.pinsim.runtime.BlockDevice;
import io.pinsim.runtime.Kernel;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An NVMe disk: the block device under an ext4 filesystem and its O_DIRECT I/O. Bios complete when
 * the test says so, in submission order or by id, so a test can keep a direct read in flight
 * across a fork. Mount it with {@code kernel.mount(FsKind.EXT4, disk)}.
 */
public final class NvmeDisk implements BlockDevice {
    private final String name;
    private final List<Bio> inflight = new ArrayList<>();

    public NvmeDisk(Kernel kernel, String name) {
        Objects.requireNonNull(kernel, "kernel");
        this.name = Objects.requireNonNull(name, "name");
        kernel.attachDevice(name);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void submit(Bio bio) {
        inflight.add(bio);
    }

    /** The bios submitted and not completed, oldest first. */
    public List<Bio> inflight() {
        inflight.removeIf(Bio::isDone);
        return List.copyOf(inflight);
    }

    /** Completes the oldest bio in flight. */
    public Bio completeNext() {
        List<Bio> now = inflight();
        if (now.isEmpty()) {
            throw new IllegalStateException(name + " has no bio in flight; submit an O_DIRECT request first");
        }
        Bio b = now.get(0);
        b.complete();
        return b;
    }

    /** Completes the bio with this id. */
    public Bio complete(int bioId) {
        for (Bio b : inflight()) {
            if (b.id() == bioId) {
                b.complete();
                return b;
            }
        }
        throw new IllegalArgumentException("no bio#" + bioId + " in flight on " + name + "; in flight: " + inflight());
    }

    /** Completes every bio in flight, oldest first. */
    public void completeAll() {
        for (Bio b : inflight()) {
            b.complete();
        }
    }

    @Override
    public String toString() {
        return "NVMe " + name;
    }
}
