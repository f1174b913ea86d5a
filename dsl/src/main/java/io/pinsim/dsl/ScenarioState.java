package io.pinsim.dsl;

import io.pinsim.devices.MemoryRegion;
import io.pinsim.devices.RdmaNic;
import io.pinsim.devices.VfioDevice;
import io.pinsim.runtime.DirectIo;
import io.pinsim.runtime.GupPages;
import io.pinsim.runtime.Inode;
import io.pinsim.runtime.IoUring;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.OpenFile;
import io.pinsim.runtime.Pipe;
import io.pinsim.runtime.Process;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/** Everything a scenario carries from step to step. One per scenario; nothing is shared. */
final class ScenarioState {
    /** What a device wrote last, where in the buffer, and how to name it. */
    record Dma(long offset, byte[] bytes, String what) {
    }

    /** A device's hold on the buffer: an MR, a VFIO mapping, a GUP pin or an io_uring buffer. */
    record Registration(String device, GupPages pins, MemoryRegion mr, VfioDevice vfio, long iova, IoUring ring) {
        GupPages pages() {
            if (mr != null) {
                return mr.pins();
            }
            if (ring != null) {
                return ring.buffer(0);
            }
            return pins;
        }
    }

    final Kernel kernel;
    Process current;
    Process parent;
    Process child;
    Buffer buffer;
    Inode file;
    final Map<Process, OpenFile> openFiles = new IdentityHashMap<>();
    final Map<Process, OpenFile> directFiles = new IdentityHashMap<>();
    final Map<String, RdmaNic> nics = new LinkedHashMap<>();
    VfioDevice vfio;
    io.pinsim.devices.Gpu gpu;
    io.pinsim.devices.GpuBo gpuBo;
    io.pinsim.devices.GpuJob gpuJob;
    Registration registration;
    DirectIo inflight;
    Pipe pipe;
    Dma lastDma;
    byte[] lastDeviceRead;
    byte[] lastPipeRead;
    RuntimeException failure;
    String failedStep;
    String lastStep = "none";
    boolean asserted;
    int steps;
    /** How to redo the chain's steps so far on a fresh kernel, for the explorer's setup. */
    final java.util.List<java.util.function.Consumer<Scenario>> replay = new java.util.ArrayList<>();
    /** The first step that cannot be redone on a fresh kernel, or null. */
    String unreplayable;
    /** How racing steps explore: up to this many preemptions, or exactly {@link #schedule} if it is not empty. */
    int preemptions = 2;
    String schedule = "";
    /** What the last exploration found, for the because: line of a later failure; null if none ran. */
    String exploration;

    ScenarioState(Kernel kernel) {
        this.kernel = kernel;
        Scenarios.register(this);
    }

    RdmaNic nic(String name) {
        return nics.computeIfAbsent(name, n -> new RdmaNic(kernel, n));
    }

    io.pinsim.devices.Gpu gpu() {
        if (gpu == null) {
            gpu = new io.pinsim.devices.Gpu(kernel, "gpu0");
        }
        return gpu;
    }

    VfioDevice vfio() {
        if (vfio == null) {
            vfio = new VfioDevice(kernel, DeviceKind.VFIO.deviceName());
        }
        return vfio;
    }
}
