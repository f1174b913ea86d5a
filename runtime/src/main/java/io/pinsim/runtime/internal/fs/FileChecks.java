package io.pinsim.runtime.internal.fs;

import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Kernel;

/**
 * The checks ftruncate() and fallocate(FALLOC_FL_PUNCH_HOLE) make before they change anything
 * (do_sys_ftruncate(), inode_newsize_ok(), vfs_fallocate(), then the filesystem's: hugetlbfs'
 * size alignment and the seals, {@link MemfdSeals}), shared by the plain calls and their
 * steppable forms, which run them again when they start.
 */
final class FileChecks {
    private FileChecks() {
    }

    static String punchCall(OpenFileImpl f, long offset, long length) {
        return "fallocate(" + f.label() + ", FALLOC_FL_PUNCH_HOLE|FALLOC_FL_KEEP_SIZE, " + offset + ", " + length + ")";
    }

    /** vfs_fallocate()'s checks in its order, or null if the punch may go ahead. */
    static ErrnoException punchRefusal(OpenFileImpl f, String call, long offset, long length) {
        if (f.isClosed()) {
            return new ErrnoException(Errno.EBADF, call, "fd " + f.fd() + " is closed");
        }
        if (offset < 0 || length <= 0) {
            return new ErrnoException(Errno.EINVAL, call, offset < 0 ? "negative offset" : "length must be positive");
        }
        if (!f.writable()) {
            return new ErrnoException(Errno.EBADF, call, "the file is not open for writing");
        }
        if (offset + length < 0 || offset + length > f.inode().kind().maxBytes()) {
            return new ErrnoException(Errno.EFBIG, call, "offset " + offset + " + " + length + " ends past " + f.inode().kind().label() + "'s s_maxbytes "
                    + f.inode().kind().maxBytes() + " (vfs_fallocate)");
        }
        ErrnoException sealed = MemfdSeals.punchRefusal(f.inode(), call);
        if (sealed != null) {
            return sealed;
        }
        return LayoutLeases.refusal(f.inode(), call, (offset + Kernel.PAGE_SIZE - 1) >>> Kernel.PAGE_SHIFT, Math.min(offset + length, f.inode().size) >>> Kernel.PAGE_SHIFT);
    }

    /** do_sys_ftruncate() and inode_newsize_ok(), or null if the truncate may go ahead. */
    static ErrnoException truncateRefusal(OpenFileImpl f, String call, long size) {
        if (f.isClosed()) {
            return new ErrnoException(Errno.EBADF, call, "fd " + f.fd() + " is closed");
        }
        if (size < 0) {
            return new ErrnoException(Errno.EINVAL, call, "negative length");
        }
        if (!f.writable()) {
            return new ErrnoException(Errno.EINVAL, call, "the file is not open for writing (do_sys_ftruncate)");
        }
        if (size > f.inode().kind().maxBytes()) {
            return new ErrnoException(Errno.EFBIG, call, "size " + size + " is past " + f.inode().kind().label() + "'s s_maxbytes " + f.inode().kind().maxBytes()
                    + " (inode_newsize_ok)");
        }
        ErrnoException huge = Hugetlbfs.sizeRefusal(f.inode(), call, size);
        if (huge == null) {
            huge = MemfdSeals.truncateRefusal(f.inode(), call, size);
        }
        return huge != null ? huge : size < f.inode().size ? LayoutLeases.refusal(f.inode(), call, (size + Kernel.PAGE_SIZE - 1) >>> Kernel.PAGE_SHIFT, Long.MAX_VALUE) : null;
    }

    /**
     * The checks before a truncate or hole punch becomes steps, in the plain calls' words: a thread of
     * the file's live process, and not fs-DAX, whose {@code what} waits for held blocks (the
     * plain {@code instead} call models that wait).
     *
     * @throws NullPointerException     for a null thread
     * @throws IllegalArgumentException if the thread is not one of the file's process
     * @throws IllegalStateException    for an fs-DAX file or an exited process
     */
    static void requireSteppable(OpenFileImpl file, io.pinsim.runtime.Task thread, String what, String instead) {
        java.util.Objects.requireNonNull(thread, "thread");
        file.process().requireAlive();
        if (thread.process() != file.process()) {
            throw new IllegalArgumentException(thread + " is not a thread of process \"" + file.process().name() + "\", which opened " + file.label());
        }
        if (file.inode().kind().isDax()) {
            throw new IllegalStateException(file.label() + " is on fs-DAX, whose " + what + " waits for held blocks: use " + instead);
        }
    }
}
