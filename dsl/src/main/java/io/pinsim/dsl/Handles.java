package io.pinsim.dsl;

import io.pinsim.devices.RdmaNic;
import io.pinsim.devices.VfioDevice;
import io.pinsim.runtime.DirectIo;
import io.pinsim.runtime.GupPages;
import io.pinsim.runtime.Inode;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.trace.KernelLog;
import io.pinsim.runtime.trace.Trace;

/** The handle layer behind a scenario: the same objects the chain worked on, for tests that need more than a story. */
public final class Handles {
    private final ScenarioState state;

    Handles(ScenarioState state) {
        this.state = state;
    }

    /** @return the scenario's kernel */
    public Kernel kernel() {
        return state.kernel;
    }

    /** @return the kernel's trace: every step and what the model did in it */
    public Trace trace() {
        return state.kernel.trace();
    }

    /** @return the kernel's log (dmesg) */
    public KernelLog log() {
        return state.kernel.log();
    }

    /** The parent (or the first process). */
    public Process parent() {
        return state.parent;
    }

    /** The child, or null before fork. */
    public Process child() {
        return state.child;
    }

    /** The current process. */
    public Process process() {
        return state.current;
    }

    /** The buffer, or null. */
    public Buffer buffer() {
        return state.buffer;
    }

    /** The scenario's file, or null. */
    public Inode file() {
        return state.file;
    }

    /** The pages the device holding the buffer holds, or null. */
    public GupPages devicePages() {
        return state.registration == null ? null : state.registration.pages();
    }

    /** The RDMA NIC of that name the scenario attached, or null. */
    public RdmaNic nic(String name) {
        java.util.Objects.requireNonNull(name, "name");
        return state.nics.get(name);
    }

    /** The VFIO device, or null. */
    public VfioDevice vfio() {
        return state.vfio;
    }

    /** The O_DIRECT request of the scenario, or null. */
    public DirectIo directIo() {
        return state.inflight;
    }
}
