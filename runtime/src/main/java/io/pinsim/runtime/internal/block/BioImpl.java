package io.pinsim.runtime.internal.block;

import io.pinsim.runtime.Bio;
import io.pinsim.runtime.DirectIo;

/**
 * One block I/O in flight: a direct read or write of a file range into or out of user pages that
 * GUP holds. {@link #complete()} is the device's completion (the DMA and bio-&gt;bi_end_io).
 */
public final class BioImpl implements Bio {
    private final EndIo owner;
    private final int id;

    /**
     * What a bio knows of the request that submitted it: bio-&gt;bi_private with its bio-&gt;bi_end_io
     * (iomap_dio_bio_end_io() for direct I/O). Implemented by fs, so block never depends on it.
     */
    public interface EndIo extends DirectIo {
        /** bio-&gt;bi_end_io(): the DMA has happened; complete the request. */
        void endIo();
    }

    /** A bio for this request, numbered {@code id} on its kernel. */
    public BioImpl(EndIo owner, int id) {
        this.owner = owner;
        this.id = id;
    }

    @Override
    public int id() {
        return id;
    }

    @Override
    public boolean isWrite() {
        return owner.isWrite();
    }

    @Override
    public long offset() {
        return owner.offset();
    }

    @Override
    public int length() {
        return owner.transferLength();
    }

    @Override
    public DirectIo request() {
        return owner;
    }

    @Override
    public boolean isDone() {
        return owner.isDone();
    }

    @Override
    public void complete() {
        if (isDone()) {
            throw new IllegalStateException(this + " is already complete: the device completes a bio once");
        }
        owner.endIo();
    }

    @Override
    public String toString() {
        return "bio#" + id + " " + (isWrite() ? "WRITE" : "READ") + " " + length() + " bytes at " + offset() + (isDone() ? " (done)" : " (in flight)");
    }
}
