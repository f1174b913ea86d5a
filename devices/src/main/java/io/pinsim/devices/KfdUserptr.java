package io.pinsim.devices;

import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MmuIntervalNotifier;
import io.pinsim.runtime.Process;

/**
 * A userptr allocation of a KFD process (struct kgd_mem of AMDKFD_IOC_ALLOC_MEMORY_OF_GPU with
 * KFD_IOC_ALLOC_MEM_FLAGS_USERPTR, mapped with AMDKFD_IOC_MAP_MEMORY_TO_GPU): process memory the
 * GPU reaches through its page table. Nothing is pinned: an interval notifier
 * (amdgpu_hmm_register() with amdgpu_hmm_hsa_ops) watches the range.
 */
public final class KfdUserptr {
    final int handle;
    final AmdKfd.KfdProcess owner;
    final long address;
    final long length;
    MmuIntervalNotifier notifier;
    /** mem->invalid: invalidations since the pages were last validated. */
    int invalid;
    boolean freed;

    KfdUserptr(int handle, AmdKfd.KfdProcess owner, long address, long length) {
        this.handle = handle;
        this.owner = owner;
        this.address = address;
        this.length = length;
    }

    /** @return the handle the ioctl returned */
    public int handle() {
        return handle;
    }

    /** @return the process whose memory it is */
    public Process process() {
        return owner.process;
    }

    /** @return the first user address */
    public long address() {
        return address;
    }

    /** @return its length in bytes */
    public long length() {
        return length;
    }

    /** @return whether no invalidation ran since the restore worker last validated its pages (mem-&gt;invalid == 0) */
    public boolean isValid() {
        return invalid == 0;
    }

    /** @return whether it was freed */
    public boolean isFreed() {
        return freed;
    }

    @Override
    public String toString() {
        return "userptr#" + handle + " [" + Kernel.hex(address) + "-" + Kernel.hex(address + length) + ") of \"" + owner.process.name() + "\"";
    }
}
