package io.pinsim.runtime.internal.fs;

import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.FsKind;
import io.pinsim.runtime.internal.mm.AddressSpace;
import io.pinsim.runtime.internal.mm.HugeMemory;
import io.pinsim.runtime.internal.mm.Hugetlb;
import io.pinsim.runtime.internal.mm.Page;
import java.util.Map;

/**
 * The file side of hugetlbfs (fs/hugetlbfs/inode.c) for memfd_create(MFD_HUGETLB) files: the page
 * cache holds 2 MiB or 1 GiB hugetlb folios (the inode's hstate) keyed by the index of their first
 * small page (the mapping and the faults are {@link Hugetlb}'s); reads find a small page inside a
 * folio; there is no write(); sizes are multiples of the huge page size.
 */
final class Hugetlbfs {
    private Hugetlbfs() {
    }

    /** The small page at {@code index} of a hugetlbfs file: the subpage of the folio that covers it, or null (filemap_get_folio() on the huge index). */
    static Page subpage(AddressSpace mapping, long index) {
        Map.Entry<Long, Page> e = mapping.pages.floorEntry(index);
        if (e == null || index - e.getKey() >= e.getValue().nrPages()) {
            return null;
        }
        return e.getValue().subpage((int) (index - e.getKey()));
    }

    /**
     * vfs_write(): hugetlbfs_file_operations has no -&gt;write_iter, so the file has no FMODE_CAN_WRITE
     * and write() and pwrite() fail with EINVAL (after the FMODE_WRITE check).
     */
    static void checkWrite(InodeImpl inode, String call, boolean write) {
        if (write && inode.kind() == FsKind.HUGETLBFS) {
            throw new ErrnoException(Errno.EINVAL, call, inode.name() + " is on hugetlbfs, which has no write(): map it and store, as hugetlbfs users do (vfs_write: no FMODE_CAN_WRITE)");
        }
    }

    /** hugetlbfs_setattr(): the new size must be a multiple of the huge page size, or null if it may go ahead. */
    static ErrnoException sizeRefusal(InodeImpl inode, String call, long size) {
        long hpage = inode.kind() == FsKind.HUGETLBFS ? Hugetlb.pageSize(inode.mapping) : 0;
        if (hpage != 0 && (size & (hpage - 1)) != 0) {
            return new ErrnoException(Errno.EINVAL, call, "size " + size + " is not a multiple of " + (hpage >> 20 >= 1024 ? "1 GiB" : "2 MiB") + ", the huge page size of "
                    + inode.name() + " (hugetlbfs_setattr)");
        }
        return null;
    }

    /** fallocate(PUNCH_HOLE) on hugetlbfs (hugetlbfs_punch_hole()) is not modelled. */
    static void refusePunch(InodeImpl inode) {
        if (inode.kind() == FsKind.HUGETLBFS) {
            throw new IllegalStateException("fallocate(PUNCH_HOLE) of " + inode.name() + ": hole punching on hugetlbfs is not modelled; truncate it with ftruncate() instead");
        }
    }
}
