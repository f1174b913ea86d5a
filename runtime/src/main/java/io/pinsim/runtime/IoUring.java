package io.pinsim.runtime;

import io.pinsim.runtime.model.IoUringBufferCheck;

/**
 * An io_uring instance with registered (fixed) buffers. Registration pins the buffer long-term for
 * writing (pin_user_pages(FOLL_WRITE|FOLL_LONGTERM)) and charges it to the user's locked memory;
 * READ_FIXED and WRITE_FIXED then move data between a file and the <em>registered frames</em>,
 * whoever submits them - a child that inherited the ring reads into its parent's frames.
 */
public interface IoUring {
    /** The ring's name in the trace, {@code io_uring#1}. */
    String name();

    /** The number of registered buffers. */
    int bufferCount();

    /**
     * The pins of registered buffer i.
     *
     * @throws IndexOutOfBoundsException unless 0 &lt;= i &lt; {@link #bufferCount()}; the message names the valid range
     */
    GupPages buffer(int i);

    /**
     * IORING_REGISTER_BUFFERS of one buffer: pin it, check what the model's
     * {@link IoUringBufferCheck} refuses, charge RLIMIT_MEMLOCK. Returns the buffer index.
     *
     * @throws ErrnoException EOPNOTSUPP for file-backed memory where io_uring refuses it; EFAULT where
     *                        GUP refuses it (6.5+) and for more than 1 GiB (io_buffer_validate());
     *                        ENOMEM past RLIMIT_MEMLOCK; EINVAL for a length that is not positive;
     *                        EBADF for a closed ring
     */
    int registerBuffer(long address, int length);

    /**
     * IORING_OP_READ_FIXED submitted by {@code submitter}: reads the file into registered buffer
     * {@code bufIndex} at {@code bufOffset} - into the pinned frames, whatever the submitter maps.
     * Returns the bytes read.
     *
     * @throws ErrnoException EFAULT for a buffer index or range outside the registered buffers
     *                        (io_import_fixed()); EBADF for a closed ring or file, a file not open
     *                        for reading, or a submitter that does not hold the ring; EINVAL for a
     *                        negative file offset or count (rw_verify_area())
     * @throws NullPointerException for a null submitter or file
     */
    int readFixed(Process submitter, OpenFile file, long fileOffset, int bufIndex, int bufOffset, int length);

    /**
     * IORING_OP_WRITE_FIXED submitted by {@code submitter}: writes registered buffer {@code bufIndex} to the file.
     *
     * @throws ErrnoException the checks of {@link #readFixed}, with EBADF for a file not open for writing
     * @throws NullPointerException for a null submitter or file
     */
    int writeFixed(Process submitter, OpenFile file, long fileOffset, int bufIndex, int bufOffset, int length);

    /** IORING_UNREGISTER_BUFFERS: unpin every buffer (dirtying it) and return the locked memory. */
    void unregisterBuffers();

    /** Closing the ring (the last reference, e.g. at exit) releases its buffers: io_ring_ctx_free() -&gt; io_sqe_buffers_unregister(). */
    void close();
}
