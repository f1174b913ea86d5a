package io.pinsim.devices;

import io.pinsim.runtime.Process;
import java.util.ArrayList;
import java.util.List;

/**
 * A KFD user-mode compute queue (AMDKFD_IOC_CREATE_QUEUE): a ring in process memory the GPU's
 * hardware scheduler runs without the kernel. The driver can only stop it by unmapping it from the
 * hardware (evict_process_queues_cpsch(): preemption) and start it again (restore_process_queues_cpsch()).
 */
public final class KfdQueue {
    final int id;
    final AmdKfd device;
    final Process process;
    final List<KfdDispatch> ring = new ArrayList<>();
    boolean destroyed;

    KfdQueue(int id, AmdKfd device, Process process) {
        this.id = id;
        this.device = device;
        this.process = process;
    }

    /** @return the queue id kfd_ioctl_create_queue() returned */
    public int id() {
        return id;
    }

    /** @return the process that owns the queue */
    public Process process() {
        return process;
    }

    /** @return whether the queue is mapped to the hardware (its process's queues are not evicted) */
    public boolean isActive() {
        return !device.queuesEvicted(process);
    }

    /** @return the dispatches waiting in the ring, oldest first */
    public List<KfdDispatch> pending() {
        return List.copyOf(ring);
    }

    @Override
    public String toString() {
        return "queue " + id + " of \"" + process.name() + "\" (" + (isActive() ? "active" : "evicted") + ", " + new ArrayList<>(ring).size() + " pending)";
    }
}
