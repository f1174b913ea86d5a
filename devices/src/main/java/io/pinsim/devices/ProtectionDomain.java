package io.pinsim.devices;

import io.pinsim.runtime.Process;

/** A protection domain (ibv_alloc_pd) of one process on one NIC. */
public final class ProtectionDomain {
    private final RdmaNic nic;
    private final Process process;
    private final int handle;

    ProtectionDomain(RdmaNic nic, Process process, int handle) {
        this.nic = nic;
        this.process = process;
        this.handle = handle;
    }

    /** @return the NIC the PD was allocated on */
    public RdmaNic nic() {
        return nic;
    }

    /** @return the process that owns the PD */
    public Process process() {
        return process;
    }

    @Override
    public String toString() {
        return "PD#" + handle + " of \"" + process.name() + "\" on " + nic.name();
    }
}
