package io.pinsim.devices;

import io.pinsim.runtime.PinsimException;

/**
 * A device DMA to an IOVA the IOMMU does not map (or maps without the right): the IOMMU blocks it
 * and reports a fault (DMAR / AMD-Vi IO_PAGE_FAULT); nothing is written or read.
 */
public final class IommuFaultException extends PinsimException {
    private static final long serialVersionUID = 1L;

    /** The IOVA the device accessed. */
    private final long iova;

    /**
     * A blocked DMA.
     *
     * @param device the device that issued it
     * @param iova   the IOVA it accessed
     * @param write  whether it was a write
     * @param reason why the IOMMU refused it
     */
    public IommuFaultException(String device, long iova, boolean write, String reason) {
        super("DMAR: [DMA " + (write ? "Write" : "Read") + "] Request device [" + device + "] fault addr 0x" + Long.toHexString(iova) + ": " + reason);
        this.iova = iova;
    }

    /** @return the IOVA the device accessed */
    public long iova() {
        return iova;
    }
}
