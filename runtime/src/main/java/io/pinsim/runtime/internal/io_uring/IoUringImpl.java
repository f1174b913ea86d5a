package io.pinsim.runtime.internal.io_uring;

import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Foll;
import io.pinsim.runtime.FsKind;
import io.pinsim.runtime.IoUring;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.OpenFile;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.internal.fs.OpenFileImpl;
import io.pinsim.runtime.internal.mm.GupPagesImpl;
import io.pinsim.runtime.internal.mm.MmCore;
import io.pinsim.runtime.internal.mm.MmOwner;
import io.pinsim.runtime.internal.mm.VmArea;
import io.pinsim.runtime.model.IoUringBufferCheck;
import io.pinsim.runtime.trace.TraceKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An io_uring instance with registered (fixed) buffers. Registration pins the buffer long-term for
 * writing (pin_user_pages(FOLL_WRITE|FOLL_LONGTERM)) and charges it to the user's locked memory;
 * READ_FIXED and WRITE_FIXED then move data between a file and the <em>registered frames</em>,
 * whoever submits them - a child that inherited the ring reads into its parent's frames.
 */
public final class IoUringImpl implements io.pinsim.runtime.IoUring {
    /** The largest registered buffer: SZ_1G (io_buffer_validate()). */
    static final int MAX_BUFFER = 1 << 30;

    /** One registered buffer. */
    private record Buffer(GupPagesImpl pages, long address, int length) {
    }

    private final MmCore kernel;
    private final MmOwner owner;
    private final int id;
    private final List<Buffer> buffers = new ArrayList<>();
    /**
     * Whether registrations are charged to user->locked_vm: decided once, when the ring is created,
     * by the creator's CAP_IPC_LOCK (io_uring_create(): ctx->user is set only without it; 5.10:
     * ctx->limit_mem). Granting the capability later changes nothing for this ring.
     */
    private final boolean limitMem;
    /** Pages registered: charged to pinned_vm always, to user->locked_vm when {@link #limitMem}. */
    private long accounted;
    private boolean closed;

    public IoUringImpl(MmCore kernel, MmOwner owner, int id) {
        this.kernel = kernel;
        this.owner = owner;
        this.id = id;
        this.limitMem = !owner.capIpcLock();
    }

    @Override
    public String name() {
        return "io_uring#" + id;
    }

    /** The number of registered buffers. */
    public int bufferCount() {
        return buffers.size();
    }

    @Override
    public GupPagesImpl buffer(int i) {
        return requireBuffer(i).pages();
    }

    /**
     * IORING_REGISTER_BUFFERS of one buffer: pin it, check what the model's
     * {@link IoUringBufferCheck} refuses, charge RLIMIT_MEMLOCK. Returns the buffer index.
     *
     * @throws ErrnoException EOPNOTSUPP for file-backed memory where io_uring refuses it; EFAULT where
     *                        GUP refuses it (6.5+); ENOMEM past RLIMIT_MEMLOCK; EINVAL for a
     *                        zero length
     */
    public int registerBuffer(long address, int length) {
        String call = "io_uring_register(" + name() + ", IORING_REGISTER_BUFFERS, " + Kernel.hex(address) + ", " + length + ")";
        owner.requireAlive();
        return kernel.op(owner.name(), call, address, () -> {
            requireOpen(call);
            if (length <= 0) {
                throw new ErrnoException(Errno.EINVAL, call, "a buffer needs a positive length");
            }
            if (length > MAX_BUFFER) {
                throw new ErrnoException(Errno.EFAULT, call, "a buffer of " + length + " bytes is larger than 1 GiB (io_buffer_validate)");
            }
            long first = address & ~(Kernel.PAGE_SIZE - 1L);
            int nr = (int) MmCore.pages(address + length - first);
            String holder = name() + " buf#" + buffers.size();
            GupPagesImpl pages = (GupPagesImpl) owner.pinUserPages(first, nr, Foll.WRITE | Foll.LONGTERM, holder);
            if (pages.count() < nr) {
                pages.unpin(false);
                throw new ErrnoException(Errno.EFAULT, call, "only " + pages.count() + " of " + nr + " pages could be pinned");
            }
            String refusal = fileBackedRefusal(first, nr);
            if (refusal != null) {
                pages.unpin(false);
                throw new ErrnoException(Errno.EOPNOTSUPP, call, refusal);
            }
            if (limitMem) {
                try {
                    kernel.userLockedVm.account(owner.rlimitMemlock(), nr, call);
                } catch (ErrnoException e) {
                    pages.unpin(false);
                    throw e;
                }
            }
            owner.mm().pinnedVm += nr;
            accounted += nr;
            buffers.add(new Buffer(pages, address, length));
            return buffers.size() - 1;
        });
    }

    /**
     * io_sqe_buffer_register()'s own check: "don't support file backed memory" (before 6.5): a VMA
     * with a vm_file that is not a hugetlbfs file (5.10 fs/io_uring.c, 6.1 io_uring/rsrc.c
     * io_pin_pages(): {@code vma->vm_file && !is_file_hugepages(vma->vm_file)}), shmem allowed from 5.14.
     */
    private String fileBackedRefusal(long first, int nr) {
        IoUringBufferCheck check = kernel.model().get(IoUringBufferCheck.class);
        if (check == IoUringBufferCheck.GUP_DECIDES) {
            return null;
        }
        // every page is pinned, so the VMAs cover the range without holes: one check per VMA
        long firstVpn = first >>> Kernel.PAGE_SHIFT;
        for (VmArea v : owner.mm().vmasIn(firstVpn, firstVpn + nr)) {
            if (v.mapping == null || v.inode() != null && v.inode().kind() == FsKind.HUGETLBFS) {
                // "vma->vm_file && !is_file_hugepages(vma->vm_file)": hugetlbfs files (MFD_HUGETLB memfds) were always allowed
                continue;
            }
            boolean shmem = v.inode() == null || v.inode().kind() == FsKind.TMPFS;
            if (check == IoUringBufferCheck.NON_SHMEM_FILE_REFUSED && shmem) {
                continue;
            }
            return v + " is file-backed (vma->vm_file" + (check == IoUringBufferCheck.NON_SHMEM_FILE_REFUSED ? ", not shmem" : "")
                    + "): \"don't support file backed memory\" (io_sqe_buffer_register, " + check.source() + ")";
        }
        return null;
    }

    /**
     * IORING_OP_READ_FIXED submitted by {@code submitter}: reads the file into registered buffer
     * {@code bufIndex} at {@code bufOffset} - into the pinned frames, whatever the submitter maps.
     * Returns the bytes read.
     */
    public int readFixed(Process processSubmitter, io.pinsim.runtime.OpenFile openFile, long fileOffset, int bufIndex, int bufOffset, int length) {
        Objects.requireNonNull(processSubmitter, "submitter");
        Objects.requireNonNull(openFile, "file");
        MmOwner submitter = MmOwner.of(processSubmitter, kernel);
        OpenFileImpl file = OpenFileImpl.of(openFile, kernel);
        submitter.requireAlive();
        String call = "io_uring_enter(" + name() + ", READ_FIXED buf#" + bufIndex + "+" + bufOffset + ", " + file.label() + " @" + fileOffset + ", " + length + ")";
        return kernel.op(submitter.name(), call, -1, () -> {
            Buffer b = checkFixed(submitter, call, bufIndex, bufOffset, length);
            byte[] data = file.readForKernel(fileOffset, length, call);
            b.pages().write(b.address() - b.pages().start() + bufOffset, data);
            return data.length;
        });
    }

    /** IORING_OP_WRITE_FIXED submitted by {@code submitter}: writes registered buffer {@code bufIndex} to the file. */
    public int writeFixed(Process processSubmitter, io.pinsim.runtime.OpenFile openFile, long fileOffset, int bufIndex, int bufOffset, int length) {
        Objects.requireNonNull(processSubmitter, "submitter");
        Objects.requireNonNull(openFile, "file");
        MmOwner submitter = MmOwner.of(processSubmitter, kernel);
        OpenFileImpl file = OpenFileImpl.of(openFile, kernel);
        submitter.requireAlive();
        String call = "io_uring_enter(" + name() + ", WRITE_FIXED buf#" + bufIndex + "+" + bufOffset + ", " + file.label() + " @" + fileOffset + ", " + length + ")";
        return kernel.op(submitter.name(), call, -1, () -> {
            Buffer b = checkFixed(submitter, call, bufIndex, bufOffset, length);
            return file.writeForKernel(b.pages().read(b.address() - b.pages().start() + bufOffset, length), fileOffset, call);
        });
    }

    @Override
    public void unregisterBuffers() {
        String call = "io_uring_register(" + name() + ", IORING_UNREGISTER_BUFFERS)";
        kernel.run(owner.isAlive() ? owner.name() : "kernel", call, -1, () -> {
            requireOpen(call);
            if (buffers.isEmpty()) {
                throw new ErrnoException(Errno.ENXIO, call, "no buffers are registered");
            }
            release();
        });
    }

    @Override
    public void close() {
        String call = "close(" + name() + ")";
        kernel.run(owner.isAlive() ? owner.name() : "kernel", call, -1, () -> {
            requireOpen(call);
            release();
            closed = true;
        });
    }

    private void release() {
        for (Buffer b : buffers) {
            b.pages().unpin(true);
        }
        buffers.clear();
        if (limitMem) {
            kernel.userLockedVm.unaccount(accounted);
        }
        owner.mm().pinnedVm -= accounted;
        accounted = 0;
        kernel.trace().record(owner.name(), TraceKind.INFO, -1, -1, name() + ": buffers unregistered and unpinned");
    }

    private Buffer checkFixed(Process processSubmitter, String call, int bufIndex, int bufOffset, int length) {
        MmOwner submitter = MmOwner.of(processSubmitter, kernel);
        requireOpen(call);
        if (!inherits(submitter)) {
            throw new ErrnoException(Errno.EBADF, call, "process \"" + submitter.name() + "\" has no descriptor for " + name());
        }
        if (bufIndex < 0 || bufIndex >= buffers.size()) {
            throw new ErrnoException(Errno.EFAULT, call, "no registered buffer " + bufIndex);
        }
        Buffer b = buffers.get(bufIndex);
        if (bufOffset < 0 || length < 0 || (long) bufOffset + length > b.length()) {
            throw new ErrnoException(Errno.EFAULT, call, "range " + bufOffset + "+" + length + " lies outside buffer " + bufIndex + " of " + b.length() + " bytes");
        }
        return b;
    }

    /** Whether the process holds the ring's descriptor: the owner, or a process forked from it after the ring was created. */
    private boolean inherits(Process p) {
        for (Process q = p; q != null; q = q.parent()) {
            if (q == owner) {
                return true;
            }
        }
        return false;
    }

    private Buffer requireBuffer(int i) {
        if (i < 0 || i >= buffers.size()) {
            throw new IndexOutOfBoundsException("buffer " + i + " does not exist: " + (buffers.isEmpty()
                    ? name() + " has no registered buffers; register one with registerBuffer(address, length)"
                    : "valid indexes are 0 to " + (buffers.size() - 1) + " (" + buffers.size() + " registered buffers)"));
        }
        return buffers.get(i);
    }

    private void requireOpen(String call) {
        if (closed) {
            throw new ErrnoException(Errno.EBADF, call, name() + " is closed");
        }
    }

    @Override
    public String toString() {
        return name() + " of \"" + owner.name() + "\" with " + buffers.size() + " buffer(s)";
    }

    /**
     * io_uring_setup(): a new ring owned by this process; children forked later inherit it.
     *
     * @throws ErrnoException ENOSYS on kernels without io_uring (before 5.1)
     */
    public static IoUringImpl setup(MmOwner p) {
        p.requireAlive();
        return p.mm().kernel.op(p.name(), "io_uring_setup()", -1, () -> {
            if (p.mm().kernel.model().get(io.pinsim.runtime.model.IoUringBufferCheck.class) == io.pinsim.runtime.model.IoUringBufferCheck.NO_IO_URING) {
                throw new ErrnoException(Errno.ENOSYS, "io_uring_setup", "io_uring does not exist in this kernel (added in 5.1)");
            }
            return new IoUringImpl(p.mm().kernel, p, p.mm().kernel.nextId(MmCore.IdKind.RING));
        });
    }
}
