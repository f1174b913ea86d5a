package io.pinsim.runtime;

/**
 * One block I/O in flight: a direct read or write of a file range into or out of user pages that
 * GUP holds. {@link #complete()} is the device's completion (the DMA and bio->bi_end_io).
 */
public interface Bio {
    /** The bio's number on its kernel, in submission order. */
    int id();

    /** REQ_OP_WRITE (memory to disk) or REQ_OP_READ (disk to memory). */
    boolean isWrite();

    /** The file offset. */
    long offset();

    /** The number of bytes. */
    int length();

    /** The request this bio serves. */
    DirectIo request();

    /** Whether the bio has completed. */
    boolean isDone();

    /**
     * The device completes the bio: the DMA happens now, then the request's completion runs.
     *
     * @throws IllegalStateException if the bio is already complete
     */
    void complete();
}
