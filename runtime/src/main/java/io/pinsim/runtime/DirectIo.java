package io.pinsim.runtime;

import io.pinsim.runtime.model.DioPages;

/**
 * An O_DIRECT read or write in flight (a kiocb submitted with io_submit, or the synchronous case
 * completed at once). It holds the user pages as the model's {@link DioPages} says - plain
 * references before 6.5, pins from 6.5 - and the DMA happens when the device completes its
 * {@link Bio}, into (or out of) whatever frames it holds then.
 */
public interface DirectIo {
    /** The logical block size of the model's block devices: O_DIRECT offsets, lengths and buffers must be multiples of it. */
    int LOGICAL_BLOCK_SIZE = 512;

    /** @return whether it is a write (the device reads the user pages) rather than a read */
    boolean isWrite();

    /** The file offset. */
    long offset();

    /** The user buffer. */
    long userAddress();

    /** The bytes asked for. */
    int length();

    /** The bytes the device transfers (a read stops at EOF). */
    int transferLength();

    /** @return whether the request has completed */
    boolean isDone();

    /** The pages the request holds (null if it held none: EOF, or a fallback). */
    GupPages pages();

    /** The bio in flight, or null. */
    Bio bio();

    /** The request's name in the trace, {@code dio#1}. */
    String name();

    /** The result io_getevents() reports: the bytes transferred. */
    int result();

    /** The device completes the request (its bio). */
    void complete();
}
