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
    boolean done;
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

    public long id() {
        return id;
    }

    public boolean isDone() {
        return done;
    }

    /** The completion, once processed. */
    public Completion completion() {
        if (!done) {
            throw new IllegalStateException("WR#" + id + " is still posted; process it first");
        }
        return completion;
    }

    /** For a read: what the NIC read. */
    public byte[] readData() {
        if (!done) {
            throw new IllegalStateException("WR#" + id + " is still posted; process it first");
        }
        return readData == null ? null : readData.clone();
    }

    @Override
    public String toString() {
        return "WR#" + id + " " + (write ? "write " : "read ") + length + " bytes at +" + offset + " of " + mr + (done ? " (" + completion.status() + ")" : " (posted)");
    }
}
