package io.pinsim.devices;

/**
 * A posted work request: the NIC will write into (RDMA WRITE or RECV landing) or read from (SEND,
 * RDMA READ) a memory region. The DMA happens when it is processed; its completion goes to the
 * NIC's completion queue.
 */
public final class WorkRequest {
    final long id;
    final MemoryRegion mr;
    final boolean write;
    final long offset;
    final byte[] data;
    final int length;
    byte[] readData;
    Completion completion;

    WorkRequest(long id, MemoryRegion mr, boolean write, long offset, byte[] data, int length) {
        this.id = id;
        this.mr = mr;
        this.write = write;
        this.offset = offset;
        this.data = data;
        this.length = length;
    }

    /** @return the work request id (wr_id), which its completion carries */
    public long id() {
        return id;
    }

    /** Whether the NIC processed it: it has its completion. */
    public boolean isDone() {
        return completion != null;
    }

    /** The completion, once processed. */
    public Completion completion() {
        requireDone();
        return completion;
    }

    /** For a read: what the NIC read. */
    public byte[] readData() {
        requireDone();
        return readData == null ? null : readData.clone();
    }

    private void requireDone() {
        if (!isDone()) {
            throw new IllegalStateException("WR#" + id + " is still posted; process it first");
        }
    }

    @Override
    public String toString() {
        return "WR#" + id + " " + (write ? "write " : "read ") + length + " bytes at +" + offset + " of " + mr + (isDone() ? " (" + completion.status() + ")" : " (posted)");
    }
}
