package io.pinsim.runtime;

/**
 * The kinds of filesystem the model knows, each with the properties that decide how pinning
 * behaves on its pages.
 */
public enum FsKind {
    /**
     * ext4/xfs-like: block-backed, with a page cache; shared writable mappings are dirty-tracked
     * (writenotify: read-only PTEs until ->page_mkwrite), writeback cleans pages with page_mkclean()
     * and needs the buffers attached to them.
     */
    EXT4("ext4", true, false),
    /** tmpfs / memfd (shmem): the page cache is the only copy; no writeback, no dirty tracking. */
    TMPFS("tmpfs", false, false),
    /** fs-DAX (ext4 or xfs on persistent memory): the file's blocks are the frames that processes map; no page cache. */
    DAX("ext4-dax", false, true),
    /**
     * hugetlbfs, as the kernel's internal mount that memfd_create(MFD_HUGETLB) uses
     * (hugetlb_file_setup()): the page cache holds 2 MiB hugetlb folios from the pool, mapped by PMD
     * entries; no writeback, no dirty tracking, no write() (hugetlbfs_file_operations has no
     * -&gt;write_iter). Made only by {@link Process#memfdCreate}; {@link Kernel#mount} refuses it.
     */
    HUGETLBFS("hugetlbfs", false, false);

    private final String label;
    private final boolean dirtyTracking;
    private final boolean dax;

    FsKind(String label, boolean dirtyTracking, boolean dax) {
        this.label = label;
        this.dirtyTracking = dirtyTracking;
        this.dax = dax;
    }

    /** The name the model prints for this kind. */
    public String label() {
        return label;
    }

    /**
     * Whether shared writable mappings need dirty tracking (vma_needs_dirty_tracking(): the
     * filesystem has ->page_mkwrite and writes back).
     */
    public boolean needsDirtyTracking() {
        return dirtyTracking;
    }

    /** Whether the filesystem is fs-DAX. */
    public boolean isDax() {
        return dax;
    }

    /**
     * sb-&gt;s_maxbytes, the largest file offset: for ext4 with 4 KiB blocks (2^32 - 1) blocks, 16 TiB
     * minus 4 KiB (ext4_max_size(): the 32-bit logical block of an extent); for tmpfs
     * MAX_LFS_FILESIZE. Writes, truncates and fallocate past it are -EFBIG.
     */
    public long maxBytes() {
        return this == TMPFS || this == HUGETLBFS ? Long.MAX_VALUE : ((1L << 32) - 1) << 12;
    }
}
