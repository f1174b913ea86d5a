package io.pinsim.runtime.internal.fs;

import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MemfdFlags;
import io.pinsim.runtime.SealFlags;
import io.pinsim.runtime.internal.mm.FileSeals;
import io.pinsim.runtime.model.MemfdExec;
import io.pinsim.runtime.model.MemfdFutureWrite;

/**
 * File sealing (mm/memfd.c memfd_fcntl(), memfd_add_seals(), memfd_get_seals(); read in v4.19,
 * 5.10.y and 6.6.y) and the filesystems' seal checks: shmem_write_begin(), shmem_setattr() /
 * hugetlbfs_setattr(), shmem_fallocate(). The mm side (mmap, F_SEAL_WRITE's EBUSY checks) is
 * {@link FileSeals}.
 */
final class MemfdSeals {
    private MemfdSeals() {
    }

    /** memfd_create()'s seals after shmem_file_setup() / hugetlb_file_setup(): MFD_NOEXEC_SEAL clears the exec bits and starts with F_SEAL_EXEC; MFD_ALLOW_SEALING drops F_SEAL_SEAL. */
    static void init(InodeImpl inode, int flags) {
        FileSeals s = inode.mapping.seals;
        if ((flags & MemfdFlags.NOEXEC_SEAL) != 0) {
            s.executable = false;
            s.seals = (s.seals & ~SealFlags.SEAL) | SealFlags.EXEC;
        } else if ((flags & MemfdFlags.ALLOW_SEALING) != 0) {
            s.seals &= ~SealFlags.SEAL;
        }
    }

    /** F_ALL_SEALS of the model: F_SEAL_FUTURE_WRITE from 5.1, F_SEAL_EXEC from 6.3. */
    private static int allSeals(OpenFileImpl f) {
        io.pinsim.runtime.model.KernelModel m = f.process().mm().kernel.model();
        return SealFlags.SEAL | SealFlags.SHRINK | SealFlags.GROW | SealFlags.WRITE
                | (m.get(MemfdFutureWrite.class) != MemfdFutureWrite.UNKNOWN_SEAL ? SealFlags.FUTURE_WRITE : 0)
                | (m.get(MemfdExec.class) != MemfdExec.UNKNOWN_FLAGS ? SealFlags.EXEC : 0);
    }

    /** memfd_get_seals(): the seals, EINVAL for a file without (memfd_file_seals_ptr() NULL). */
    static int get(OpenFileImpl f, String call) {
        f.requireOpen(call);
        FileSeals s = f.inode().mapping.seals;
        if (s == null) {
            throw new ErrnoException(Errno.EINVAL, call, f.label() + " is on " + f.inode().kind().label() + ", which has no seals (only tmpfs and hugetlbfs files do)");
        }
        return s.seals;
    }

    /**
     * memfd_add_seals(), in its order: the descriptor (EBADF), FMODE_WRITE (EPERM), seals outside
     * F_ALL_SEALS (EINVAL), no seals on this file (EINVAL), F_SEAL_SEAL (EPERM); then F_SEAL_WRITE's
     * mapping_deny_writable() and memfd_wait_for_pins() (EBUSY); the seals F_SEAL_EXEC implies on an
     * executable memfd are added before or after those checks per {@link MemfdExec}.
     */
    static void add(OpenFileImpl f, int seals, String call) {
        f.requireOpen(call);
        if (!f.writable()) {
            throw new ErrnoException(Errno.EPERM, call, f.label() + " is not open for writing (memfd_add_seals: !(file->f_mode & FMODE_WRITE))");
        }
        int all = allSeals(f);
        if ((seals & ~all) != 0) {
            throw new ErrnoException(Errno.EINVAL, call, "unknown seals " + SealFlags.describe(seals & ~all) + " (F_ALL_SEALS is " + SealFlags.describe(all) + " in this model)");
        }
        FileSeals s = f.inode().mapping.seals;
        if (s == null) {
            throw new ErrnoException(Errno.EINVAL, call, f.label() + " is on " + f.inode().kind().label() + ", which has no seals (memfd_file_seals_ptr() is NULL)");
        }
        if ((s.seals & SealFlags.SEAL) != 0) {
            throw new ErrnoException(Errno.EPERM, call, f.inode().name() + " is sealed F_SEAL_SEAL" + (f.inode().unlinked ? " (a memfd made without MFD_ALLOW_SEALING starts so)" : ""));
        }
        MemfdExec exec = f.process().mm().kernel.model().get(MemfdExec.class);
        int implied = (seals & SealFlags.EXEC) != 0 && s.executable ? SealFlags.SHRINK | SealFlags.GROW | SealFlags.WRITE | SealFlags.FUTURE_WRITE : 0;
        if (exec == MemfdExec.IMPLIED_BEFORE_WRITE_CHECKS) {
            seals |= implied;
        }
        if ((seals & SealFlags.WRITE) != 0 && (s.seals & SealFlags.WRITE) == 0) {
            FileSeals.denyWrite(f.inode().mapping, call);
        }
        s.seals |= seals | implied;
        f.traceInfo(f.inode().name() + " is now sealed " + SealFlags.describe(s.seals) + (implied != 0 && exec == MemfdExec.IMPLIED_AFTER_WRITE_CHECKS
                && (seals & SealFlags.WRITE) == 0 && !s.writeDenied ? " (F_SEAL_WRITE implied by F_SEAL_EXEC after the write checks: writable mappings and pins were not looked at, c4f75bc8bd6b)" : ""));
    }

    /**
     * shmem_write_begin() for each page-sized chunk of a write: F_SEAL_WRITE or F_SEAL_FUTURE_WRITE
     * refuses it; F_SEAL_GROW refuses the first chunk that would end past i_size. Returns how many
     * bytes the chunks before the refused one write (a short write), or throws EPERM if that is none.
     */
    static int writeLimit(OpenFileImpl f, String call, long offset, int n) {
        FileSeals s = f.inode().mapping.seals;
        if (s == null || n == 0 || (s.seals & (SealFlags.GROW | SealFlags.WRITE | SealFlags.FUTURE_WRITE)) == 0) {
            return n;
        }
        if ((s.seals & (SealFlags.WRITE | SealFlags.FUTURE_WRITE)) != 0) {
            throw new ErrnoException(Errno.EPERM, call, f.inode().name() + " is sealed " + SealFlags.describe(s.seals) + ": no writes (shmem_write_begin)");
        }
        long end = offset;
        while (end < offset + n) {
            long chunkEnd = Math.min(offset + n, (end + Kernel.PAGE_SIZE) & -Kernel.PAGE_SIZE);
            if (chunkEnd > f.inode().size) {
                break;
            }
            end = chunkEnd;
        }
        if (end == offset) {
            throw new ErrnoException(Errno.EPERM, call, f.inode().name() + " is sealed F_SEAL_GROW and the write would end past its size " + f.inode().size + " (shmem_write_begin)");
        }
        return (int) (end - offset);
    }

    /** shmem_setattr() / hugetlbfs_setattr(): F_SEAL_SHRINK refuses a smaller size, F_SEAL_GROW a larger one (EPERM), or null. */
    static ErrnoException truncateRefusal(InodeImpl inode, String call, long size) {
        FileSeals s = inode.mapping.seals;
        if (s != null && ((size < inode.size && (s.seals & SealFlags.SHRINK) != 0) || (size > inode.size && (s.seals & SealFlags.GROW) != 0))) {
            return new ErrnoException(Errno.EPERM, call, inode.name() + " is sealed " + SealFlags.describe(s.seals) + ": it may not " + (size < inode.size ? "shrink" : "grow")
                    + " (" + (inode.kind() == io.pinsim.runtime.FsKind.HUGETLBFS ? "hugetlbfs_setattr" : "shmem_setattr") + ")");
        }
        return null;
    }

    /** shmem_fallocate(FALLOC_FL_PUNCH_HOLE): F_SEAL_WRITE or F_SEAL_FUTURE_WRITE refuses it (EPERM), or null. */
    static ErrnoException punchRefusal(InodeImpl inode, String call) {
        FileSeals s = inode.mapping.seals;
        if (s != null && (s.seals & (SealFlags.WRITE | SealFlags.FUTURE_WRITE)) != 0) {
            return new ErrnoException(Errno.EPERM, call, inode.name() + " is sealed " + SealFlags.describe(s.seals) + ": no hole punching (shmem_fallocate)");
        }
        return null;
    }
}
