package io.pinsim.runtime;

import io.pinsim.runtime.internal.mm.AddressSpace;

/**
 * A file: its size, its page cache ({@link AddressSpace}), and - for ext4 - its blocks on disk. For
 * tmpfs the page cache is the only copy; for fs-DAX the "page cache" holds the file's blocks
 * themselves, which processes map directly.
 */
public interface Inode {
    /** @return the file's name in its filesystem */
    String name();

    /** @return the filesystem the file lives in */
    Filesystem filesystem();

    /** The inode number. */
    long ino();

    /** i_size in bytes. */
    long size();

    /**
     * The frame caching page {@code index} of the file, or null if it is not cached.
     *
     * @throws IllegalArgumentException for a negative index
     */
    Frame cachedPage(long index);

    /** The number of pages in the page cache (for DAX: allocated blocks). */
    int cachedPages();

    /**
     * Reads the file as another reader would see it now, through the page cache (or the disk where
     * a page is not cached), without faulting anything in. Stops at EOF.
     *
     * @throws IllegalArgumentException for a negative offset or length
     */
    byte[] read(long offset, int length);

    /**
     * ext4: what the disk holds now (what survives a crash), ignoring the page cache. Stops at EOF.
     *
     * @throws IllegalArgumentException for a negative offset or length
     * @throws IllegalStateException    on a filesystem without a separate disk copy (tmpfs, DAX)
     */
    byte[] readDisk(long offset, int length);

    /**
     * Whether the file has a block allocated for page {@code index} (ext4 disk block, DAX block, tmpfs page).
     *
     * @throws IllegalArgumentException for a negative index
     */
    boolean hasBlock(long index);

    /** The number of dirty pages in the page cache. */
    int dirtyPages();
}
