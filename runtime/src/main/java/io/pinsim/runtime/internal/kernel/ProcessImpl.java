package io.pinsim.runtime.internal.kernel;

import io.pinsim.runtime.Advice;
import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Foll;
import io.pinsim.runtime.FsKind;
import io.pinsim.runtime.Inode;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MapFlags;
import io.pinsim.runtime.MmuIntervalNotifierOps;
import io.pinsim.runtime.MmuNotifierEvent;
import io.pinsim.runtime.MmuNotifierListener;
import io.pinsim.runtime.OpenFile;
import io.pinsim.runtime.OpenFlags;
import io.pinsim.runtime.Pipe;
import io.pinsim.runtime.Prot;
import io.pinsim.runtime.Signal;
import io.pinsim.runtime.SignalException;
import io.pinsim.runtime.Task;
import io.pinsim.runtime.Vma;
import io.pinsim.runtime.internal.fs.InodeImpl;
import io.pinsim.runtime.internal.fs.OpenFileImpl;
import io.pinsim.runtime.internal.fs.PipeImpl;
import io.pinsim.runtime.internal.io_uring.IoUringImpl;
import io.pinsim.runtime.internal.mm.Gup;
import io.pinsim.runtime.internal.mm.GupFastImpl;
import io.pinsim.runtime.internal.mm.GupPagesImpl;
import io.pinsim.runtime.internal.mm.GupRef;
import io.pinsim.runtime.internal.mm.Madvise;
import io.pinsim.runtime.internal.mm.Mm;
import io.pinsim.runtime.internal.mm.MmCore;
import io.pinsim.runtime.internal.mm.MmOwner;
import io.pinsim.runtime.internal.mm.Mmap;
import io.pinsim.runtime.internal.mm.MmuIntervalNotifierImpl;
import io.pinsim.runtime.internal.mm.Page;
import io.pinsim.runtime.internal.mm.Pte;
import io.pinsim.runtime.internal.mm.Uaccess;
import io.pinsim.runtime.internal.mm.VmArea;
import io.pinsim.runtime.internal.mm.Zap;
import io.pinsim.runtime.model.IoUringBufferCheck;
import io.pinsim.runtime.trace.KernelLog;
import io.pinsim.runtime.trace.TraceKind;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * A process: a task group with one address space (mm). Its methods are the syscalls and CPU
 * accesses the model knows; each runs as one traced step. A call the kernel would refuse throws
 * {@link ErrnoException} and changes nothing (unless its javadoc names the partial effect the
 * kernel leaves); a bad access delivers a signal: the process is killed and the access throws
 * {@link SignalException}. Using a process after it exited throws {@link IllegalStateException}.
 */
public final class ProcessImpl implements MmOwner {

    final KernelImpl kernel;
    private final int pid;
    private final String name;
    private final ProcessImpl parent;
    final Mm mm;
    private final List<TaskImpl> threads = new ArrayList<>();
    private State state = State.RUNNING;
    private Signal killedBy;
    private int nextTid;
    private int children;
    private int nextFd = 3;
    private long rlimitMemlock = Kernel.DEFAULT_RLIMIT_MEMLOCK;
    private boolean capIpcLock;

    ProcessImpl(KernelImpl kernel, int pid, String name, ProcessImpl parent) {
        this.kernel = kernel;
        this.pid = pid;
        this.name = name;
        this.parent = parent;
        this.mm = new Mm(kernel.core, this);
        this.nextTid = pid;
        threads.add(new TaskImpl(this, nextTid++, name));
        if (parent != null) {
            this.rlimitMemlock = parent.rlimitMemlock;
            this.capIpcLock = parent.capIpcLock;
        }
    }

    public int pid() {
        return pid;
    }

    public String name() {
        return name;
    }

    /** The process that forked this one, or null for a spawned process. */
    public ProcessImpl parent() {
        return parent;
    }

    public KernelImpl kernel() {
        return kernel;
    }

    @Override
    public Mm mm() {
        return mm;
    }

    public State state() {
        return state;
    }

    public boolean isAlive() {
        return state == State.RUNNING;
    }

    /** The signal that killed the process, or null. */
    public Signal killedBy() {
        return killedBy;
    }

    /** The threads, main thread first. */
    public List<Task> threads() {
        return Collections.unmodifiableList(threads);
    }

    /** The main thread; a process that is no longer alive has none. */
    public TaskImpl mainThread() {
        requireAlive();
        return threads.get(0);
    }

    /** Starts another thread in this process (clone with CLONE_VM). */
    public TaskImpl spawnThread(String threadName) {
        Objects.requireNonNull(threadName, "threadName");
        requireAlive();
        for (TaskImpl t : threads) {
            if (t.name().equals(threadName)) {
                throw new IllegalArgumentException("process \"" + name + "\" already has a thread named \"" + threadName + "\"");
            }
        }
        TaskImpl t = new TaskImpl(this, nextTid++, threadName);
        threads.add(t);
        kernel.trace().record(name, TraceKind.INFO, -1, -1, "started thread " + t.actor() + " (tid " + t.tid() + ")");
        return t;
    }

    /** The thread with this name. */
    public TaskImpl thread(String threadName) {
        for (TaskImpl t : threads) {
            if (t.name().equals(threadName)) {
                return t;
            }
        }
        throw new IllegalArgumentException("process \"" + name + "\" has no thread \"" + threadName + "\"; call spawnThread(\"" + threadName + "\") first");
    }

    /** The VMAs, in address order (as /proc/pid/maps lists them). */
    public List<Vma> vmas() {
        return List.copyOf(mm.vmas.values());
    }

    /** The VMA that contains the address, or null. */
    public VmArea vmaAt(long address) {
        return mm.findVma(address >>> Kernel.PAGE_SHIFT);
    }

    /**
     * The frame mapped at the address right now, without faulting (like reading the PTE), or null if
     * the PTE is not present. The shared zero page is returned as {@link KernelImpl#zeroPage()}.
     */
    public Page frameAt(long address) {
        long pte = mm.pt.get(address >>> Kernel.PAGE_SHIFT);
        if (!Pte.isPresent(pte)) {
            return null;
        }
        return Pte.pfn(pte) == 0 ? kernel.zeroPage() : kernel.frame(Pte.pfn(pte));
    }

    /** The PTE at the address, described: {@code pfn 12 RW dirty}, {@code swap entry slot 0}, {@code none}. */
    public String pteAt(long address) {
        return Pte.describe(mm.pt.get(address >>> Kernel.PAGE_SHIFT));
    }

    /** Whether the PTE at the address is present and writable. */
    public boolean isMappedWritable(long address) {
        long pte = mm.pt.get(address >>> Kernel.PAGE_SHIFT);
        return Pte.isPresent(pte) && Pte.isWrite(pte);
    }

    /** The number of present or swap PTEs (the model's RSS + swap entries). */
    public long populatedPtes() {
        return mm.pt.populated();
    }

    /**
     * MMF_HAS_PINNED (mm->has_pinned in 5.9 - 5.13): whether this mm ever took a FOLL_PIN; never
     * cleared. The model sets it wherever pins are counted (also on {@code LINUX_5_8}, which has no
     * such field); only the fork and clear_refs rules of 5.9+ read it.
     */
    public boolean hasPinned() {
        return mm.hasPinned;
    }

    // ------------------------------------------------------------------------------ mmap family

    /** mmap(NULL, length, prot, flags, -1, 0): the model places the mapping at the lowest free address from {@link KernelImpl#MMAP_BASE}. */
    public long mmap(long length, int prot, int flags) {
        return mmap(0, length, prot, flags);
    }

    @Override
    public long mmap(long addr, long length, int prot, int flags) {
        return new Mmap(this).mmap(addr, length, prot, flags);
    }


    /**
     * open(path, flags) of an existing file. O_DIRECT is refused as do_dentry_open() refuses it
     * for a mapping without -&gt;direct_IO (later kernels: without FMODE_CAN_ODIRECT).
     *
     * @throws ErrnoException EINVAL for unknown flags; EINVAL for O_DIRECT on a filesystem without
     *                        direct I/O in the model (tmpfs, DAX)
     */
    public OpenFileImpl open(Inode file, int flags) {
        Objects.requireNonNull(file, "inode");
        requireAlive();
        if (!(file instanceof InodeImpl inode) || inode.kernel != kernel.core) {
            throw new IllegalArgumentException(file + " belongs to another kernel");
        }
        return kernel.core.op(name, "open(" + inode.filesystem().name() + ":" + inode.name() + ", " + OpenFlags.describe(flags) + ")", -1, () -> {
            if ((flags & ~OpenFlags.KNOWN) != 0 || (flags & OpenFlags.ACCMODE) == OpenFlags.ACCMODE) {
                throw new ErrnoException(Errno.EINVAL, "open", "flags 0x" + Integer.toHexString(flags) + " are not known to the model");
            }
            if ((flags & OpenFlags.DIRECT) != 0 && inode.kind() != FsKind.EXT4) {
                throw new ErrnoException(Errno.EINVAL, "open", "O_DIRECT on " + inode.kind().label() + " is not modelled (the model's direct I/O goes through ext4's block device)");
            }
            return new OpenFileImpl(this, inode, flags, nextFd++);
        });
    }

    /**
     * mmap(addr, length, prot, flags, fd, offset) of a file. MAP_SHARED writes reach the page cache
     * (on ext4 through writenotify and ->page_mkwrite); MAP_PRIVATE writes copy the page into an
     * anonymous page. An access beyond the end of the file is SIGBUS. The checks are do_mmap()'s
     * (FMODE_READ, FMODE_WRITE for a shared writable mapping) and sys_mmap()'s offset alignment.
     *
     * @throws ErrnoException EACCES for MAP_SHARED|PROT_WRITE of a file not open for writing, or any
     *                        mapping of a file not open for reading; EINVAL for an unaligned offset
     */
    public long mmap(long addr, long length, int prot, int flags, io.pinsim.runtime.OpenFile openFile, long offset) {
        OpenFileImpl file = OpenFileImpl.of(openFile, kernel.core);
                requireAlive();
        if (file.process() != this) {
            throw new IllegalArgumentException(file + " belongs to process \"" + file.process().name() + "\", not \"" + name + "\"");
        }
        String call = "mmap(" + (addr == 0 ? "NULL" : Kernel.hex(addr)) + ", " + length + ", " + Prot.describe(prot) + ", " + MapFlags.describe(flags)
                + ", " + file.label() + ", " + offset + ")";
        return kernel.core.op(name, call, addr, () -> {
            file.requireOpen("mmap");
            if ((flags & MapFlags.ANONYMOUS) != 0) {
                throw new ErrnoException(Errno.EINVAL, "mmap", "MAP_ANONYMOUS with a file");
            }
            if ((offset & (Kernel.PAGE_SIZE - 1)) != 0 || offset < 0) {
                throw new ErrnoException(Errno.EINVAL, "mmap", "offset " + offset + " is not page aligned");
            }
            if (!file.readable()) {
                throw new ErrnoException(Errno.EACCES, "mmap", "the file is not open for reading");
            }
            boolean shared = (flags & (MapFlags.SHARED | MapFlags.PRIVATE)) == MapFlags.SHARED;
            if (shared && (prot & Prot.WRITE) != 0 && !file.writable()) {
                throw new ErrnoException(Errno.EACCES, "mmap", "MAP_SHARED with PROT_WRITE of a file not open for writing");
            }
            long start = new Mmap(this).mmapRegion(addr, length, prot, flags, file, file.inode().mapping, file.writable(), offset);
            return start;
        });
    }

    @Override
    public void munmap(long addr, long length) {
        new Mmap(this).munmap(addr, length);
    }

    @Override
    public void mprotect(long addr, long length, int prot) {
        new Mmap(this).mprotect(addr, length, prot);
    }

    /**
     * madvise(addr, length, advice). As the kernel does, a range that covers unmapped parts is
     * applied to the mapped parts and then fails with ENOMEM.
     *
     * @throws ErrnoException EINVAL for advice the model's kernel does not know, an unaligned
     *                        address, or advice the VMA refuses; ENOMEM for holes
     */
    public void madvise(long addr, long length, Advice advice) {
        Objects.requireNonNull(advice, "advice");
        requireAlive();
        kernel.core.run(name, "madvise(" + Kernel.hex(addr) + ", " + length + ", " + advice.kernelName() + ")", addr, () -> new Madvise(this).madvise(addr, length, advice));
    }

    @Override
    public void clearSoftDirty() {
        new Mmap(this).clearSoftDirty();
    }

    // ------------------------------------------------------------------------------ CPU access

    /** Reads bytes as the CPU would, faulting pages in. A bad address kills the process with SIGSEGV. */
    public byte[] read(long address, int length) {
        requireAlive();
        if (length < 0) {
            throw new IllegalArgumentException("length must not be negative, was " + length);
        }
        return kernel.core.op(name, "read " + Kernel.hex(address) + " +" + length, address, () -> new Uaccess(this).copyFromUser(address, length, null));
    }

    /** Writes bytes as the CPU would, faulting and breaking COW as needed. A bad address kills the process with SIGSEGV. */
    public void write(long address, byte[] data) {
        Objects.requireNonNull(data, "data");
        requireAlive();
        kernel.core.run(name, "write " + Kernel.hex(address) + " +" + data.length + " " + MmCore.describeBytes(data, 0, 8), address,
                () -> new Uaccess(this).copyToUser(address, data, null));
    }

    @Override
    public void fill(long address, long length, byte value) {
        new Uaccess(this).fill(address, length, value);
    }




    // ------------------------------------------------------------------------------ fork / exit

    /** fork(): the child is named after this process, {@code A-child}, {@code A-child2}, ... */
    public ProcessImpl fork() {
        return fork(null);
    }

    /**
     * fork() called by the main thread: the child gets a copy of the address space as
     * copy_page_range() makes it under the model's rules (see {@link ForkStepsImpl}).
     *
     * @throws ErrnoException ENOMEM if an early copy of a pinned page cannot be allocated; the
     *                        child is torn down, and (as in the kernel) the parent's PTEs that fork
     *                        already write-protected stay write-protected
     */
    public ProcessImpl fork(String childName) {
        return forkSteps(mainThread(), childName).run();
    }

    ForkStepsImpl forkSteps(TaskImpl thread, String childName) {
        requireAlive();
        if (thread.process() != this) {
            throw new IllegalArgumentException(thread + " is not a thread of process \"" + name + "\"");
        }
        if (mm.mmapWriteLocker != null) {
            throw new IllegalStateException("process \"" + name + "\" is already forking; run the fork in progress to completion first");
        }
        children++;
        String child = childName != null ? childName : name + "-child" + (children > 1 ? String.valueOf(children) : "");
        return new ForkStepsImpl(this, thread, child);
    }

    /** ProcessImpl exit: every mapping is released (MMU_NOTIFY_RELEASE, then UNMAP); frames held by pins survive. */
    public void exit() {
        requireAlive();
        kernel.core.run(name, "exit()", -1, () -> {
            teardown();
            state = State.EXITED;
            kernel.trace().record(name, TraceKind.EXIT, -1, -1, "process \"" + name + "\" (pid " + pid + ") exited");
        });
    }

    /**
     * exit_mmap(): mmu_notifier_release() (RELEASE to interval notifiers, ->release to classic
     * subscribers, which go), then unmap every VMA (UNMAP, which interval notifiers still see).
     */
    void teardown() {
        mm.subscriptions.release();
        for (VmArea v : List.copyOf(mm.vmas.values())) {
            new Zap(kernel.core).zapRange(mm, v.startVpn, v.endVpn, MmuNotifierEvent.UNMAP);
            mm.removeVma(v);
        }
        kernel.core.removeFromFamilies(mm);
        threads.clear();
    }

    /** The OOM kill of this process: see {@link KernelImpl#oomKill(ProcessImpl)}. */
    boolean oomKill() {
        kernel.log().print(kernel.trace().step(), KernelLog.Level.CRIT, "Out of memory: Killed process " + pid + " (" + name + ")");
        kernel.trace().record(name, TraceKind.SIGNAL, -1, -1, "SIGKILL from the OOM killer");
        boolean all = true;
        for (VmArea v : List.copyOf(mm.vmas.values())) {
            if (v.isShared()) {
                // __oom_reap_task_mm(): only vma_is_anonymous(vma) || !(vma->vm_flags & VM_SHARED).
                continue;
            }
            if (!mm.notifyStart(MmuNotifierEvent.UNMAP, v.startVpn, v.endVpn, false)) {
                all = false;
                kernel.trace().record("oom_reaper", TraceKind.INFO, v.start(), -1, "skipped " + v + ": an mmu notifier refused the non-blockable invalidation");
                continue;
            }
            new Zap(kernel.core).zapRange(mm, v.startVpn, v.endVpn, null);
            mm.notifyEnd(MmuNotifierEvent.UNMAP, v.startVpn, v.endVpn);
        }
        kernel.log().print(kernel.trace().step(), KernelLog.Level.INFO, all
                ? "oom_reaper: reaped process " + pid + " (" + name + ")"
                : "oom_reaper: unable to reap pid:" + pid + " (" + name + ")");
        teardown();
        state = State.KILLED;
        killedBy = Signal.SIGKILL;
        return all;
    }


    @Override
    public SignalException kill(Signal sig, long address, String reason) {
        kernel.trace().record(name, TraceKind.SIGNAL, address, -1, sig + " at " + Kernel.hex(address) + ": " + reason + "; process \"" + name + "\" killed");
        kernel.log().print(kernel.trace().step(), KernelLog.Level.INFO, name + "[" + pid + "]: " + sig + " at " + Kernel.hex(address) + ": " + reason);
        teardown();
        state = State.KILLED;
        killedBy = sig;
        return new SignalException(sig, name, address, reason);
    }

    // ------------------------------------------------------------------------------ GUP

    /**
     * get_user_pages(): takes a plain reference (FOLL_GET) on each page, faulting pages in as GUP
     * does. Returns fewer pages than asked if it fails after the first page, as the kernel does.
     *
     * @param gupFlags {@link Foll#WRITE}, {@link Foll#FORCE}, {@link Foll#LONGTERM}
     * @param holder   who will hold the references, for the trace, e.g. {@code "pipe#1"}
     */
    public GupPagesImpl getUserPages(long address, int nrPages, int gupFlags, String holder) {
        return gupSlow(mainThread(), address, nrPages, gupFlags, GupRef.Kind.GET, holder);
    }

    /**
     * pin_user_pages(): takes a pin (FOLL_PIN) on each page: with pin accounting a pin adds
     * {@link Page#GUP_PIN_COUNTING_BIAS} to the refcount and sets MMF_HAS_PINNED; before it, a pin
     * is a plain reference. Returns fewer pages than asked if it fails after the first page.
     */
    public GupPagesImpl pinUserPages(long address, int nrPages, int gupFlags, String holder) {
        return gupSlow(mainThread(), address, nrPages, gupFlags, GupRef.Kind.PIN, holder);
    }

    /** get_user_pages_fast(): the lockless walk first, the slow path for the rest. */
    public GupPagesImpl getUserPagesFast(long address, int nrPages, int gupFlags, String holder) {
        return gupFastSteps(mainThread(), address, nrPages, gupFlags, GupRef.Kind.GET, holder).run();
    }

    /** pin_user_pages_fast(): the lockless walk first, the slow path for the rest. */
    public GupPagesImpl pinUserPagesFast(long address, int nrPages, int gupFlags, String holder) {
        return gupFastSteps(mainThread(), address, nrPages, gupFlags, GupRef.Kind.PIN, holder).run();
    }

    private GupPagesImpl gupSlow(TaskImpl thread, long address, int nrPages, int gupFlags, GupRef.Kind kind, String holder) {
        requireAlive();
        Gup.Request req = Gup.request(this, thread, address, nrPages, gupFlags, kind, holder, false);
        if (mm.mmapWriteLocker != null) {
            throw new IllegalStateException("mmap_lock of process \"" + name + "\" is held for write by a fork in progress; "
                    + "GUP would sleep: step the fork to completion first, or use the *Steps variants to interleave");
        }
        return kernel.core.op(thread.actor(), req.call(), address, () -> new Gup(kernel.core).slow(req));
    }

    GupFastImpl gupFastSteps(TaskImpl thread, long address, int nrPages, int gupFlags, GupRef.Kind kind, String holder) {
        requireAlive();
        if (thread.process() != this) {
            throw new IllegalArgumentException(thread + " is not a thread of process \"" + name + "\"");
        }
        return new GupFastImpl(kernel.core, Gup.request(this, thread, address, nrPages, gupFlags, kind, holder, true));
    }

    // ------------------------------------------------------------------------------ vmsplice

    /** pipe(): a new pipe owned by this process. */
    public PipeImpl pipe() {
        requireAlive();
        return kernel.core.op(name, "pipe()", -1, () -> new PipeImpl(kernel.core, kernel.core.nextPipeId()));
    }

    /**
     * vmsplice(pipe, {address, length}, 0): the pipe takes plain references to the user pages
     * (iov_iter_get_pages2(), FOLL_GET, no FOLL_WRITE); it copies nothing until it is read.
     *
     * @return the bytes spliced: fewer than {@code length} if the range stops being mapped part-way
     * @throws ErrnoException EFAULT if not even the first page is mapped readable
     */
    public int vmsplice(Pipe anyPipe, long address, int length) {
        Objects.requireNonNull(anyPipe, "pipe");
        if (!(anyPipe instanceof PipeImpl pipe)) {
            throw new IllegalArgumentException(anyPipe + " was not made by pipe() of a process of this kernel");
        }
        requireAlive();
        if (length <= 0) {
            throw new IllegalArgumentException("length must be positive, was " + length);
        }
        pipe.requireKernel(kernel.core);
        long first = address & ~(Kernel.PAGE_SIZE - 1L);
        int nr = (int) pages(address + length - first);
        GupFastImpl g = gupFastSteps(mainThread(), first, nr, 0, GupRef.Kind.GET, pipe.name());
        return kernel.core.op(name, "vmsplice(" + pipe.name() + ", " + Kernel.hex(address) + ", " + length + ")", address, () -> {
            GupPagesImpl pages = g.run();
            int spliced = (int) Math.min(length, ((long) pages.count() << Kernel.PAGE_SHIFT) - (address - first));
            pipe.append(pages, (int) (address - first), spliced);
            return spliced;
        });
    }

    // ------------------------------------------------------------------------------ io_uring

    /**
     * io_uring_setup(): a new ring owned by this process; children forked later inherit it.
     *
     * @throws ErrnoException ENOSYS on kernels without io_uring (before 5.1)
     */
    public IoUringImpl ioUringSetup() {
        requireAlive();
        return kernel.core.op(name, "io_uring_setup()", -1, () -> {
            if (kernel.model().get(io.pinsim.runtime.model.IoUringBufferCheck.class) == io.pinsim.runtime.model.IoUringBufferCheck.NO_IO_URING) {
                throw new ErrnoException(Errno.ENOSYS, "io_uring_setup", "io_uring does not exist in this kernel (added in 5.1)");
            }
            return new IoUringImpl(kernel.core, this, kernel.core.nextRingId());
        });
    }

    // ------------------------------------------------------------------------------ rlimits

    /** RLIMIT_MEMLOCK in bytes. */
    public long rlimitMemlock() {
        return rlimitMemlock;
    }

    /** setrlimit(RLIMIT_MEMLOCK). */
    public void setRlimitMemlock(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("RLIMIT_MEMLOCK must not be negative, was " + bytes);
        }
        rlimitMemlock = bytes;
    }

    /** Whether the process has CAP_IPC_LOCK (which bypasses RLIMIT_MEMLOCK). */
    public boolean capIpcLock() {
        return capIpcLock;
    }

    public void setCapIpcLock(boolean cap) {
        capIpcLock = cap;
    }

    /** mm->pinned_vm in pages. */
    public long pinnedVm() {
        return mm.pinnedVm;
    }

    /** mm->locked_vm in pages. */
    public long lockedVm() {
        return mm.lockedVm;
    }

    /**
     * Charges pages to mm->pinned_vm as ib_umem_get() does: ENOMEM if the new total exceeds
     * RLIMIT_MEMLOCK and the process lacks CAP_IPC_LOCK; nothing is charged then.
     */
    public void accountPinnedVm(long nrPages, String who) {
        requireAlive();
        long limit = rlimitMemlock >>> Kernel.PAGE_SHIFT;
        if (mm.pinnedVm + nrPages > limit && !capIpcLock) {
            throw new ErrnoException(Errno.ENOMEM, who, "pinned_vm " + mm.pinnedVm + " + " + nrPages + " pages exceeds RLIMIT_MEMLOCK of "
                    + limit + " pages and the process lacks CAP_IPC_LOCK (ib_umem_get)");
        }
        mm.pinnedVm += nrPages;
    }

    /** Returns pages charged with {@link #accountPinnedVm}. */
    public void unaccountPinnedVm(long nrPages) {
        if (nrPages > mm.pinnedVm) {
            throw new IllegalStateException("unaccounting " + nrPages + " pages but pinned_vm is " + mm.pinnedVm);
        }
        mm.pinnedVm -= nrPages;
    }

    /** Charges pages to mm->locked_vm as __account_locked_vm() does (VFIO): ENOMEM past RLIMIT_MEMLOCK without CAP_IPC_LOCK. */
    public void accountLockedVm(long nrPages, String who) {
        requireAlive();
        long limit = rlimitMemlock >>> Kernel.PAGE_SHIFT;
        if (mm.lockedVm + nrPages > limit && !capIpcLock) {
            throw new ErrnoException(Errno.ENOMEM, who, "locked_vm " + mm.lockedVm + " + " + nrPages + " pages exceeds RLIMIT_MEMLOCK of "
                    + limit + " pages and the process lacks CAP_IPC_LOCK (__account_locked_vm)");
        }
        mm.lockedVm += nrPages;
    }

    /** Returns pages charged with {@link #accountLockedVm}. */
    public void unaccountLockedVm(long nrPages) {
        if (nrPages > mm.lockedVm) {
            throw new IllegalStateException("unaccounting " + nrPages + " pages but locked_vm is " + mm.lockedVm);
        }
        mm.lockedVm -= nrPages;
    }

    // ------------------------------------------------------------------------------ notifier hook

    /** Registers a classic mmu notifier subscriber on this process's mm (mmu_notifier_register()). */
    public void registerMmuNotifier(MmuNotifierListener listener) {
        Objects.requireNonNull(listener, "listener");
        requireAlive();
        mm.subscriptions.listeners.add(listener);
    }

    /** Removes a subscriber registered with {@link #registerMmuNotifier} (mmu_notifier_unregister()). */
    public void unregisterMmuNotifier(MmuNotifierListener listener) {
        if (!mm.subscriptions.listeners.remove(listener)) {
            throw new IllegalArgumentException("listener is not registered on process \"" + name + "\"");
        }
    }

    /**
     * mmu_interval_notifier_insert(): a driver subscribes to invalidations of [start, start+length)
     * of this process. Usually called through a device's {@code DriverContext}.
     */
    public MmuIntervalNotifierImpl insertIntervalNotifier(long start, long length, MmuIntervalNotifierOps ops, String name) {
        Objects.requireNonNull(ops, "ops");
        Objects.requireNonNull(name, "name");
        requireAlive();
        if (length <= 0 || start < 0 || start + length > Kernel.TASK_SIZE) {
            throw new ErrnoException(Errno.EINVAL, "mmu_interval_notifier_insert", "range " + Kernel.hex(start) + "+" + length + " is empty or outside the address space");
        }
        long s = start >>> Kernel.PAGE_SHIFT;
        long e = pages(start + length);
        MmuIntervalNotifierImpl sub = mm.subscriptions.insert(s, e, ops, name);
        kernel.trace().record(name, TraceKind.NOTIFIER, start, -1, "interval notifier inserted on \"" + this.name + "\" " + Kernel.hex(start) + "-" + Kernel.hex(start + length));
        return sub;
    }

    // ------------------------------------------------------------------------------ internals

    @Override
    public void requireAlive() {
        if (state != State.RUNNING) {
            throw new IllegalStateException("process \"" + name + "\" (pid " + pid + ") has " + (state == State.EXITED ? "exited" : "been killed by " + killedBy)
                    + "; use a live process (its parent, or a new one from kernel.spawn(..))");
        }
    }

    static long pages(long length) {
        return (length + Kernel.PAGE_SIZE - 1) >>> Kernel.PAGE_SHIFT;
    }







    @Override
    public String toString() {
        return "process \"" + name + "\" (pid " + pid + ", " + state.name().toLowerCase(java.util.Locale.ROOT) + ")";
    }
}
