package io.pinsim.devices;

import io.pinsim.runtime.Frame;
import io.pinsim.runtime.GupPages;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MmuIntervalNotifier;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.spi.DevicePageTable;

/**
 * A registered memory region: pinned (its pages are held from registration to deregistration)
 * or on-demand (ODP: an interval notifier and a device page table filled by device page faults).
 */
public final class MemoryRegion {
    final ProtectionDomain pd;
    final int key;
    final long address;
    final long length;
    final int access;
    /** Pinned MR: the pins. */
    final GupPages pages;
    /** ODP MR: the notifier and the device's translation table. */
    final MmuIntervalNotifier notifier;
    final DevicePageTable deviceTable;
    boolean deregistered;

    MemoryRegion(ProtectionDomain pd, int key, long address, long length, int access, GupPages pages, MmuIntervalNotifier notifier, DevicePageTable deviceTable) {
        this.pd = pd;
        this.key = key;
        this.address = address;
        this.length = length;
        this.access = access;
        this.pages = pages;
        this.notifier = notifier;
        this.deviceTable = deviceTable;
    }

    /** The lkey/rkey. */
    public int key() {
        return key;
    }

    /** @return the MR's first user address (ibv_reg_mr's addr) */
    public long address() {
        return address;
    }

    /** @return the MR's length in bytes */
    public long length() {
        return length;
    }

    /** @return the process whose memory the MR registers */
    public Process process() {
        return pd.process();
    }

    /** @return whether it is an ODP MR (IB_ACCESS_ON_DEMAND: no pins, mmu notifiers instead) */
    public boolean isOnDemand() {
        return notifier != null;
    }

    /** @return whether the NIC may write it (its pages were pinned with FOLL_WRITE) */
    public boolean isWritable() {
        return IbAccess.writable(access);
    }

    /** @return whether ibv_dereg_mr() has run */
    public boolean isDeregistered() {
        return deregistered;
    }

    /**
     * @return whether a page of this pinned MR was redirected to the NIC's dummy page (only under
     *         {@link io.pinsim.runtime.model.TruncatePinnedPage#PROPOSAL_NOTIFY_THEN_DUMMY_PAGE})
     */
    public boolean isRedirected() {
        if (pages == null || deregistered) {
            return false;
        }
        for (int i = 0; i < pages.count(); i++) {
            if (pages.frame(i).isDummyPage()) {
                return true;
            }
        }
        return false;
    }

    /** Pinned MR: the pins it holds (null for ODP). */
    public GupPages pins() {
        return pages;
    }

    /** ODP MR: the device's translation table (null for a pinned MR). */
    public DevicePageTable deviceTable() {
        return deviceTable;
    }

    /**
     * The frame the NIC would access for the byte at {@code offset} now: the pinned frame, or the
     * device page table's entry (null if the device has none and would fault).
     *
     * @throws IndexOutOfBoundsException unless 0 &lt;= offset &lt; {@link #length()}
     * @throws IllegalStateException     once the MR is deregistered: the NIC accesses nothing
     */
    public Frame deviceFrame(long offset) {
        checkOffset(offset);
        long va = address + offset;
        if (pages != null) {
            return pages.frame((int) ((va - pages.start()) >>> Kernel.PAGE_SHIFT));
        }
        DevicePageTable.Entry e = deviceTable.lookup(va);
        return e == null ? null : e.frame();
    }

    /**
     * Whether the NIC's view of the byte at {@code offset} is the frame the process maps there now.
     *
     * @throws IndexOutOfBoundsException unless 0 &lt;= offset &lt; {@link #length()}
     * @throws IllegalStateException     once the MR is deregistered
     */
    public boolean isCoherent(long offset) {
        Frame f = deviceFrame(offset);
        Process p = process();
        return f != null && p.isAlive() && p.frameAt(address + offset) == f;
    }

    private void checkOffset(long offset) {
        if (offset < 0 || offset >= length) {
            throw new IndexOutOfBoundsException("offset " + offset + " lies outside MR#" + key + ": valid offsets are 0 to " + (length - 1));
        }
        if (deregistered) {
            throw new IllegalStateException(this + ": the NIC accesses nothing through a deregistered MR; register it again");
        }
    }

    @Override
    public String toString() {
        return "MR#" + key + " " + Kernel.hex(address) + "+" + length + " " + IbAccess.describe(access) + " of \"" + process().name() + "\""
                + (deregistered ? " (deregistered)" : "");
    }
}
