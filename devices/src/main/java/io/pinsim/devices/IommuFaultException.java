package io.pinsim.devices;

import io.pinsim.runtime.PinsimException;

/**
 * A device DMA to an IOVA the IOMMU does not map (or maps without the right): the IOMMU blocks it
 * and reports a fault (DMAR / AMD-Vi IO_PAGE_FAULT); nothing is written or read.
 */
public final class IommuFaultException extends PinsimException {
    private static final long serialVersionUID = 1L;

    private final long iova;

    public IommuFaultException(String device, long iova, boolean write, String reason) {
        super("DMAR: [DMA " + (write ? "Write" : "Read") + "] Request device [" + device + "] fault addr 0x" + Long.toHexString(iova) + ": " + reason);
        this.iova = iova;
    }

    public long iova() {
        return iova;
    }
}
