package io.pinsim.runtime.internal.fs;

import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.FsKind;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MapFlags;
import io.pinsim.runtime.OpenFile;
import io.pinsim.runtime.OpenFlags;
import io.pinsim.runtime.Prot;
import io.pinsim.runtime.internal.mm.MmCore;
import io.pinsim.runtime.internal.mm.MmOwner;
import io.pinsim.runtime.internal.mm.Page;
import io.pinsim.runtime.internal.mm.Uaccess;
import io.pinsim.runtime.trace.TraceKind;
import java.util.Objects;

/**
 * An open file description (struct file) of one process: its flags, its position, and the
 * errseq sample that fsync() compares with the file's writeback errors. Buffered I/O copies through
 * the page cache; with {@link OpenFlags#DIRECT} reads and writes go to the device through
 * {@link DirectIoImpl} requests.
 */
public final class OpenFileImpl implements io.pinsim.runtime.OpenFile {
    private final MmOwner process;
    private final InodeImpl inode;
    private final int flags;
    private final int fd;
    private long pos;
    private boolean closed;
    /** file->f_wb_err: the errseq of the mapping when last checked. */
    int wbErrSeen;

    public OpenFileImpl(MmOwner process, InodeImpl inode, int flags, int fd) {
        this.process = process;
        this.inode = inode;
        this.flags = flags;
        this.fd = fd;
        this.wbErrSeen = inode.wbErr;
        inode.openFiles.add(this);
    }

    @Override
    public InodeImpl inode() {
        return inode;
    }

    @Override
    public MmOwner process() {
        return process;
    }

    /** The descriptor number in the process. */
    public int fd() {
        return fd;
    }

    @Override
    public boolean isDirect() {
        return (flags & OpenFlags.DIRECT) != 0;
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    public boolean readable() {
        return (flags & OpenFlags.ACCMODE) != OpenFlags.WRONLY;
    }

    public boolean writable() {
        return (flags & OpenFlags.ACCMODE) != OpenFlags.RDONLY;
    }

    public String label() {
        return "fd " + fd + " (" + inode.filesystem().name() + ":" + inode.name() + ")";
    }

    /** read(fd, userAddress, length) at the file position; O_DIRECT files read directly. Returns the bytes read (0 at EOF). */
    public int read(long userAddress, int length) {
        int n = pread(userAddress, length, pos);
        pos += n;
        return n;
    }

    /** write(fd, userAddress, length) at the file position. */
    public int write(long userAddress, int length) {
        int n = pwrite(userAddress, length, pos);
        pos += n;
        return n;
    }

    /**
     * pread(fd, userAddress, length, offset): copies from the page cache into the process's memory
     * (copy_to_user: a bad buffer is EFAULT). O_DIRECT files read directly and synchronously.
     */
    public int pread(long userAddress, int length, long offset) {
        process.requireAlive();
        if (isDirect()) {
            return startDirectRead(userAddress, length, offset).completeNow();
        }
        String call = "pread(" + label() + ", " + Kernel.hex(userAddress) + ", " + length + ", " + offset + ")";
        // copy_to_user() faults like a CPU store: it waits for what a fault would sleep on (a stepped munmap's mmap_lock, a page lock)
        io.pinsim.runtime.internal.mm.MmapLockWait.forAccess(process.mm(), userAddress, length, true, call);
        return process.mm().kernel.op(process.name(), call, userAddress, () -> {
            checkIo(call, length, offset, false);
            accessOk(call, userAddress, length);
            byte[] data = bufferedRead(call, length, offset);
            new Uaccess(process).copyToUser(userAddress, data, call);
            return data.length;
        });
    }

    @Override
    public byte[] pread(long offset, int length) {
        process.requireAlive();
        String call = "pread(" + label() + ", " + length + ", " + offset + ")";
        return process.mm().kernel.op(process.name(), call, -1, () -> {
            checkIo(call, length, offset, false);
            return bufferedRead(call, length, offset);
        });
    }

    /**
     * pwrite(fd, userAddress, length, offset): copies from the process's memory into the page cache
     * (copy_from_user: a bad buffer is EFAULT), dirtying pages (ext4: allocating blocks and buffers,
     * write_begin) and extending the file. O_DIRECT files write directly and synchronously.
     */
    public int pwrite(long userAddress, int length, long offset) {
        process.requireAlive();
        if (isDirect()) {
            return startDirectWrite(userAddress, length, offset).completeNow();
        }
        String call = "pwrite(" + label() + ", " + Kernel.hex(userAddress) + ", " + length + ", " + offset + ")";
        // copy_from_user() faults like a CPU load: it waits for what a fault would sleep on
        io.pinsim.runtime.internal.mm.MmapLockWait.forAccess(process.mm(), userAddress, length, false, call);
        return process.mm().kernel.op(process.name(), call, userAddress, () -> {
            checkIo(call, length, offset, true);
            accessOk(call, userAddress, length);
            int n = MemfdSeals.writeLimit(this, call, offset, writeLimit(call, offset, length));
            byte[] data = new Uaccess(process).copyFromUser(userAddress, n, call);
            bufferedWrite(call, data, offset);
            return n;
        });
    }

    /** pwrite from a buffer the model does not track. */
    public int pwrite(byte[] data, long offset) {
        Objects.requireNonNull(data, "data");
        process.requireAlive();
        if (isDirect()) {
            throw new IllegalStateException("an O_DIRECT write needs user memory to DMA from: use pwrite(userAddress, length, offset)");
        }
        String call = "pwrite(" + label() + ", " + MmCore.describeBytes(data, 0, 8) + " (" + data.length + " bytes), " + offset + ")";
        return process.mm().kernel.op(process.name(), call, -1, () -> {
            checkIo(call, data.length, offset, true);
            int n = MemfdSeals.writeLimit(this, call, offset, writeLimit(call, offset, data.length));
            bufferedWrite(call, n == data.length ? data : java.util.Arrays.copyOf(data, n), offset);
            return n;
        });
    }

    /**
     * A read into pages the kernel holds (io_uring READ_FIXED): direct on an O_DIRECT file
     * ({@link DirectIoImpl#transferFixed}), through the page cache otherwise. Runs inside the
     * caller's step.
     */
    public byte[] readForKernel(long offset, int length, String call) {
        checkIo(call, length, offset, false);
        return isDirect() ? DirectIoImpl.transferFixed(this, false, null, length, offset, call) : bufferedRead(call, length, offset);
    }

    /** A write from pages the kernel holds (io_uring WRITE_FIXED); see {@link #readForKernel}. */
    public int writeForKernel(byte[] data, long offset, String call) {
        checkIo(call, data.length, offset, true);
        if (isDirect()) {
            DirectIoImpl.transferFixed(this, true, data, data.length, offset, call);
            return data.length;
        }
        int n = MemfdSeals.writeLimit(this, call, offset, data.length);
        bufferedWrite(call, n == data.length ? data : java.util.Arrays.copyOf(data, n), offset);
        return n;
    }

    private byte[] bufferedRead(String call, int length, long offset) {
        int n = (int) Math.max(0, Math.min(length, inode.size - offset));
        byte[] out = new byte[n];
        int done = 0;
        while (done < n) {
            long o = offset + done;
            long index = o >>> Kernel.PAGE_SHIFT;
            int in = (int) (o & (Kernel.PAGE_SIZE - 1));
            int len = Math.min(n - done, Kernel.PAGE_SIZE - in);
            Page f = inode.kind() == FsKind.EXT4 ? inode.findOrReadPage(index) : inode.cachedPage(index);
            if (f == null && inode.kind() == FsKind.EXT4) {
                throw new ErrnoException(Errno.ENOMEM, call, "no memory for the page cache");
            }
            if (f != null) {
                f.content().read(in, out, done, len);
            }
            done += len;
        }
        return out;
    }

    /** generic_perform_write(): write_begin (find or read the page, allocate the block), copy, mark dirty. */
    void bufferedWrite(String call, byte[] data, long offset) {
        int done = 0;
        while (done < data.length) {
            long o = offset + done;
            long index = o >>> Kernel.PAGE_SHIFT;
            int in = (int) (o & (Kernel.PAGE_SIZE - 1));
            int len = Math.min(data.length - done, Kernel.PAGE_SIZE - in);
            Page f = inode.findOrReadPage(index);
            if (f == null) {
                throw new ErrnoException(Errno.ENOMEM, call, "no memory for the page cache");
            }
            f.content().write(in, data, done, len);
            inode.pageMkwrite(f);
            done += len;
            inode.size = Math.max(inode.size, o + len);
        }
    }

    /** The descriptor, then rw_verify_area(): a negative offset or count, or an offset + count past 2^63 - 1, is -EINVAL. */
    public void checkIo(String call, int length, long offset, boolean write) {
        requireOpen(call);
        if (offset < 0 || length < 0) {
            throw new ErrnoException(Errno.EINVAL, call, "negative " + (offset < 0 ? "offset " + offset : "length " + length));
        }
        if (write ? !writable() : !readable()) {
            throw new ErrnoException(Errno.EBADF, call, "the file is not open for " + (write ? "writing" : "reading"));
        }
        Hugetlbfs.checkWrite(inode, call, write);
        if (offset + length < 0) {
            throw new ErrnoException(Errno.EINVAL, call, "offset " + offset + " + " + length + " bytes overflows loff_t (rw_verify_area)");
        }
    }

    /** access_ok(): a user buffer must lie below TASK_SIZE (import_ubuf(), before anything is read or written). */
    private static void accessOk(String call, long userAddress, int length) {
        if (length > 0 && (userAddress < 0 || userAddress > Kernel.TASK_SIZE - length)) {
            throw new ErrnoException(Errno.EFAULT, call, "bad user buffer at " + Kernel.hex(userAddress) + "+" + length + ": outside the user address space (access_ok)");
        }
    }

    /**
     * generic_write_check_limits(): a write at or past sb-&gt;s_maxbytes is -EFBIG; one that crosses it
     * is shortened to end there. Returns the bytes to write.
     */
    int writeLimit(String call, long offset, int length) {
        long max = inode.kind().maxBytes();
        if (length > 0 && offset >= max) {
            throw new ErrnoException(Errno.EFBIG, call, "offset " + offset + " is at or past " + inode.kind().label() + "'s s_maxbytes " + max
                    + " (generic_write_check_limits)");
        }
        return (int) Math.min(length, max - offset);
    }

    /**
     * The checks sys_mmap() and do_mmap() make on a mapping of this file, in the kernel's order: the
     * descriptor, the offset's alignment (sys_mmap()), an offset whose last page lies past
     * MAX_LFS_FILESIZE (file_mmap_ok(), -EOVERFLOW: a negative offset is a huge unsigned one), then
     * FMODE_READ and, for a shared writable mapping, FMODE_WRITE (-EACCES). The model refuses
     * MAP_ANONYMOUS with a file, which the kernel would map anonymously ignoring the file.
     */
    public void checkMmap(int prot, int flags, long length, long offset) {
        requireOpen("mmap");
        if ((flags & MapFlags.ANONYMOUS) != 0) {
            throw new ErrnoException(Errno.EINVAL, "mmap", "MAP_ANONYMOUS with a file");
        }
        if ((offset & (Kernel.PAGE_SIZE - 1)) != 0) {
            throw new ErrnoException(Errno.EINVAL, "mmap", "offset " + offset + " is not page aligned (sys_mmap)");
        }
        long len = MmCore.pages(length) << Kernel.PAGE_SHIFT;
        if (length > 0 && length <= Kernel.TASK_SIZE && Long.compareUnsigned(offset >>> Kernel.PAGE_SHIFT, (Long.MAX_VALUE - len) >>> Kernel.PAGE_SHIFT) > 0) {
            throw new ErrnoException(Errno.EOVERFLOW, "mmap", "offset " + offset + " + " + length + " bytes ends past MAX_LFS_FILESIZE (file_mmap_ok)");
        }
        if (!readable()) {
            throw new ErrnoException(Errno.EACCES, "mmap", "the file is not open for reading");
        }
        boolean shared = (flags & (MapFlags.SHARED | MapFlags.PRIVATE)) == MapFlags.SHARED;
        if (shared && (prot & Prot.WRITE) != 0 && !writable()) {
            throw new ErrnoException(Errno.EACCES, "mmap", "MAP_SHARED with PROT_WRITE of a file not open for writing");
        }
    }

    public void requireOpen(String call) {
        process.requireAlive();
        if (closed) {
            throw new ErrnoException(Errno.EBADF, call, "fd " + fd + " is closed");
        }
    }

    // ------------------------------------------------------------------------------ fsync, truncate

    @Override
    public void fsync() {
        process.requireAlive();
        String call = "fsync(" + label() + ")";
        process.mm().kernel.run(process.name(), call, -1, () -> {
            requireOpen(call);
            inode.writeback(0, Long.MAX_VALUE, process.name());
            if (inode.wbErr != wbErrSeen) {
                wbErrSeen = inode.wbErr;
                throw new ErrnoException(Errno.EIO, call, "a writeback error was recorded on " + inode.name()
                        + " since this file last checked (mapping->wb_err, file_check_and_advance_wb_err)");
            }
        });
    }

    @Override
    public WritebackStepsImpl writebackSteps() {
        return new WritebackStepsImpl(inode);
    }

    /**
     * MmCore-internal: the flusher writes back this file's dirty pages now (ext4; wb_workfn() -&gt;
     * __writeback_single_inode() -&gt; do_writepages()); returns how many.
     */
    @Override
    public int writeback() {
        return process.mm().kernel.op("kernel", "writeback of " + inode.name(), -1, () -> inode.writeback(0, Long.MAX_VALUE, "kernel"));
    }

    /**
     * ftruncate() that must not sleep: if the truncate would wait, it is refused before it starts
     * (the trace and the file stay as they were), naming the wait and startTruncate(). A truncate the
     * kernel refuses fails with its errno as startTruncate() does.
     */
    @Override
    public void ftruncate(long size) {
        process.requireAlive();
        String call = truncateCall(size);
        if (FileChecks.truncateRefusal(this, call, size) == null) {
            TruncateOpImpl.refuseSleep(TruncateOpImpl.wouldWaitFor(inode, size, Long.MAX_VALUE, false), "ftruncate(" + inode.name() + ", " + size + ")", "startTruncate(" + size + ")");
        }
        startTruncate(size).finishSynchronously();
    }

    @Override
    public TruncateOpImpl startTruncate(long size) {
        process.requireAlive();
        String call = truncateCall(size);
        return process.mm().kernel.op(process.name(), call, -1, () -> {
            ErrnoException refusal = FileChecks.truncateRefusal(this, call, size);
            if (refusal != null) {
                throw refusal;
            }
            return process.mm().kernel.startPending(TruncateOpImpl.truncate(this, size));
        });
    }

    private String truncateCall(long size) {
        return "ftruncate(" + label() + ", " + size + ")";
    }

    @Override
    public void fallocate(int mode, long offset, long length) {
        process.requireAlive();
        if (mode == (io.pinsim.runtime.FallocFlags.PUNCH_HOLE | io.pinsim.runtime.FallocFlags.KEEP_SIZE)) {
            punchHole(offset, length);
            return;
        }
        Fallocate.run(this, mode, offset, length);
    }

    /** fallocate(PUNCH_HOLE) that must not sleep: refused before it starts if it would wait (see {@link #ftruncate(long)}). */
    @Override
    public void punchHole(long offset, long length) {
        process.requireAlive();
        Hugetlbfs.refusePunch(inode);
        String call = FileChecks.punchCall(this, offset, length);
        if (FileChecks.punchRefusal(this, call, offset, length) == null) {
            long end = Math.max(offset, Math.min(offset + length, inode.size));
            TruncateOpImpl.refuseSleep(TruncateOpImpl.wouldWaitFor(inode, offset, end, true), "fallocate(PUNCH_HOLE, " + offset + ", " + (end - offset) + ") of " + inode.name(),
                    "startPunchHole(" + offset + ", " + length + ")");
        }
        startPunchHole(offset, length).finishSynchronously();
    }

    @Override
    public TruncateOpImpl startPunchHole(long offset, long length) {
        process.requireAlive();
        Hugetlbfs.refusePunch(inode);
        String call = FileChecks.punchCall(this, offset, length);
        return process.mm().kernel.op(process.name(), call, -1, () -> {
            ErrnoException refusal = FileChecks.punchRefusal(this, call, offset, length);
            if (refusal != null) {
                throw refusal;
            }
            // ext4_punch_hole(): nothing beyond i_size; the range is clamped before inode_dio_wait()
            long end = Math.min(offset + length, inode.size);
            return process.mm().kernel.startPending(TruncateOpImpl.punch(this, offset, Math.max(offset, end)));
        });
    }

    @Override
    public void close() {
        process.requireAlive();
        String call = "close(" + label() + ")";
        process.mm().kernel.run(process.name(), call, -1, () -> {
            requireOpen(call);
            closed = true;
            LayoutLeases.release(this, false);
            inode.fileClosed(this);
        });
    }

    @Override
    public void addSeals(int seals) {
        process.requireAlive();
        String call = "fcntl(" + label() + ", F_ADD_SEALS, " + io.pinsim.runtime.SealFlags.describe(seals) + ")";
        process.mm().kernel.run(process.name(), call, -1, () -> MemfdSeals.add(this, seals, call));
    }

    @Override
    public int getSeals() {
        process.requireAlive();
        String call = "fcntl(" + label() + ", F_GET_SEALS)";
        return process.mm().kernel.op(process.name(), call, -1, () -> MemfdSeals.get(this, call));
    }

    @Override
    public void setLayoutLease(boolean unbreakable) {
        LayoutLeases.set(this, unbreakable);
    }

    @Override
    public void releaseLayoutLease() {
        LayoutLeases.unlock(this);
    }

    @Override
    public boolean isLayoutLeaseBroken() {
        return LayoutLeases.broken(this);
    }

    /**
     * exit_files(): the process exits and its file table goes; the file is closed without a step of
     * its own (the exit is the step).
     */
    public void closeOnExit() {
        closed = true;
        LayoutLeases.release(this, true);
        inode.fileClosed(this);
    }

    // ------------------------------------------------------------------------------ direct I/O

    @Override
    public DirectIoImpl startDirectRead(long userAddress, int length, long offset) {
        return DirectIoImpl.start(this, false, userAddress, length, offset);
    }

    @Override
    public DirectReadStepsImpl preadDirectSteps(io.pinsim.runtime.Task thread, long userAddress, int length, long offset) {
        return DirectReadStepsImpl.of(this, thread, userAddress, length, offset);
    }

    @Override
    public TruncateStepsImpl truncateSteps(io.pinsim.runtime.Task thread, long size) {
        return TruncateStepsImpl.of(this, thread, size);
    }

    @Override
    public PunchHoleStepsImpl punchHoleSteps(io.pinsim.runtime.Task thread, long offset, long length) {
        return PunchHoleStepsImpl.of(this, thread, offset, length);
    }

    @Override
    public DirectIoImpl startDirectWrite(long userAddress, int length, long offset) {
        return DirectIoImpl.start(this, true, userAddress, length, offset);
    }

    @Override
    public String toString() {
        return label() + " " + OpenFlags.describe(flags) + (closed ? " (closed)" : "");
    }

    void traceInfo(String what) {
        process.mm().kernel.trace().record(process.name(), TraceKind.INFO, -1, -1, what);
    }

    /**
     * The open file as fs sees it, checked to belong to this kernel.
     *
     * @throws NullPointerException     for null
     * @throws IllegalArgumentException for a file of another kernel
     */
    public static OpenFileImpl of(io.pinsim.runtime.OpenFile f, MmCore core) {
        java.util.Objects.requireNonNull(f, "file");
        if (!(f instanceof OpenFileImpl o) || o.inode.kernel != core) {
            throw new IllegalArgumentException(f + " belongs to another kernel; open the file in this kernel");
        }
        return o;
    }
}
