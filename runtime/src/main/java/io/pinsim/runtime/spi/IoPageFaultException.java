package io.pinsim.runtime.spi;

import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.PinsimException;

/**
 * A device access through an SVA bond that the IOMMU could not complete: the device gets an error
 * for the transaction (with a page request: the IOMMU_PAGE_RESP_INVALID response of
 * iommu_sva_handle_iopf()), and nothing was read or written.
 */
public final class IoPageFaultException extends PinsimException {
    private static final long serialVersionUID = 1L;

    /** Why the access failed. */
    public enum Kind {
        /** The fault handler could not serve the page request (no VMA, no permission, no memory): IOMMU_PAGE_RESP_INVALID. */
        RESPONSE_INVALID,
        /** The PASID's entry was cleared at mm exit: the IOMMU aborts the transaction without a page request. */
        PASID_ABORTED,
        /** The fault was served, but the IOTLB keeps returning the same stale translation: the device faults forever. */
        STALE_IOTLB
    }

    private final Kind kind;
    private final long address;
    private final boolean write;

    /**
     * A failed access.
     *
     * @param device  the device that issued it
     * @param pasid   the PASID it used
     * @param kind    why it failed
     * @param address the virtual address that failed
     * @param write   whether it was a write
     * @param reason  the kernel's reason, in words
     */
    public IoPageFaultException(String device, int pasid, Kind kind, long address, boolean write, String reason) {
        super("I/O page fault: " + device + " PASID " + pasid + " " + (write ? "write" : "read") + " at " + Kernel.hex(address) + ": " + reason);
        this.kind = kind;
        this.address = address;
        this.write = write;
    }

    /** @return why the access failed */
    public Kind kind() {
        return kind;
    }

    /** @return the virtual address that failed */
    public long address() {
        return address;
    }

    /** @return whether the failed access was a write */
    public boolean isWrite() {
        return write;
    }
}
