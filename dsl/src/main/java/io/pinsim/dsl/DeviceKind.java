package io.pinsim.dsl;

/** The kinds of device a scenario can pin memory for: {@code pin(rdma)}, {@code pin(vfio)}. */
public enum DeviceKind {
    /** An RDMA NIC, {@code rdma0}: a memory region (ibv_reg_mr). */
    RDMA("rdma0"),
    /** A VFIO-assigned device, {@code vfio0}: a DMA mapping (VFIO_IOMMU_MAP_DMA). */
    VFIO("vfio0");

    private final String deviceName;

    DeviceKind(String deviceName) {
        this.deviceName = deviceName;
    }

    /** The name the scenario gives the device on its kernel. */
    public String deviceName() {
        return deviceName;
    }
}
