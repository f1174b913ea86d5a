package io.pinsim.runtime.internal.fs;

import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.FallocFlags;
import io.pinsim.runtime.FsKind;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.internal.mm.Hugetlb;
import io.pinsim.runtime.internal.mm.HugetlbPool;
import io.pinsim.runtime.internal.mm.MmOwner;
import io.pinsim.runtime.internal.mm.Page;
import io.pinsim.runtime.trace.TraceKind;
import java.util.ArrayList;
import java.util.List;

/**
 * fallocate(fd, mode, offset, len) for mode 0 and FALLOC_FL_KEEP_SIZE (the allocating modes):
 * vfs_fallocate()'s checks (fs/open.c as of 6.6, before 6.15 regrouped the modes) in its order, then the filesystem's -&gt;fallocate:
 * shmem_fallocate() (tmpfs, memfd) puts zeroed pages into the page cache and on failure removes
 * the ones it added (shmem_undo_range()); hugetlbfs_fallocate() puts zeroed huge folios from the
 * pool into the page cache, consuming the inode's reservation where a shared mapping made one, and
 * on -ENOSPC keeps the folios it already added (it has no undo); ext4_fallocate() allocates
 * unwritten blocks, which read as zeros, and leaves the page cache alone. All three check
 * inode_newsize_ok() and, without KEEP_SIZE, extend i_size to offset + len (not rounded up to the
 * page). PUNCH_HOLE|KEEP_SIZE goes to the hole punch; the other modes are not modelled.
 */
final class Fallocate {
    private static final int MODELLED = FallocFlags.KEEP_SIZE;

    private Fallocate() {
    }

    /**
     * fallocate(fd, mode, offset, length) other than a hole punch: refused before it starts if it
     * would sleep (ext4 with direct I/O in flight, see {@link OpenFileImpl#ftruncate(long)}), else the
     * checks and the allocation as one operation.
     */
    static void run(OpenFileImpl f, int mode, long offset, long length) {
        String call = call(f, mode, offset, length);
        if (refusal(f, call, mode, offset, length) == null) {
            TruncateOpImpl.refuseSleep(waitsFor(f.inode()), call, "complete the direct I/O first");
        }
        MmOwner p = f.process();
        p.mm().kernel.run(p.name(), call, -1, () -> {
            ErrnoException refusal = refusal(f, call, mode, offset, length);
            if (refusal != null) {
                throw refusal;
            }
            allocate(f, call, mode, offset, length);
        });
    }

    static String call(OpenFileImpl f, int mode, long offset, long length) {
        return "fallocate(" + f.label() + ", " + FallocFlags.describe(mode) + ", " + offset + ", " + length + ")";
    }

    /**
     * vfs_fallocate()'s checks (fdget() first: a closed descriptor is EBADF), then the
     * filesystem's mode check, or null if the allocation may go ahead. A mode the kernel accepts but
     * the model does not have is an IllegalArgumentException, thrown before anything changes.
     */
    static ErrnoException refusal(OpenFileImpl f, String call, int mode, long offset, long length) {
        if (f.isClosed()) {
            return new ErrnoException(Errno.EBADF, call, "fd " + f.fd() + " is closed");
        }
        if (offset < 0 || length <= 0) {
            return new ErrnoException(Errno.EINVAL, call, offset < 0 ? "negative offset" : "length must be positive");
        }
        if ((mode & ~FallocFlags.SUPPORTED_MASK) != 0) {
            return new ErrnoException(Errno.EOPNOTSUPP, call, "unknown mode bits 0x" + Integer.toHexString(mode & ~FallocFlags.SUPPORTED_MASK)
                    + " (vfs_fallocate: mode & ~FALLOC_FL_SUPPORTED_MASK)");
        }
        if ((mode & (FallocFlags.PUNCH_HOLE | FallocFlags.ZERO_RANGE)) == (FallocFlags.PUNCH_HOLE | FallocFlags.ZERO_RANGE)) {
            return new ErrnoException(Errno.EOPNOTSUPP, call, "PUNCH_HOLE and ZERO_RANGE are mutually exclusive (vfs_fallocate)");
        }
        if ((mode & FallocFlags.PUNCH_HOLE) != 0 && (mode & FallocFlags.KEEP_SIZE) == 0) {
            return new ErrnoException(Errno.EOPNOTSUPP, call, "PUNCH_HOLE needs KEEP_SIZE (vfs_fallocate: punch hole must have keep size set)");
        }
        if ((mode & (FallocFlags.COLLAPSE_RANGE | FallocFlags.INSERT_RANGE)) != 0 && mode != FallocFlags.COLLAPSE_RANGE && mode != FallocFlags.INSERT_RANGE) {
            return new ErrnoException(Errno.EINVAL, call, "COLLAPSE_RANGE and INSERT_RANGE are used alone (vfs_fallocate: should only be used exclusively)");
        }
        if ((mode & FallocFlags.UNSHARE_RANGE) != 0 && (mode & ~(FallocFlags.UNSHARE_RANGE | FallocFlags.KEEP_SIZE)) != 0) {
            return new ErrnoException(Errno.EINVAL, call, "UNSHARE_RANGE goes with KEEP_SIZE only (vfs_fallocate: only with allocate mode)");
        }
        if (!f.writable()) {
            return new ErrnoException(Errno.EBADF, call, "the file is not open for writing");
        }
        FsKind kind = f.inode().kind();
        if (offset + length < 0 || offset + length > kind.maxBytes()) {
            return new ErrnoException(Errno.EFBIG, call, "offset " + offset + " + " + length + " ends past " + kind.label() + "'s s_maxbytes " + kind.maxBytes() + " (vfs_fallocate)");
        }
        boolean shmemLike = kind == FsKind.TMPFS || kind == FsKind.HUGETLBFS;
        if (shmemLike && (mode & ~(FallocFlags.KEEP_SIZE | FallocFlags.PUNCH_HOLE)) != 0) {
            return new ErrnoException(Errno.EOPNOTSUPP, call, kind.label() + " allocates and punches holes only (" + (kind == FsKind.TMPFS ? "shmem_fallocate" : "hugetlbfs_fallocate") + ")");
        }
        if ((mode & ~MODELLED) != 0) {
            throw new IllegalArgumentException(call + ": " + FallocFlags.describe(mode & ~MODELLED) + " on " + kind.label()
                    + " is not modelled; the model has mode 0, FALLOC_FL_KEEP_SIZE and FALLOC_FL_PUNCH_HOLE|FALLOC_FL_KEEP_SIZE (punchHole())");
        }
        return null;
    }

    /**
     * Whether the allocation sleeps first: ext4_do_fallocate() (ext4 and fs-DAX) waits for direct
     * I/O in flight (inode_dio_wait()); tmpfs and hugetlbfs do not. Null if it does not.
     */
    static String waitsFor(InodeImpl inode) {
        if (inode.kind() != FsKind.EXT4 && !inode.kind().isDax() || inode.inflightDio.isEmpty()) {
            return null;
        }
        return inode.inflightDio.size() + " direct I/O request(s) in flight on " + inode.name() + " (ext4_do_fallocate: inode_dio_wait)";
    }

    /** The allocation after {@link #refusal} and {@link #waitsFor} found nothing: the filesystem's -&gt;fallocate. */
    static void allocate(OpenFileImpl f, String call, int mode, long offset, long length) {
        InodeImpl inode = f.inode();
        String actor = f.process().name();
        long end = offset + length;
        int added;
        switch (inode.kind()) {
            case HUGETLBFS -> added = hugetlbfs(inode, call, actor, offset, end);
            case EXT4 -> {
                added = 0;
                for (long i = offset >>> Kernel.PAGE_SHIFT; i <= (end - 1) >>> Kernel.PAGE_SHIFT; i++) {
                    if (inode.disk.putIfAbsent(i, new io.pinsim.runtime.internal.mm.Content()) == null) {
                        added++;
                    }
                }
            }
            default -> added = shmem(inode, call, actor, offset, end);
        }
        boolean grow = (mode & FallocFlags.KEEP_SIZE) == 0 && end > inode.size;
        if (grow) {
            inode.size = end;
        }
        inode.kernel.trace().record(actor, TraceKind.INFO, -1, -1, call + ": " + added + " new " + (inode.kind() == FsKind.EXT4 ? "unwritten block(s)"
                : inode.kind() == FsKind.HUGETLBFS ? "zeroed hugetlb folio(s)" : "zeroed page(s)") + " in " + inode.name()
                + (grow ? ", i_size " + end : ", i_size stays " + inode.size));
    }

    /**
     * shmem_fallocate(): a zeroed page for every index of the range without one, and every page of
     * the range marked dirty ("so that memory pressure will swap rather than free"); on failure the
     * pages it added go again (shmem_undo_range()).
     */
    private static int shmem(InodeImpl inode, String call, String actor, long offset, long end) {
        List<Long> fresh = new ArrayList<>();
        for (long i = offset >>> Kernel.PAGE_SHIFT; i < (end + Kernel.PAGE_SIZE - 1) >>> Kernel.PAGE_SHIFT; i++) {
            Page cached = inode.cachedPage(i);
            if (cached != null) {
                if (!inode.kind().isDax()) {
                    // "SGP_CACHE folios might still be clean: we now need to mark those dirty too"
                    inode.pageMkwrite(cached);
                }
                continue;
            }
            Page p = inode.findOrReadPage(i);
            if (p == null) {
                for (long j : fresh) {
                    inode.removePages(j, j + 1, actor, false);
                }
                throw inode.kind().isDax() ? new ErrnoException(Errno.ENOSPC, call, "no block for page " + i + " of " + inode.name() + " (ext4_alloc_file_blocks)")
                        : new ErrnoException(Errno.ENOMEM, call, "no memory for page " + i + " of " + inode.name() + "; the " + fresh.size()
                                + " page(s) it added are gone again (shmem_fallocate: shmem_undo_range)");
            }
            fresh.add(i);
            if (!inode.kind().isDax()) {
                inode.pageMkwrite(p);
            }
        }
        return fresh.size();
    }

    /**
     * hugetlbfs_fallocate(): the range rounded out to huge pages; a folio already in the page
     * cache is kept, else alloc_hugetlb_folio() on a shared pseudo-VMA takes one from the pool
     * (the inode's reservation at that index if a shared mapping made one, else an unreserved free
     * page). None left: -ENOSPC, and the folios added so far stay in the file.
     */
    private static int hugetlbfs(InodeImpl inode, String call, String actor, long offset, long end) {
        long hpage = Hugetlb.pageSize(inode.mapping);
        HugetlbPool pool = HugetlbPool.of(inode.kernel, Long.numberOfTrailingZeros(hpage) - Kernel.PAGE_SHIFT);
        long first = offset / hpage;
        long last = (end + hpage - 1) / hpage;
        int nr = (int) (hpage >>> Kernel.PAGE_SHIFT);
        int added = 0;
        for (long h = first; h < last; h++) {
            long index = h * nr;
            if (inode.mapping.pages.containsKey(index)) {
                continue;
            }
            if (!pool.hasFileFolio(inode.mapping, index)) {
                throw new ErrnoException(Errno.ENOSPC, call, "no free hugetlb page for huge page " + h + " of " + inode.name() + " (alloc_hugetlb_folio); the "
                        + added + " folio(s) it added stay in the file (hugetlbfs_fallocate has no undo), i_size is unchanged");
            }
            pool.fileFolio(inode.mapping, index, actor, -1);
            added++;
        }
        return added;
    }
}
