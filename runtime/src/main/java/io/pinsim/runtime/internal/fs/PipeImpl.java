package io.pinsim.runtime.internal.fs;

import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.Pipe;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.internal.mm.Gup;
import io.pinsim.runtime.internal.mm.GupFastImpl;
import io.pinsim.runtime.internal.mm.GupPagesImpl;
import io.pinsim.runtime.internal.mm.GupRef;
import io.pinsim.runtime.internal.mm.MmCore;
import io.pinsim.runtime.internal.mm.MmOwner;
import io.pinsim.runtime.internal.mm.Page;
import io.pinsim.runtime.trace.TraceKind;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Objects;

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

    @Override
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

    @Override
    public byte[] read(Process processReader, int length) {
        Objects.requireNonNull(processReader, "reader");
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
                f.content().read(b.offset(), out, done, take);
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

    /**
     * vmsplice(pipe, {address, length}, 0): the pipe takes plain references to the user pages
     * (iov_iter_get_pages2(), FOLL_GET, no FOLL_WRITE); it copies nothing until it is read.
     *
     * @return the bytes spliced: fewer than {@code length} if the range stops being mapped part-way;
     *         0 for a length of 0
     * @throws ErrnoException EFAULT if not even the first page is mapped readable; EINVAL for a
     *                        negative length
     */
    public static int vmsplice(MmOwner p, Pipe anyPipe, long address, int length) {
        Objects.requireNonNull(anyPipe, "pipe");
        if (!(anyPipe instanceof PipeImpl pipe)) {
            throw new IllegalArgumentException(anyPipe + " was not made by pipe() of a process of this kernel");
        }
        p.requireAlive();
        MmCore core = p.mm().kernel;
        pipe.requireKernel(core);
        if (length <= 0) {
            return core.op(p.name(), "vmsplice(" + pipe.name() + ", " + Kernel.hex(address) + ", " + length + ")", address, () -> {
                if (length < 0) {
                    throw new ErrnoException(Errno.EINVAL, "vmsplice", "iov_len " + length + " is negative as an ssize_t (copy_iovec_from_user)");
                }
                return 0;
            });
        }
        long first = address & ~(Kernel.PAGE_SIZE - 1L);
        int nr = (int) MmCore.pages(address + length - first);
        GupFastImpl g = Gup.fastSteps(p, p.mainThread(), first, nr, 0, GupRef.Kind.GET, pipe.name());
        return core.op(p.name(), "vmsplice(" + pipe.name() + ", " + Kernel.hex(address) + ", " + length + ")", address, () -> {
            GupPagesImpl pages = g.run();
            int spliced = (int) Math.min(length, ((long) pages.count() << Kernel.PAGE_SHIFT) - (address - first));
            pipe.append(pages, (int) (address - first), spliced);
            return spliced;
        });
    }
}
