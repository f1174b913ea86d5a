package io.pinsim.runtime;

/**
 * A pipe whose buffers may point at user pages, as vmsplice() leaves them (user_page_pipe_buf_ops):
 * the pipe holds plain references and copies nothing until it is read, so a reader sees what the
 * held frames contain <em>then</em>.
 */
public interface Pipe {
    /** The pipe's name in the trace, {@code pipe#1}. */
    String name();

    /** Bytes waiting to be read. */
    long available();

    /**
     * read(pipe, length) by a process: copies from the frames the buffers hold now and drops a
     * buffer's reference once it is consumed.
     *
     * @throws NullPointerException for a null reader
     */
    byte[] read(Process reader, int length);
}
