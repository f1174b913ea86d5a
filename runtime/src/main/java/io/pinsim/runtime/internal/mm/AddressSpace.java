package io.pinsim.runtime.internal.mm;

import io.pinsim.runtime.FsKind;
import io.pinsim.runtime.internal.locking.LockClass;
import io.pinsim.runtime.internal.locking.LockdepImpl;
import io.pinsim.runtime.internal.locking.RwSem;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * A page cache (struct address_space): the frames of a shmem object or file by page index, and the
 * VMAs that map it (i_mmap), which reverse mapping walks.
 */
public final class AddressSpace {
    private final String name;
    /** The file whose page cache this is, or null for the shmem object of a shared anonymous mapping. */
    public final Host inode;
    public final NavigableMap<Long, Page> pages = new TreeMap<>();
    public final List<VmArea> vmas = new ArrayList<>(2);
    /** The file's seals (tmpfs and hugetlbfs inodes), or null: memfd_file_seals_ptr() is NULL. */
    public FileSeals seals;
    /** A hugetlbfs inode's reservations (null for any other page cache). */
    Hugetlb.FileResv hugetlbResv;
    /**
     * mapping-&gt;invalidate_lock (730633f0b7f9, 5.15; ext4's i_mmap_sem before it, ea3d7209ca01, 4.5):
     * truncate and hole punch hold it for write from unmap_mapping_range() to truncate_inode_pages(),
     * a page fault on the file (filemap_fault()) takes it for read, so no fault maps a page that is
     * about to leave the page cache.
     */
    public final RwSem invalidateLock;
    /** The file's layout lease (DaxLongtermPin.PROPOSAL_LAYOUT_LEASE), or null. */
    public LayoutLease layoutLease;

    public AddressSpace(String name, Host inode) {
        this(name, inode, null);
    }

    /** A page cache whose invalidate lock goes through {@code lockdep} (null: not annotated). */
    public AddressSpace(String name, Host inode, LockdepImpl lockdep) {
        this.name = name;
        this.inode = inode;
        this.invalidateLock = new RwSem("mapping:" + name + ":invalidate_lock", lockdep, LockClass.INVALIDATE_LOCK);
    }

    public String name() {
        return name;
    }

    /**
     * The file that owns a page cache (address_space-&gt;host) with the operations mm calls on it:
     * filemap_fault()'s page lookup, -&gt;page_mkwrite, set_page_dirty() and the page-cache removal
     * reclaim does. Implemented by fs; mm never depends on fs.
     */
    public interface Host {
        /** The file's name. */
        String name();

        /** i_size in bytes. */
        long size();

        /** The filesystem type. */
        FsKind kind();

        /** filemap_fault() / shmem_fault(): the page-cache page at index, read in if needed; null past EOF. */
        Page findOrReadPage(long index);

        /**
         * What filemap_fault() would find at index, without reading it in or allocating anything:
         * the page-cache page's content, else the file's block; null for a hole (it reads as zeros).
         * The caller checks i_size. For {@link Uaccess#peek}.
         */
        Content peekPage(long index);

        /** vm_ops-&gt;page_mkwrite() before a shared mapping's PTE becomes writable. */
        void pageMkwrite(Page f);

        /** set_page_dirty() from outside the filesystem's write path (GUP users, direct I/O completion). */
        void setPageDirtyFromGup(Page f, String who);

        /** The file's last mapping went away (an unlinked file with no open file left is evicted then). */
        default void lastMappingGone() {
        }

        /** hugetlbfs_file_mmap(): a writable mapping past i_size extends the file to the mapping's end. */
        default void extendSize(long bytes) {
            throw new UnsupportedOperationException(name() + " is not a hugetlbfs file");
        }

        /** Removes [fromIndex, toIndex) from the page cache (reclaim of a clean, unmapped page). */
        void removePages(long fromIndex, long toIndex, String actor, boolean freeBlocks);
    }
}
