package io.pinsim.dsl;

import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.Process;
import java.util.Objects;

/**
 * A buffer: an address range of one process (the handle layer's view of {@code malloc} or
 * {@code mmap}).
 *
 * @param process the process whose address space it is in
 * @param address its first byte
 * @param length  its length in bytes
 */
public record Buffer(Process process, long address, long length) {
    /** Checks that there is a process and a positive length. */
    public Buffer {
        Objects.requireNonNull(process, "process");
        if (length <= 0) {
            throw new IllegalArgumentException("a buffer needs a positive length, was " + length);
        }
    }

    /** The same range in another process (a forked child maps its parent's buffers at the same addresses). */
    public Buffer in(Process other) {
        return new Buffer(other, address, length);
    }

    /** What the process reads there now (a CPU read: it may fault pages in). */
    public byte[] read() {
        return process.read(address, (int) length);
    }

    /** The number of pages it spans. */
    public int pages() {
        return (int) ((address + length - pageStart() + Kernel.PAGE_SIZE - 1) >>> Kernel.PAGE_SHIFT);
    }

    /** The address of its first page: where a page-granular call (madvise, mprotect, munmap, a DMA mapping) starts. */
    public long pageStart() {
        return address & ~(Kernel.PAGE_SIZE - 1L);
    }

    /** The bytes of the whole pages it spans: the length of a page-granular call. */
    public long pageSpan() {
        return pages() * (long) Kernel.PAGE_SIZE;
    }

    @Override
    public String toString() {
        return "process \"" + process.name() + "\" at " + Kernel.hex(address) + " (" + new Size(length) + ")";
    }
}
