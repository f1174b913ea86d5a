package io.pinsim.runtime.internal.fs;

import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Foll;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.KernelBugException;
import io.pinsim.runtime.Task;
import io.pinsim.runtime.internal.block.BioImpl;
import io.pinsim.runtime.internal.mm.Content;
import io.pinsim.runtime.internal.mm.Gup;
import io.pinsim.runtime.internal.mm.GupFastImpl;
import io.pinsim.runtime.internal.mm.GupPagesImpl;
import io.pinsim.runtime.internal.mm.GupRef;
import io.pinsim.runtime.internal.mm.MmCore;
import io.pinsim.runtime.internal.mm.MmOwner;
import io.pinsim.runtime.internal.mm.Page;
import io.pinsim.runtime.model.DioPages;
import io.pinsim.runtime.trace.KernelLog;
import io.pinsim.runtime.trace.TraceKind;
import java.util.ArrayList;
import java.util.List;

/**
 * An O_DIRECT read or write in flight (a kiocb submitted with io_submit, or the synchronous case
 * completed at once). It holds the user pages as the model's {@link DioPages} says - plain
 * references before 6.5, pins from 6.5 - and the DMA happens when the device completes its
 * {@link BioImpl}, into (or out of) whatever frames it holds then.
 */
public final class DirectIoImpl implements BioImpl.EndIo {
    /** The logical block size of the model's block devices: O_DIRECT offsets, lengths and buffers must be multiples of it. */
    public static final int LOGICAL_BLOCK_SIZE = 512;

    private final OpenFileImpl file;
    private final boolean write;
    private final long userAddress;
    private final long offset;
    private final int length;
    private final int id;
    private int transfer;
    private GupPagesImpl pages;
    private BioImpl bio;
    private boolean done;
    private boolean dmaDone;

    private DirectIoImpl(OpenFileImpl file, boolean write, long userAddress, int length, long offset, int id) {
        this.file = file;
        this.write = write;
        this.userAddress = userAddress;
        this.length = length;
        this.offset = offset;
        this.id = id;
    }

    @Override
    public boolean isWrite() {
        return write;
    }

    /** The file offset. */
    public long offset() {
        return offset;
    }

    /** The user buffer. */
    public long userAddress() {
        return userAddress;
    }

    /** The bytes asked for. */
    public int length() {
        return length;
    }

    /** The bytes the device transfers (a read stops at EOF). */
    public int transferLength() {
        return transfer;
    }

    @Override
    public boolean isDone() {
        return done;
    }

    @Override
    public GupPagesImpl pages() {
        return pages;
    }

    @Override
    public BioImpl bio() {
        return bio;
    }

    @Override
    public String name() {
        return "dio#" + id;
    }

    /** The result io_getevents() reports: the bytes transferred. */
    public int result() {
        if (!done) {
            throw new IllegalStateException(name() + " is still in flight; complete() it first");
        }
        return transfer;
    }

    @Override
    public void complete() {
        if (done) {
            throw new IllegalStateException(name() + " is already complete");
        }
        endIo();
    }

    /** A synchronous read or write: iomap_dio_rw() waits for its bio and completes at once; returns the bytes. */
    int completeNow() {
        if (!done) {
            endIo();
        }
        return transfer;
    }

    /**
     * io_submit() of an O_DIRECT PREAD/PWRITE: aio_read()/aio_write() and iomap_dio_rw(), with the
     * logical-block alignment check of iomap_dio_bio_iter() (iomap_dio_bio_actor() before 5.16;
     * EINVAL), EBADF for the wrong mode, rw_verify_area()'s EINVAL and, for a write,
     * generic_write_checks()' EFBIG past s_maxbytes.
     */
    static DirectIoImpl start(OpenFileImpl file, boolean write, long userAddress, int length, long offset) {
        MmOwner p = file.process();
        MmCore k = p.mm().kernel;
        String call = call(file, write, userAddress, length, offset);
        p.requireAlive();
        requireDirect(file);
        return k.op(p.name(), call, userAddress, () -> {
            DirectIoImpl d = prepare(file, write, userAddress, length, offset, call);
            if (!d.done) {
                d.submitBio(d.gupSteps(p.mainThread()).run(), call);
            }
            return d;
        });
    }

    static String call(OpenFileImpl file, boolean write, long userAddress, int length, long offset) {
        return "io_submit(" + file.label() + ", " + (write ? "PWRITE" : "PREAD") + ", " + Kernel.hex(userAddress) + ", " + length + ", " + offset + ")";
    }

    static void requireDirect(OpenFileImpl file) {
        if (!file.isDirect()) {
            throw new IllegalStateException(file + " is not open with O_DIRECT; open it with OpenFlags.DIRECT");
        }
    }

    /** The checks of the syscall and of iomap_dio_rw(): the file's mode and range, then the logical-block alignment (EINVAL). */
    static void check(OpenFileImpl file, boolean write, long userAddress, int length, long offset, String call) {
        file.checkIo(call, length, offset, write);
        if (((offset | length | userAddress) & (LOGICAL_BLOCK_SIZE - 1)) != 0) {
            throw new ErrnoException(Errno.EINVAL, call, "offset " + offset + ", length " + length + " and buffer " + Kernel.hex(userAddress)
                    + " must be multiples of the logical block size " + LOGICAL_BLOCK_SIZE + " (iomap_dio_rw)");
        }
    }

    /**
     * iomap_dio_rw() up to the user pages: the checks, the transfer length (a read stops at EOF;
     * nothing to transfer completes at once), filemap_write_and_wait_range() and, for a write, the
     * invalidation of the cached range. Runs inside an operation.
     */
    static DirectIoImpl prepare(OpenFileImpl file, boolean write, long userAddress, int length, long offset, String call) {
        MmCore k = file.process().mm().kernel;
        check(file, write, userAddress, length, offset, call);
        int n = write ? file.writeLimit(call, offset, length) : length;
        DirectIoImpl d = new DirectIoImpl(file, write, userAddress, n, offset, k.nextId(MmCore.IdKind.DIO));
        InodeImpl inode = file.inode();
        d.transfer = write ? n : (int) Math.max(0, Math.min(n, inode.size - offset));
        if (d.transfer == 0) {
            d.done = true;
            return d;
        }
        // filemap_write_and_wait_range(): the device must see the page cache's dirty data.
        inode.writeback(d.firstIndex(), d.endIndex(), file.process().name());
        if (write && !d.invalidate(d.firstIndex(), d.endIndex())) {
            // generic_file_direct_write() / iomap fall back to buffered I/O (5.5 - 5.9 iomap: warn and go on) when a
            // page is dirty again between writeback and invalidation; in the single-threaded model nothing runs in between.
            throw new KernelBugException("dio-invalidate", "a page of " + inode.name() + " is dirty right after filemap_write_and_wait_range()", k.trace().render());
        }
        return d;
    }

    /** Whether the request holds its pages with FOLL_PIN ({@link DioPages#FOLL_PIN}) rather than FOLL_GET. */
    boolean pins() {
        return file.process().mm().kernel.model().get(DioPages.class) == DioPages.FOLL_PIN;
    }

    /**
     * bio_iov_iter_get_pages(): the user pages of the transfer from {@code thread} with
     * get_user_pages_fast() (iov_iter_get_pages(), FOLL_GET) or, from 6.5, pin_user_pages_fast()
     * (iov_iter_extract_pages(), FOLL_PIN); FOLL_WRITE for a read, which writes user memory.
     */
    GupFastImpl gupSteps(Task thread) {
        long first = userAddress & ~(Kernel.PAGE_SIZE - 1L);
        int nr = (int) MmCore.pages(userAddress + transfer - first);
        return Gup.fastSteps(file.process(), thread, first, nr, write ? 0 : Foll.WRITE, pins() ? GupRef.Kind.PIN : GupRef.Kind.GET, name());
    }

    /**
     * submit_bio() with the pages GUP took: EFAULT (and the pages released) if it took fewer than
     * the transfer needs; a read dirties them first (bio_set_pages_dirty()); the request counts as
     * in flight for inode_dio_wait() (inode_dio_begin()). Runs inside an operation.
     */
    void submitBio(GupPagesImpl got, String call) {
        InodeImpl inode = file.inode();
        MmCore k = file.process().mm().kernel;
        boolean pin = pins();
        int nr = got.requested();
        if (got.count() < nr) {
            releasePages(got);
            throw new ErrnoException(Errno.EFAULT, call, "only " + got.count() + " of " + nr + " pages of the user buffer could be taken ("
                    + (pin ? "iov_iter_extract_pages" : "iov_iter_get_pages") + ")");
        }
        pages = got;
        if (!write) {
            // bio_set_pages_dirty(): pages a read will fill are dirtied before the I/O.
            for (int i = 0; i < got.count(); i++) {
                Page.setPageDirty(got.frame(i), name());
            }
        }
        inode.inflightDio.add(this);
        bio = new BioImpl(this, k.nextId(MmCore.IdKind.BIO));
        inode.filesystem().device().submit(bio);
        k.trace().record(file.process().name(), TraceKind.INFO, userAddress, -1, name() + ": " + bio + " submitted to " + inode.filesystem().device().name()
                + ", user pages held with " + (pin ? "FOLL_PIN" : "FOLL_GET"));
    }

    /** The device that does the DMA, as the trace names it. */
    String deviceName() {
        return file.inode().filesystem().device().name();
    }

    /**
     * The device's DMA of a read into the frames the request holds now, before its completion
     * interrupt: from here on the data is in those frames, whoever maps them.
     */
    void dma() {
        MmCore k = file.process().mm().kernel;
        k.run(deviceName(), "DMA of " + name() + " (" + bio + ") into the held frames", userAddress, this::readDma);
    }

    private void readDma() {
        if (!dmaDone) {
            pages.write(userAddress - pages.start(), file.inode().readDisk(offset, transfer));
            dmaDone = true;
        }
    }

    /** bio->bi_end_io and the dio completion: DMA, re-dirty, release the pages, invalidate after a write. */
    public void endIo() {
        if (done) {
            return;
        }
        MmCore k = file.process().mm().kernel;
        InodeImpl inode = file.inode();
        String device = inode.filesystem().device().name();
        k.run(device, "complete " + name() + " (" + bio + ")", userAddress, () -> {
            long inPage = userAddress - pages.start();
            if (write) {
                byte[] data = pages.read(inPage, transfer);
                writeDisk(inode, data);
                if (!invalidate(firstIndex(), endIndex())) {
                    warnStalePagecache(k);
                }
            } else {
                readDma();
                // bio_check_pages_dirty(): pages that writeback cleaned during the I/O are dirtied again.
                for (int i = 0; i < pages.count(); i++) {
                    if (!pages.frame(i).isDirty()) {
                        Page.setPageDirty(pages.frame(i), name());
                    }
                }
            }
            releasePages(pages);
            inode.inflightDio.remove(this);
            done = true;
            k.trace().record(device, TraceKind.INFO, userAddress, -1, name() + " completed: " + transfer + " bytes " + (write ? "written" : "read"));
        });
    }

    /**
     * Direct I/O whose memory is pages the kernel already holds, as io_uring's fixed buffers are
     * (an ITER_BVEC iterator, io_import_fixed()): no GUP and no new page references (bio_iov_bvec_set()),
     * the same flush, invalidation and block-size alignment as any O_DIRECT transfer
     * (iomap_dio_rw()), completed at once (the model's io_uring completes synchronously).
     *
     * @param data the bytes to write, or null for a read
     * @return the bytes read (for a read), or null
     */
    static byte[] transferFixed(OpenFileImpl file, boolean write, byte[] data, int length, long offset, String call) {
        if (((offset | length) & (LOGICAL_BLOCK_SIZE - 1)) != 0) {
            throw new ErrnoException(Errno.EINVAL, call, "offset " + offset + " and length " + length + " must be multiples of the logical block size "
                    + LOGICAL_BLOCK_SIZE + " (iomap_dio_rw)");
        }
        MmCore k = file.process().mm().kernel;
        DirectIoImpl d = new DirectIoImpl(file, write, -1, length, offset, k.nextId(MmCore.IdKind.DIO));
        InodeImpl inode = file.inode();
        d.transfer = write ? length : (int) Math.max(0, Math.min(length, inode.size - offset));
        d.done = true;
        if (d.transfer == 0) {
            return write ? null : new byte[0];
        }
        inode.writeback(d.firstIndex(), d.endIndex(), file.process().name());
        if (!write) {
            return inode.readDisk(offset, d.transfer);
        }
        if (!d.invalidate(d.firstIndex(), d.endIndex())) {
            throw new KernelBugException("dio-invalidate", "a page of " + inode.name() + " is dirty right after filemap_write_and_wait_range()", k.trace().render());
        }
        d.writeDisk(inode, data);
        if (!d.invalidate(d.firstIndex(), d.endIndex())) {
            d.warnStalePagecache(k);
        }
        return null;
    }

    /** The page-cache indexes the transfer covers, [firstIndex, endIndex). */
    private long firstIndex() {
        return offset >>> Kernel.PAGE_SHIFT;
    }

    private long endIndex() {
        return MmCore.pages(offset + transfer);
    }

    /** bio_release_pages(): unpin what FOLL_PIN took, put_page() what FOLL_GET took; never dirtied here. */
    private static void releasePages(GupPagesImpl p) {
        if (p.isPin()) {
            p.unpin(false);
        } else {
            p.release();
        }
    }

    private void writeDisk(InodeImpl inode, byte[] data) {
        int done = 0;
        while (done < data.length) {
            long o = offset + done;
            int in = (int) (o & (Kernel.PAGE_SIZE - 1));
            int n = Math.min(data.length - done, Kernel.PAGE_SIZE - in);
            inode.disk.computeIfAbsent(o >>> Kernel.PAGE_SHIFT, i -> new Content()).write(in, data, done, n);
            done += n;
        }
        inode.size = Math.max(inode.size, offset + data.length);
    }

    /**
     * invalidate_inode_pages2_range(): unmap the cached pages of the range (unmap_mapping_pages,
     * private COW copies kept) and drop them from the page cache; a page that is dirty again cannot be
     * dropped (invalidate_complete_page2(): "if (PageDirty(page)) goto failed", -EBUSY).
     *
     * @return false if some page could not be invalidated
     */
    private boolean invalidate(long fromIndex, long toIndex) {
        InodeImpl inode = file.inode();
        boolean ok = true;
        List<Page> cached = new ArrayList<>(inode.mapping.pages.subMap(fromIndex, true, toIndex, false).values());
        for (Page f : cached) {
            inode.unmapMappingRange(f.index, f.index + 1, false);
            if (f.isDirty()) {
                ok = false;
                continue;
            }
            inode.removePages(f.index, f.index + 1, file.process().name(), false);
        }
        return ok;
    }

    @Override
    public String toString() {
        return name() + " " + (write ? "write" : "read") + " " + length + " bytes at " + offset + " of " + file.inode().name()
                + (done ? " (done)" : " (in flight)");
    }

    /**
     * dio_warn_stale_pagecache(): records -EIO in the mapping's errseq (the next fsync() of every
     * open file reports it once) and prints the kernel's two lines, at most ten times (the
     * ratelimit allows a burst of 10 per 86400 s; the model has no clock). 5a9d929d6e13.
     */
    private void warnStalePagecache(MmCore k) {
        InodeImpl inode = file.inode();
        inode.wbErr++;
        if (k.staleWarningAllowed()) {
            k.log().print(k.trace().step(), KernelLog.Level.CRIT, "Page cache invalidation failure on direct I/O.  Possible data corruption due to collision with buffered I/O!");
            String comm = file.process().name();
            k.log().print(k.trace().step(), KernelLog.Level.CRIT, "File: /" + inode.filesystem().name() + "/" + inode.name() + " PID: " + file.process().pid()
                    + " Comm: " + (comm.length() > 20 ? comm.substring(0, 20) : comm));
        }
        k.trace().record("kernel", TraceKind.INFO, -1, -1, "page cache of " + inode.name() + " could not be invalidated after a direct write: -EIO recorded in mapping->wb_err");
    }
}
