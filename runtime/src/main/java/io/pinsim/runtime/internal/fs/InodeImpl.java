package io.pinsim.runtime.internal.fs;

import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.FsKind;
import io.pinsim.runtime.Inode;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.KernelBugException;
import io.pinsim.runtime.MmuNotifierEvent;
import io.pinsim.runtime.internal.locking.LockClass;
import io.pinsim.runtime.internal.locking.RwSem;
import io.pinsim.runtime.internal.mm.AddressSpace;
import io.pinsim.runtime.internal.mm.Content;
import io.pinsim.runtime.internal.mm.MmCore;
import io.pinsim.runtime.internal.mm.Page;
import io.pinsim.runtime.internal.mm.Pte;
import io.pinsim.runtime.internal.mm.VmArea;
import io.pinsim.runtime.internal.mm.Zap;
import io.pinsim.runtime.model.DirtyWithoutBuffersWriteback;
import io.pinsim.runtime.trace.KernelLog;
import io.pinsim.runtime.trace.TraceKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * A file: its size, its page cache ({@link AddressSpace}), and - for ext4 - its blocks on disk. For
 * tmpfs the page cache is the only copy; for fs-DAX the "page cache" holds the file's blocks
 * themselves, which processes map directly.
 */
public final class InodeImpl implements io.pinsim.runtime.Inode, AddressSpace.Host {
    public final MmCore kernel;
    private final FilesystemImpl fs;
    private final long ino;
    private final String name;
    public final AddressSpace mapping;
    /** ext4: the blocks on disk by page index; a missing index is a hole. */
    final NavigableMap<Long, Content> disk = new TreeMap<>();
    public long size;
    /** mapping->wb_err as an errseq: the number of writeback errors recorded so far. */
    int wbErr;
    /** Direct I/O requests in flight on this file (inode_dio_wait() waits for them). */
    final List<DirectIoImpl> inflightDio = new ArrayList<>();
    /** The open files of this inode (struct file references: i_count as far as the model needs it); closing one twice counts once. */
    final java.util.Set<OpenFileImpl> openFiles = new java.util.LinkedHashSet<>();
    /** A memfd's inode: no directory entry, so it is evicted when the last file and the last mapping go (iput_final()). */
    boolean unlinked;
    /** inode->i_rwsem (inode_lock()): the stepped operations take it, for read or write, as the kernel does. */
    public final RwSem iRwsem;

    InodeImpl(MmCore kernel, FilesystemImpl fs, long ino, String name) {
        this.kernel = kernel;
        this.fs = fs;
        this.ino = ino;
        this.name = name;
        this.mapping = new AddressSpace(fs.name() + ":" + name, this, kernel.lockdep());
        this.mapping.seals = fs.kind() == FsKind.TMPFS || fs.kind() == FsKind.HUGETLBFS ? new io.pinsim.runtime.internal.mm.FileSeals() : null;
        this.iRwsem = new RwSem("inode:" + fs.name() + ":" + ino + ":i_rwsem", kernel.lockdep(), LockClass.I_RWSEM);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public FilesystemImpl filesystem() {
        return fs;
    }

    /** The inode number. */
    public long ino() {
        return ino;
    }

    /** i_size in bytes. */
    public long size() {
        return size;
    }

    public FsKind kind() {
        return fs.kind();
    }

    @Override
    public Page cachedPage(long index) {
        requireIndex(index);
        return kind() == FsKind.HUGETLBFS ? Hugetlbfs.subpage(mapping, index) : mapping.pages.get(index);
    }

    /** fput() of an open file of this inode (again at exit for a file already closed: no effect). */
    void fileClosed(OpenFileImpl f) {
        openFiles.remove(f);
        evictIfUnused();
    }

    @Override
    public void lastMappingGone() {
        evictIfUnused();
    }

    /**
     * iput_final() of an unlinked inode (a memfd) with no open file and no mapping left:
     * shmem_evict_inode() / hugetlbfs_evict_inode() (remove_inode_hugepages(), which also gives
     * back the reservations) take every page out of the page cache; a page something still holds
     * is freed when the holder lets go.
     */
    private void evictIfUnused() {
        if (!unlinked || !openFiles.isEmpty() || !mapping.vmas.isEmpty()) {
            return;
        }
        String actor = kernel.currentActor() != null ? kernel.currentActor() : "kernel";
        int n = mapping.pages.size();
        removePages(0, Long.MAX_VALUE, actor, true);
        if (io.pinsim.runtime.internal.mm.Hugetlb.isHugetlbfs(mapping)) {
            io.pinsim.runtime.internal.mm.Hugetlb.truncateReservations(kernel, mapping, 0);
        }
        kernel.trace().record(actor, TraceKind.INFO, -1, -1, mapping.name() + " has no open file and no mapping left: evicted, " + n + " page(s) removed (evict_inode)");
    }

    /** hugetlbfs_file_mmap(): a writable mapping past i_size extends the file to the mapping's end. */
    @Override
    public void extendSize(long bytes) {
        size = Math.max(size, bytes);
    }

    private static void requireIndex(long index) {
        if (index < 0) {
            throw new IllegalArgumentException("page index " + index + " must not be negative: page i of a file holds bytes [i * 4096, (i + 1) * 4096)");
        }
    }

    /** The number of pages in the page cache (for DAX: allocated blocks). */
    public int cachedPages() {
        return mapping.pages.size();
    }

    @Override
    public byte[] read(long offset, int length) {
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("offset and length must not be negative");
        }
        int n = (int) Math.max(0, Math.min(length, size - offset));
        byte[] out = new byte[n];
        int done = 0;
        while (done < n) {
            long o = offset + done;
            long index = o >>> Kernel.PAGE_SHIFT;
            int in = (int) (o & (Kernel.PAGE_SIZE - 1));
            int len = Math.min(n - done, Kernel.PAGE_SIZE - in);
            Content c = peekPage(index);
            if (c != null) {
                c.read(in, out, done, len);
            }
            done += len;
        }
        return out;
    }

    @Override
    public byte[] readDisk(long offset, int length) {
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("offset and length must not be negative, were " + offset + " and " + length);
        }
        if (kind() != FsKind.EXT4) {
            throw new IllegalStateException(kind() + " has no separate disk copy; use read(offset, length)");
        }
        int n = (int) Math.max(0, Math.min(length, size - offset));
        byte[] out = new byte[n];
        int done = 0;
        while (done < n) {
            long o = offset + done;
            int in = (int) (o & (Kernel.PAGE_SIZE - 1));
            int len = Math.min(n - done, Kernel.PAGE_SIZE - in);
            Content c = disk.get(o >>> Kernel.PAGE_SHIFT);
            if (c != null) {
                c.read(in, out, done, len);
            }
            done += len;
        }
        return out;
    }

    @Override
    public boolean hasBlock(long index) {
        requireIndex(index);
        return kind() == FsKind.EXT4 ? disk.containsKey(index) : cachedPage(index) != null;
    }

    /** The number of dirty pages in the page cache. */
    public int dirtyPages() {
        int n = 0;
        for (Page f : mapping.pages.values()) {
            if (f.isDirty()) {
                n++;
            }
        }
        return n;
    }

    // ------------------------------------------------------------------ page cache internals

    void initialContent(byte[] content) {
        size = content.length;
        for (long index = 0; (index << Kernel.PAGE_SHIFT) < content.length; index++) {
            int off = (int) (index << Kernel.PAGE_SHIFT);
            int len = Math.min(Kernel.PAGE_SIZE, content.length - off);
            Content c = new Content();
            c.write(0, content, off, len);
            if (kind() == FsKind.EXT4) {
                disk.put(index, c);
            } else {
                Page f = newCacheFrame(index, c);
                if (f == null) {
                    throw new ErrnoException(Errno.ENOSPC, "create", "no memory for the file's pages");
                }
            }
        }
    }

    /**
     * find_get_page() or read the page in (filemap_fault / generic_file_buffered_read): a
     * page-cache frame for {@code index}, created from the disk block (zeros for a hole) with
     * buffers attached (block_read_full_page). Null if memory is exhausted.
     */
    public Page findOrReadPage(long index) {
        if (kind() == FsKind.HUGETLBFS) {
            return cachedPage(index);
        }
        Page f = mapping.pages.get(index);
        if (f != null) {
            return f;
        }
        Content src = disk.get(index);
        return newCacheFrame(index, src == null ? new Content() : Content.copyOf(src));
    }

    @Override
    public Content peekPage(long index) {
        Page f = cachedPage(index);
        return f != null ? f.content() : disk.get(index);
    }

    private Page newCacheFrame(long index, Content c) {
        Page f = kernel.allocFrame(c);
        if (f == null) {
            return null;
        }
        f.mapping = mapping;
        f.index = index;
        if (kind() == FsKind.EXT4) {
            f.flags |= Page.BUFFERS;
        } else if (kind() == FsKind.DAX) {
            f.flags |= Page.DAX;
        }
        mapping.pages.put(index, f);
        return f;
    }

    /**
     * -&gt;page_mkwrite / write_begin for ext4 (ext4_page_mkwrite(), ext4_write_begin()): allocate the
     * block if it is a hole, attach buffers and dirty the page. tmpfs and DAX pages are just dirtied.
     */
    public void pageMkwrite(Page f) {
        if (kind() == FsKind.EXT4) {
            disk.computeIfAbsent(f.index, i -> new Content());
            f.flags |= Page.BUFFERS;
        }
        f.flags |= Page.DIRTY;
        kernel.touch(f);
    }


    /**
     * set_page_dirty() of one of this file's pages from outside the filesystem's write path: direct-I/O completion
     * (bio_set_pages_dirty / bio_check_pages_dirty) or unpin_user_pages_dirty_lock(). On ext4 a page
     * whose buffers reclaim stripped becomes a dirty page without buffers (Jan Kara, "get_user_pages()
     * and filesystems", 2018-01-03): the model logs it, and writeback will not write it.
     */
    @Override
    public void setPageDirtyFromGup(Page f, String who) {
        if (kind() == FsKind.EXT4 && !f.hasBuffers() && !f.isDirty()) {
            // ext4_set_page_dirty() / ext4_dirty_folio(): WARN_ON_ONCE(!page_has_buffers(page)) (6dcc693bc57f, 4.10).
            kernel.log().print(kernel.trace().step(), KernelLog.Level.WARN, "WARNING: ext4_set_page_dirty: WARN_ON_ONCE(!page_has_buffers(page)): "
                    + who + " dirtied page " + f.index + " of " + mapping.name() + " (frame #" + f.pfn() + ") without buffers");
            kernel.trace().record("kernel", TraceKind.INFO, -1, f.pfn(), "page " + f.index + " of " + mapping.name()
                    + " dirtied by " + who + " without buffers (reclaim stripped them while it was held)");
        }
        f.flags |= Page.DIRTY;
        kernel.touch(f);
    }

    /**
     * Writeback of the dirty pages in [fromIndex, toIndex) (ext4; a no-op elsewhere):
     * folio_clear_dirty_for_io() -> page_mkclean() write-protects and cleans every PTE that maps the
     * page (MMU_NOTIFY_PROTECTION_PAGE), then the page goes to disk. A dirty page without buffers
     * oopses the kernel or is dropped, as the model's {@link DirtyWithoutBuffersWriteback} says.
     *
     * @return the number of pages written
     */
    int writeback(long fromIndex, long toIndex, String actor) {
        if (kind() != FsKind.EXT4) {
            return 0;
        }
        int written = 0;
        for (Page f : new ArrayList<>(mapping.pages.subMap(fromIndex, true, toIndex, false).values())) {
            if (!f.isDirty() || !hasBuffersForWriteback(f, actor)) {
                continue;
            }
            pageMkclean(f);
            f.flags &= ~Page.DIRTY;
            writePage(f, actor);
            written++;
        }
        return written;
    }

    /**
     * ext4's check of a dirty page it is about to write (mpage_prepare_extent_to_map()): a page
     * dirtied without buffers oopses (page_buffers() BUG_ON, up to 5.17) or is cleaned, not written,
     * and reported (cc5095747edf, 5.18), as {@link DirtyWithoutBuffersWriteback} says.
     *
     * @return whether the page has buffers and may be written
     */
    boolean hasBuffersForWriteback(Page f, String actor) {
        if (f.hasBuffers()) {
            return true;
        }
        if (kernel.model().get(DirtyWithoutBuffersWriteback.class) == DirtyWithoutBuffersWriteback.BUG) {
            kernel.log().print(kernel.trace().step(), KernelLog.Level.BUG, "kernel BUG at include/linux/buffer_head.h: page_buffers(): BUG_ON(!PagePrivate(page))"
                    + " in ext4_writepage() for page " + f.index + " of " + mapping.name());
            throw new KernelBugException("ext4-dirty-page-without-buffers", "ext4 writeback of page " + f.index + " of " + mapping.name() + " (frame #" + f.pfn()
                    + "), which was dirtied without buffers: page_buffers() BUG_ON(!PagePrivate(page)) in ext4_writepage()", kernel.trace().render());
        }
        kernel.log().print(kernel.trace().step(), KernelLog.Level.WARN, "EXT4-fs warning (device " + fs.device().name() + "): mpage_prepare_extent_to_map: inode #"
                + ino + ": page " + f.index + " does not have buffers attached");
        f.flags &= ~Page.DIRTY;
        kernel.touch(f);
        kernel.trace().record(actor, TraceKind.INFO, -1, f.pfn(), "writeback dropped page " + f.index + " of " + mapping.name()
                + ": dirty without buffers, cleaned and not written (cc5095747edf): its data is lost");
        return false;
    }

    /** The write of a page to its block (the I/O of ext4_bio_write_page()): the disk gets the page's bytes now. */
    void writePage(Page f, String actor) {
        if ((f.index << Kernel.PAGE_SHIFT) < size) {
            disk.put(f.index, Content.copyOf(f.content()));
        }
        kernel.touch(f);
        kernel.trace().record(actor, TraceKind.INFO, -1, f.pfn(), "wrote back page " + f.index + " of " + mapping.name() + " from frame #" + f.pfn()
                + (f.refs != null ? " while " + String.join(", ", f.holders()) + " still hold it" : ""));
    }

    /** page_mkclean(): write-protect and clean every shared PTE that maps the page, so the next write faults. */
    private void pageMkclean(Page f) {
        kernel.rmap().walk(f, (mm, vma, vpn) -> {
            if (vma.isShared()) {
                pageMkcleanOne(mm, vpn);
            }
        });
    }

    /**
     * page_mkclean_one() for one PTE (mm/rmap.c): under mmu_notifier_invalidate_range_start/end
     * (MMU_NOTIFY_PROTECTION_PAGE) and the PTL, the PTE loses its write and dirty bits.
     */
    static void pageMkcleanOne(io.pinsim.runtime.internal.mm.Mm mm, long vpn) {
        mm.notifyStart(MmuNotifierEvent.PROTECTION_PAGE, vpn, vpn + 1, true);
        mm.pt.set(vpn, mm.pt.get(vpn) & ~(Pte.WRITE | Pte.DIRTY));
        mm.notifyEnd(MmuNotifierEvent.PROTECTION_PAGE, vpn, vpn + 1);
    }

    /**
     * unmap_mapping_range(): zaps every PTE of every process that maps pages [fromIndex, toIndex) of
     * this file (MMU_NOTIFY_CLEAR). With {@code evenCows} (truncate) the private COW copies go too;
     * without (hole punch, invalidation) only the page-cache pages are unmapped.
     */
    void unmapMappingRange(long fromIndex, long toIndex, boolean evenCows) {
        for (VmArea v : new ArrayList<>(mapping.vmas)) {
            long start = Math.max(v.startVpn, v.vpnFor(fromIndex));
            long end = Math.min(v.endVpn, v.vpnFor(toIndex));
            if (start >= end) {
                continue;
            }
            if (evenCows || v.isShared()) {
                new Zap(kernel).zapRange(v.mm, start, end, MmuNotifierEvent.CLEAR);
            } else {
                zapPageCachePtes(v, start, end);
            }
        }
    }

    private void zapPageCachePtes(VmArea v, long start, long end) {
        List<Long> vpns = new ArrayList<>();
        v.mm.pt.forEach(start, end, (vpn, pte) -> {
            if (Pte.isPresent(pte) && Pte.pfn(pte) != 0 && kernel.frameOfPte(pte).mapping == mapping) {
                vpns.add(vpn);
            }
        });
        for (long vpn : vpns) {
            new Zap(kernel).zapRange(v.mm, vpn, vpn + 1, MmuNotifierEvent.CLEAR);
        }
    }

    /**
     * truncate_inode_pages_range(): removes the pages [fromIndex, toIndex) from the page cache
     * whatever else holds them; a page that something still holds (a pin) becomes an orphan whose
     * later DMA reaches no file. With {@code freeBlocks} (truncate, hole punch) the blocks go too;
     * reclaim and invalidation only drop the cached copies.
     */
    public void removePages(long fromIndex, long toIndex, String actor, boolean freeBlocks) {
        Map<Long, Page> range = mapping.pages.subMap(fromIndex, true, toIndex, false);
        for (Page f : new ArrayList<>(range.values())) {
            mapping.pages.remove(f.index);
            f.mapping = null;
            io.pinsim.runtime.internal.mm.Hugetlb.leftPageCache(f);
            f.flags &= ~(Page.DIRTY | Page.BUFFERS);
            kernel.leftPageCache(f, mapping);
            if (f.refs != null) {
                kernel.trace().record(actor, TraceKind.INFO, -1, f.pfn(), "page " + f.index + " of " + mapping.name() + " removed from the page cache while "
                        + String.join(", ", f.holders()) + " hold it: frame #" + f.pfn() + " is now an orphan, writes to it reach no file");
            }
            kernel.maybeFree(f);
        }
        if (freeBlocks) {
            disk.subMap(fromIndex, true, toIndex, false).clear();
        }
    }

    /**
     * Zeroes [offset, end), which lies within one page, in the page cache and on disk (a partial page
     * of truncate or punch): truncate_inode_partial_folio() for the cached page,
     * ext4_block_truncate_page() / ext4_zero_partial_blocks() for the block.
     */
    void zeroRange(long offset, long end) {
        long index = offset >>> Kernel.PAGE_SHIFT;
        int from = (int) (offset & (Kernel.PAGE_SIZE - 1));
        int len = (int) (end - offset);
        Page f = mapping.pages.get(index);
        if (f != null) {
            f.content().fill(from, len, (byte) 0);
        }
        Content c = disk.get(index);
        if (c != null) {
            c.fill(from, len, (byte) 0);
        }
    }

    /**
     * dax_layout_busy_page_range(): the first page in [fromIndex, toIndex) that something other than
     * the page cache and page tables holds, or null. The range may be empty: a hole punched inside
     * one page rounds inward to no whole page (fromIndex = toIndex + 1).
     */
    Page firstBusyPage(long fromIndex, long toIndex) {
        if (toIndex <= fromIndex) {
            return null;
        }
        for (Page f : mapping.pages.subMap(fromIndex, true, toIndex, false).values()) {
            if (f.refs != null) {
                return f;
            }
        }
        return null;
    }

    /**
     * The first page in [fromIndex, toIndex) that page_maybe_dma_pinned() reports, or null: what a
     * truncate waits for under {@link io.pinsim.runtime.model.TruncatePinnedPage#PROPOSAL_WAIT_FOR_UNPIN}.
     */
    Page firstPinnedPage(long fromIndex, long toIndex) {
        if (toIndex <= fromIndex) {
            return null;
        }
        for (Page f : mapping.pages.subMap(fromIndex, true, toIndex, false).values()) {
            if (f.pageMaybeDmaPinned()) {
                return f;
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return mapping.name() + " (ino " + ino + ", " + size + " bytes)";
    }
}
