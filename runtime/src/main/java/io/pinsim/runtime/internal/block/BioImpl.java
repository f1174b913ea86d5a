package io.pinsim.runtime.internal.block;

import io.pinsim.runtime.Bio;
import io.pinsim.runtime.internal.fs.DirectIoImpl;

/**
 * One block I/O in flight: a direct read or write of a file range into or out of user pages that
 * GUP holds. {@link #complete()} is the device's completion (the DMA and bio->bi_end_io).
 */
public final class BioImpl implements io.pinsim.runtime.Bio {
    private final DirectIoImpl dio;
    private final int id;

    public BioImpl(DirectIoImpl dio, int id) {
        this.dio = dio;
        this.id = id;
    }

    /** The bio's number on its kernel, in submission order. */
    public int id() {
        return id;
    }

    /** REQ_OP_WRITE (memory to disk) or REQ_OP_READ (disk to memory). */
    public boolean isWrite() {
        return dio.isWrite();
    }

    /** The file offset. */
    public long offset() {
        return dio.offset();
    }

    /** The number of bytes. */
    public int length() {
        return dio.transferLength();
    }

    /** The request this bio serves. */
    public DirectIoImpl request() {
        return dio;
    }

    public boolean isDone() {
        return dio.isDone();
    }

    /** The device completes the bio: the DMA happens now, then the request's completion runs. */
    public void complete() {
        dio.endIo();
    }

    @Override
    public String toString() {
        return "bio#" + id + " " + (isWrite() ? "WRITE" : "READ") + " " + length() + " bytes at " + offset() + (isDone() ? " (done)" : " (in flight)");
    }
}
