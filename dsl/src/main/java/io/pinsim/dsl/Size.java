package io.pinsim.dsl;

/**
 * A size in bytes, written as {@code pages(2)} or {@code bytes(512)}.
 *
 * @param bytes the size in bytes
 */
public record Size(long bytes) {
    /** Checks that the size is positive. */
    public Size {
        if (bytes <= 0) {
            throw new IllegalArgumentException("a size must be positive, was " + bytes);
        }
    }

    @Override
    public String toString() {
        long pages = bytes / io.pinsim.runtime.Kernel.PAGE_SIZE;
        if (bytes % io.pinsim.runtime.Kernel.PAGE_SIZE == 0) {
            return pages + (pages == 1 ? " page" : " pages");
        }
        return bytes + " bytes";
    }
}
