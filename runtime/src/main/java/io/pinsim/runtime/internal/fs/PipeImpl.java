package io.pinsim.runtime.internal.fs;

import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.Pipe;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.internal.mm.GupPagesImpl;
import io.pinsim.runtime.internal.mm.MmCore;
import io.pinsim.runtime.internal.mm.MmOwner;
import io.pinsim.runtime.internal.mm.Page;
import io.pinsim.runtime.trace.TraceKind;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A pipe whose buffers may point at user pages, as vmsplice() leaves them (user_page_pipe_buf_ops):
 * the pipe holds plain references and copies nothing until it is read, so a reader sees what the
 * held frames contain <em>then</em>.
 */
public final class PipeImpl implements io.pinsim.runtime.Pipe {
    private record Buffer(GupPagesImpl pages, int page, int offset, int length) {
    }

    private final MmCore kernel;
    private final int id;
    private final Deque<Buffer> buffers = new ArrayDeque<>();

    public PipeImpl(MmCore kernel, int id) {
        this.kernel = kernel;
        this.id = id;
    }

    /** The pipe's name in the trace, {@code pipe#1}. */
    public String name() {
        return "pipe#" + id;
    }

    /** Bytes waiting to be read. */
    public long available() {
        long n = 0;
        for (Buffer b : buffers) {
            n += b.length();
        }
        return n;
    }

    /**
     * read(pipe, length) by a process: copies from the frames the buffers hold now and drops a
     * buffer's reference once it is consumed.
     */
    public byte[] read(Process processReader, int length) {
        MmOwner reader = MmOwner.of(processReader, kernel);
        reader.requireAlive();
        if (length < 0) {
            throw new IllegalArgumentException("length must not be negative, was " + length);
        }
        return kernel.op(reader.name(), "read(" + name() + ", " + length + ")", -1, () -> {
            int n = (int) Math.min(length, available());
            byte[] out = new byte[n];
            int done = 0;
            while (done < n) {
                Buffer b = buffers.pollFirst();
                int take = Math.min(b.length(), n - done);
                Page f = b.pages().frame(b.page());
                f.content.read(b.offset(), out, done, take);
                kernel.trace().record(reader.name(), TraceKind.DMA, -1, f.pfn(), name() + " copied " + take + " bytes out of frame #" + f.pfn() + " for the reader");
                done += take;
                if (take < b.length()) {
                    buffers.addFirst(new Buffer(b.pages(), b.page(), b.offset() + take, b.length() - take));
                } else if (buffers.stream().noneMatch(o -> o.pages() == b.pages())) {
                    b.pages().release();
                }
            }
            return out;
        });
    }

    public void append(GupPagesImpl pages, int firstOffset, int length) {
        int left = length;
        int off = firstOffset;
        for (int i = 0; i < pages.count() && left > 0; i++) {
            int n = Math.min(left, Kernel.PAGE_SIZE - off);
            buffers.addLast(new Buffer(pages, i, off, n));
            left -= n;
            off = 0;
        }
    }

    public void requireKernel(MmCore k) {
        if (k != kernel) {
            throw new IllegalArgumentException(name() + " belongs to another kernel");
        }
    }

    @Override
    public String toString() {
        return name() + " (" + available() + " bytes buffered)";
    }
}
