package io.pinsim.devices;

import java.util.Arrays;

/**
 * What the accelerator reports for one job (a hisi_zip/hisi_sec completion record): a status, the
 * bytes read for a read job, and a detail line.
 *
 * @param status how the job ended
 * @param data   the bytes the device read (empty unless a read job succeeded)
 * @param detail why it ended so, in kernel terms
 */
public record UacceCompletion(Status status, byte[] data, String detail) {
    /** How a job ended. */
    public enum Status {
        /** Done. */
        OK,
        /** An I/O page fault was answered IOMMU_PAGE_RESP_INVALID: the device reports a hardware error. */
        PAGE_FAULT,
        /** The IOMMU aborted the transaction: the PASID's address space exited. */
        ABORTED,
        /** The device faulted again and again on a stale read-only IOTLB entry (a hung job). */
        FAULT_LOOP,
        /** The address lies outside what the queue's mode lets the device reach (the DUS region, the mapped buffers). */
        OUT_OF_RANGE,
        /** The queue is not started, or was put: the device runs nothing. */
        QUEUE_STOPPED
    }

    /** A completion (the data array is copied). */
    public UacceCompletion {
        java.util.Objects.requireNonNull(status, "status");
        data = data == null ? new byte[0] : data.clone();
        java.util.Objects.requireNonNull(detail, "detail");
    }

    /** @return the bytes read (a copy) */
    @Override
    public byte[] data() {
        return data.clone();
    }

    /** @return whether the job succeeded */
    public boolean isOk() {
        return status == Status.OK;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UacceCompletion c && c.status == status && Arrays.equals(c.data, data) && c.detail.equals(detail);
    }

    @Override
    public int hashCode() {
        return 31 * status.hashCode() + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return status + (data.length > 0 ? " (" + data.length + " bytes)" : "") + ": " + detail;
    }
}
