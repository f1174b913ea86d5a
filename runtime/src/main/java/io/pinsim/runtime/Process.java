package io.pinsim.runtime;

import io.pinsim.runtime.model.MprotectWrite;
import io.pinsim.runtime.model.SoftDirtyPinned;
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
public final class Process {
    /** The state of a process. */
    public enum State { RUNNING, EXITED, KILLED }

    final Kernel kernel;
    private final int pid;
    private final String name;
    private final Process parent;
    final Mm mm;
    private final List<Task> threads = new ArrayList<>();
    private State state = State.RUNNING;
    private Signal killedBy;
    private int nextTid;
    private int children;
    private int nextFd = 3;
    private long rlimitMemlock = Kernel.DEFAULT_RLIMIT_MEMLOCK;
    private boolean capIpcLock;

    Process(Kernel kernel, int pid, String name, Process parent) {
        this.kernel = kernel;
        this.pid = pid;
        this.name = name;
        this.parent = parent;
        this.mm = new Mm(kernel, this);
        this.nextTid = pid;
        threads.add(new Task(this, nextTid++, name));
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
    public Process parent() {
        return parent;
    }

    public Kernel kernel() {
        return kernel;
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
    public Task mainThread() {
        requireAlive();
        return threads.get(0);
    }

    /** Starts another thread in this process (clone with CLONE_VM). */
    public Task spawnThread(String threadName) {
        Objects.requireNonNull(threadName, "threadName");
        requireAlive();
        for (Task t : threads) {
            if (t.name().equals(threadName)) {
                throw new IllegalArgumentException("process \"" + name + "\" already has a thread named \"" + threadName + "\"");
            }
        }
        Task t = new Task(this, nextTid++, threadName);
        threads.add(t);
        kernel.trace().record(name, TraceKind.INFO, -1, -1, "started thread " + t.actor() + " (tid " + t.tid() + ")");
        return t;
    }

    /** The thread with this name. */
    public Task thread(String threadName) {
        for (Task t : threads) {
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
    public Vma vmaAt(long address) {
        return mm.findVma(address >>> Kernel.PAGE_SHIFT);
    }

    /**
     * The frame mapped at the address right now, without faulting (like reading the PTE), or null if
     * the PTE is not present. The shared zero page is returned as {@link Kernel#zeroPage()}.
     */
    public Frame frameAt(long address) {
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

    /** mmap(NULL, length, prot, flags, -1, 0): the model places the mapping at the lowest free address from {@link Kernel#MMAP_BASE}. */
    public long mmap(long length, int prot, int flags) {
        return mmap(0, length, prot, flags);
    }

    /**
     * mmap(addr, length, prot, flags, -1, 0) of anonymous memory, private or shared (shmem-backed).
     * {@code addr} is a hint unless MAP_FIXED, which replaces whatever was mapped there.
     * MAP_POPULATE faults the range in (write faults for a private writable mapping, as
     * populate_vma_page_range() does).
     *
     * @return the address of the mapping
     * @throws ErrnoException EINVAL for a zero length, bad flags or an unaligned MAP_FIXED address;
     *                        ENOMEM when the address space is full; EBADF without MAP_ANONYMOUS (a
     *                        file mapping takes an {@link OpenFile})
     */
    public long mmap(long addr, long length, int prot, int flags) {
        requireAlive();
        String call = "mmap(" + (addr == 0 ? "NULL" : Kernel.hex(addr)) + ", " + length + ", " + Prot.describe(prot) + ", " + MapFlags.describe(flags) + ")";
        return kernel.op(name, call, addr, () -> {
            return mmapRegion(addr, length, prot, flags, null, 0);
        });
    }

    /** mmap_region(): place the VMA, replace what MAP_FIXED covers, populate if asked. */
    private long mmapRegion(long addr, long length, int prot, int flags, OpenFile file, long offset) {
        if (file == null && (flags & MapFlags.ANONYMOUS) == 0) {
            throw new ErrnoException(Errno.EBADF, "mmap", "no MAP_ANONYMOUS and no file: use mmap(addr, length, prot, flags, file, offset) for a file");
        }
        if (length == 0) {
            throw new ErrnoException(Errno.EINVAL, "mmap", "length is 0 (do_mmap: if (!len) return -EINVAL)");
        }
        if (length < 0 || length > Kernel.TASK_SIZE) {
            throw new ErrnoException(Errno.ENOMEM, "mmap", "length " + length + " does not fit in the address space");
        }
        int type = flags & (MapFlags.SHARED | MapFlags.PRIVATE);
        if (type != MapFlags.SHARED && type != MapFlags.PRIVATE) {
            throw new ErrnoException(Errno.EINVAL, "mmap", "exactly one of MAP_SHARED and MAP_PRIVATE is required");
        }
        if ((flags & ~MapFlags.KNOWN) != 0 || (prot & ~(Prot.READ | Prot.WRITE | Prot.EXEC)) != 0) {
            // Legacy mmap() ignores flags and prot bits it does not know (hence MAP_SHARED_VALIDATE); so does the model, visibly.
            kernel.trace().record(name, TraceKind.INFO, addr, -1, "mmap ignores unknown " + ((flags & ~MapFlags.KNOWN) != 0
                    ? "flags " + MapFlags.describe(flags & ~MapFlags.KNOWN) : "prot bits 0x" + Integer.toHexString(prot & ~(Prot.READ | Prot.WRITE | Prot.EXEC)))
                    + ", as the kernel does");
        }
        long pages = pages(length);
        long startVpn;
        if ((flags & MapFlags.FIXED) != 0) {
            if ((addr & (Kernel.PAGE_SIZE - 1)) != 0) {
                throw new ErrnoException(Errno.EINVAL, "mmap", "MAP_FIXED address " + Kernel.hex(addr) + " is not page aligned");
            }
            if (addr < Kernel.MMAP_MIN_ADDR) {
                throw new ErrnoException(Errno.EPERM, "mmap", "MAP_FIXED address " + Kernel.hex(addr) + " is below vm.mmap_min_addr ("
                        + Kernel.MMAP_MIN_ADDR + ", security_mmap_addr)");
            }
            if (addr + (pages << Kernel.PAGE_SHIFT) > Kernel.TASK_SIZE) {
                throw new ErrnoException(Errno.ENOMEM, "mmap", "MAP_FIXED range " + Kernel.hex(addr) + "+" + length + " is outside the user address space");
            }
            startVpn = addr >>> Kernel.PAGE_SHIFT;
            unmapRange(startVpn, startVpn + pages);
        } else {
            startVpn = findFreeRange(addr >>> Kernel.PAGE_SHIFT, pages);
        }
        int vmFlags = vmFlagsFor(prot & (Prot.READ | Prot.WRITE | Prot.EXEC)) | Vma.VM_MAYREAD | Vma.VM_MAYWRITE | Vma.VM_MAYEXEC | Vma.VM_SOFTDIRTY;
        AddressSpace mapping = null;
        if (type == MapFlags.SHARED) {
            vmFlags |= Vma.VM_SHARED | Vma.VM_MAYSHARE;
            if (file != null && !file.writable()) {
                // do_mmap(): a shared mapping of a file not open for writing can never be written.
                vmFlags &= ~(Vma.VM_MAYWRITE | Vma.VM_SHARED);
            }
            mapping = file != null ? file.inode().mapping : new AddressSpace("shmem \"dev/zero\" of " + name, null);
        } else if (file != null) {
            mapping = file.inode().mapping;
        }
        Vma v = new Vma(mm, startVpn, startVpn + pages, vmFlags, mapping, offset >>> Kernel.PAGE_SHIFT, file);
        mm.addVma(v);
        kernel.trace().record(name, TraceKind.INFO, startVpn << Kernel.PAGE_SHIFT, -1, "mapped " + v);
        if ((flags & MapFlags.POPULATE) != 0 && (vmFlags & (Vma.VM_READ | Vma.VM_WRITE | Vma.VM_EXEC)) != 0) {
            // populate_vma_page_range(): a PROT_NONE mapping fails check_vma_flags() and __mm_populate() ignores it.
            boolean write = (vmFlags & (Vma.VM_WRITE | Vma.VM_SHARED)) == Vma.VM_WRITE;
            try {
                populate(v, startVpn, startVpn + pages, write);
            } catch (ErrnoException e) {
                // do_mmap() ignores mm_populate() errors: the mapping stays, partly populated.
                kernel.trace().record(name, TraceKind.INFO, startVpn << Kernel.PAGE_SHIFT, -1, "MAP_POPULATE stopped early: " + e.reason());
            }
        }
        return startVpn << Kernel.PAGE_SHIFT;
    }

    /**
     * open(path, flags) of an existing file. O_DIRECT is refused as do_dentry_open() refuses it
     * for a mapping without -&gt;direct_IO (later kernels: without FMODE_CAN_ODIRECT).
     *
     * @throws ErrnoException EINVAL for unknown flags; EINVAL for O_DIRECT on a filesystem without
     *                        direct I/O in the model (tmpfs, DAX)
     */
    public OpenFile open(Inode inode, int flags) {
        Objects.requireNonNull(inode, "inode");
        requireAlive();
        if (inode.kernel != kernel) {
            throw new IllegalArgumentException(inode + " belongs to another kernel");
        }
        return kernel.op(name, "open(" + inode.filesystem().name() + ":" + inode.name() + ", " + OpenFlags.describe(flags) + ")", -1, () -> {
            if ((flags & ~OpenFlags.KNOWN) != 0 || (flags & OpenFlags.ACCMODE) == OpenFlags.ACCMODE) {
                throw new ErrnoException(Errno.EINVAL, "open", "flags 0x" + Integer.toHexString(flags) + " are not known to the model");
            }
            if ((flags & OpenFlags.DIRECT) != 0 && inode.kind() != FsKind.EXT4) {
                throw new ErrnoException(Errno.EINVAL, "open", "O_DIRECT on " + inode.kind().label() + " is not modelled (the model's direct I/O goes through ext4's block device)");
            }
            return new OpenFile(this, inode, flags, nextFd++);
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
    public long mmap(long addr, long length, int prot, int flags, OpenFile file, long offset) {
        Objects.requireNonNull(file, "file");
        requireAlive();
        if (file.process() != this) {
            throw new IllegalArgumentException(file + " belongs to process \"" + file.process().name() + "\", not \"" + name + "\"");
        }
        String call = "mmap(" + (addr == 0 ? "NULL" : Kernel.hex(addr)) + ", " + length + ", " + Prot.describe(prot) + ", " + MapFlags.describe(flags)
                + ", " + file.label() + ", " + offset + ")";
        return kernel.op(name, call, addr, () -> {
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
            long start = mmapRegion(addr, length, prot, flags, file, offset);
            return start;
        });
    }

    /**
     * munmap(addr, length): removes the mappings in the range (MMU_NOTIFY_UNMAP). A pinned frame
     * survives, unmapped, until it is unpinned. A range with nothing mapped is not an error.
     *
     * @throws ErrnoException EINVAL for an unaligned address or a zero length
     */
    public void munmap(long addr, long length) {
        requireAlive();
        kernel.run(name, "munmap(" + Kernel.hex(addr) + ", " + length + ")", addr, () -> {
            if ((addr & (Kernel.PAGE_SIZE - 1)) != 0) {
                throw new ErrnoException(Errno.EINVAL, "munmap", "address " + Kernel.hex(addr) + " is not page aligned");
            }
            if (length <= 0 || addr > Kernel.TASK_SIZE || length > Kernel.TASK_SIZE - addr) {
                throw new ErrnoException(Errno.EINVAL, "munmap", length <= 0 ? "length is " + length : "range is outside the user address space");
            }
            long start = addr >>> Kernel.PAGE_SHIFT;
            unmapRange(start, start + pages(length));
        });
    }

    /**
     * mprotect(addr, length, prot). Removing PROT_WRITE write-protects the PTEs; adding it makes
     * PTEs writable only as the model's {@link MprotectWrite} switch says (change_pte_range()).
     * Raises MMU_NOTIFY_PROTECTION_VMA.
     *
     * @throws ErrnoException EINVAL for an unaligned address or unknown prot bits; ENOMEM if the
     *                        range is not fully mapped: as in do_mprotect_pkey(), the VMAs before
     *                        the hole have already been changed
     */
    public void mprotect(long addr, long length, int prot) {
        requireAlive();
        kernel.run(name, "mprotect(" + Kernel.hex(addr) + ", " + length + ", " + Prot.describe(prot) + ")", addr, () -> {
            // do_mprotect_pkey(), in the kernel's order of checks.
            if ((addr & (Kernel.PAGE_SIZE - 1)) != 0) {
                throw new ErrnoException(Errno.EINVAL, "mprotect", "address " + Kernel.hex(addr) + " is not page aligned");
            }
            if (length == 0) {
                return;
            }
            if (length < 0 || length > Kernel.TASK_SIZE - addr) {
                throw new ErrnoException(Errno.ENOMEM, "mprotect", "range end overflows");
            }
            if ((prot & ~(Prot.READ | Prot.WRITE | Prot.EXEC)) != 0) {
                throw new ErrnoException(Errno.EINVAL, "mprotect", "unknown prot bits 0x" + Integer.toHexString(prot) + " (arch_validate_prot)");
            }
            long start = addr >>> Kernel.PAGE_SHIFT;
            long end = start + pages(length);
            if (mm.findVma(start) == null) {
                throw new ErrnoException(Errno.ENOMEM, "mprotect", "no mapping at " + Kernel.hex(addr));
            }
            long cursor = start;
            for (Vma v : mm.vmasIn(start, end)) {
                if (v.startVpn > cursor) {
                    break;
                }
                int newFlags = (v.flags & ~(Vma.VM_READ | Vma.VM_WRITE | Vma.VM_EXEC)) | vmFlagsFor(prot);
                if ((prot & Prot.WRITE) != 0 && (v.flags & Vma.VM_MAYWRITE) == 0) {
                    throw new ErrnoException(Errno.EACCES, "mprotect", v + " may never be written: a shared mapping of a file not open for writing (mprotect_fixup)");
                }
                long to = Math.min(v.endVpn, end);
                if (newFlags != v.flags) {
                    // mprotect_fixup(): split off the part in the range, unless nothing changes (newflags == oldflags).
                    mm.splitAt(Math.max(start, v.startVpn));
                    mm.splitAt(to);
                    changeProtection(mm.findVma(Math.max(start, v.startVpn)), newFlags);
                }
                cursor = to;
            }
            if (cursor < end) {
                throw new ErrnoException(Errno.ENOMEM, "mprotect", "the range has a hole at " + Kernel.hex(cursor << Kernel.PAGE_SHIFT)
                        + " (do_mprotect_pkey; the VMAs before it were changed)");
            }
        });
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
        kernel.run(name, "madvise(" + Kernel.hex(addr) + ", " + length + ", " + advice.kernelName() + ")", addr, () -> new Madvise(this).madvise(addr, length, advice));
    }

    /**
     * Writes "4" to /proc/pid/clear_refs: clears the soft-dirty bits and write-protects the PTEs so
     * the next write is noticed (clear_soft_dirty(), MMU_NOTIFY_SOFT_DIRTY over the whole address
     * space), except for pinned pages where the model's {@link SoftDirtyPinned} says so.
     */
    public void clearSoftDirty() {
        requireAlive();
        kernel.run(name, "write(/proc/" + pid + "/clear_refs, \"4\")", -1, () -> {
            boolean skipPinned = kernel.model().get(SoftDirtyPinned.class) == SoftDirtyPinned.SKIP_PINNED;
            long top = Kernel.TASK_SIZE >>> Kernel.PAGE_SHIFT;
            mm.notifyStart(MmuNotifierEvent.SOFT_DIRTY, 0, top, true);
            int[] skipped = new int[1];
            for (Vma v : mm.vmas.values()) {
                v.flags &= ~Vma.VM_SOFTDIRTY;
                mm.pt.forEach(v.startVpn, v.endVpn, (vpn, pte) -> {
                    if (!Pte.isPresent(pte)) {
                        mm.pt.set(vpn, pte & ~Pte.SOFT_DIRTY);
                        return;
                    }
                    if (skipPinned && Pte.isWrite(pte) && v.isCowMapping() && mm.hasPinned && Pte.pfn(pte) != 0 && kernel.frameOfPte(pte).maybeDmaPinned()) {
                        skipped[0]++;
                        return;
                    }
                    mm.pt.set(vpn, pte & ~(Pte.WRITE | Pte.SOFT_DIRTY));
                });
            }
            mm.notifyEnd(MmuNotifierEvent.SOFT_DIRTY, 0, top);
            kernel.trace().record(name, TraceKind.INFO, -1, -1, "soft-dirty cleared, PTEs write-protected" + (skipped[0] > 0
                    ? "; " + skipped[0] + " writable PTE(s) of maybe-pinned pages left alone (pte_is_pinned, 9348b73c2e1b)" : "") + " (clear_soft_dirty)");
        });
    }

    // ------------------------------------------------------------------------------ CPU access

    /** Reads bytes as the CPU would, faulting pages in. A bad address kills the process with SIGSEGV. */
    public byte[] read(long address, int length) {
        requireAlive();
        if (length < 0) {
            throw new IllegalArgumentException("length must not be negative, was " + length);
        }
        return kernel.op(name, "read " + Kernel.hex(address) + " +" + length, address, () -> copyFromUser(address, length, null));
    }

    /** Writes bytes as the CPU would, faulting and breaking COW as needed. A bad address kills the process with SIGSEGV. */
    public void write(long address, byte[] data) {
        Objects.requireNonNull(data, "data");
        requireAlive();
        kernel.run(name, "write " + Kernel.hex(address) + " +" + data.length + " " + Kernel.describeBytes(data, 0, 8), address,
                () -> copyToUser(address, data, null));
    }

    /** Fills {@code length} bytes with one value, as the CPU would (memset). */
    public void fill(long address, long length, byte value) {
        requireAlive();
        if (length < 0) {
            throw new IllegalArgumentException("length must not be negative, was " + length);
        }
        kernel.run(name, "memset " + Kernel.hex(address) + " " + Kernel.describeByte(value) + " x " + length, address, () -> {
            long done = 0;
            while (done < length) {
                long a = address + done;
                int off = (int) (a & (Kernel.PAGE_SIZE - 1));
                int n = (int) Math.min(length - done, Kernel.PAGE_SIZE - off);
                Frame f = access(a, true, null);
                f.content.fill(off, n, value);
                kernel.wrote(f);
                done += n;
            }
        });
    }

    /**
     * copy_from_user(): reads user memory for a syscall. A bad address makes the syscall fail with
     * EFAULT instead of delivering a signal, as the uaccess exception tables do; with a null
     * {@code call} it is a CPU access, and a bad address delivers the signal.
     */
    byte[] copyFromUser(long address, int length, String call) {
        byte[] out = new byte[length];
        int done = 0;
        while (done < length) {
            long a = address + done;
            int off = (int) (a & (Kernel.PAGE_SIZE - 1));
            int n = Math.min(length - done, Kernel.PAGE_SIZE - off);
            access(a, false, call).content.read(off, out, done, n);
            done += n;
        }
        return out;
    }

    /** copy_to_user(): writes user memory for a syscall; EFAULT on a bad address (a CPU write, with its signal, when {@code call} is null). */
    void copyToUser(long address, byte[] data, String call) {
        int done = 0;
        while (done < data.length) {
            long a = address + done;
            int off = (int) (a & (Kernel.PAGE_SIZE - 1));
            int n = Math.min(data.length - done, Kernel.PAGE_SIZE - off);
            Frame f = access(a, true, call);
            f.content.write(off, data, done, n);
            kernel.wrote(f);
            done += n;
        }
    }

    /** The MMU and the fault handler for one access; with {@code uaccessCall} failures are EFAULT for that call. */
    private Frame access(long address, boolean write, String uaccessCall) {
        long vpn = address >>> Kernel.PAGE_SHIFT;
        if (address < 0 || address >= Kernel.TASK_SIZE) {
            throw fault(uaccessCall, Signal.SIGSEGV, address, "address outside the user address space (SEGV_MAPERR)");
        }
        Vma v = mm.findVma(vpn);
        if (v == null) {
            throw fault(uaccessCall, Signal.SIGSEGV, address, (write ? "write" : "read") + " to an address with no mapping (SEGV_MAPERR)");
        }
        if (write ? (v.flags & Vma.VM_WRITE) == 0 : (v.flags & (Vma.VM_READ | Vma.VM_WRITE | Vma.VM_EXEC)) == 0) {
            throw fault(uaccessCall, Signal.SIGSEGV, address, (write ? "write" : "read") + " to " + v + " which does not allow it (SEGV_ACCERR)");
        }
        for (int tries = 0; tries < 3; tries++) {
            long pte = mm.pt.get(vpn);
            if (Pte.isPresent(pte) && (!write || Pte.isWrite(pte))) {
                mm.pt.set(vpn, pte | Pte.YOUNG | (write ? Pte.DIRTY : 0));
                Frame f = Pte.pfn(pte) == 0 ? kernel.zeroPage() : kernel.frameOfPte(pte);
                if (write) {
                    f.flags |= Frame.DIRTY;
                }
                return f;
            }
            Faults.Result r = new Faults(kernel).handleMmFault(mm, v, vpn, write ? Faults.WRITE : 0, name);
            if (r == Faults.Result.SIGBUS) {
                throw fault(uaccessCall, Signal.SIGBUS, address, "access beyond the end of " + v.mapping.name() + " (filemap_fault: BUS_ADRERR)");
            }
            if (r == Faults.Result.OOM) {
                if (uaccessCall != null) {
                    throw new ErrnoException(Errno.ENOMEM, uaccessCall, "out of memory faulting in the user buffer at " + Kernel.hex(address));
                }
                kernel.log().print(kernel.trace().step(), KernelLog.Level.CRIT, "Out of memory: Killed process " + pid + " (" + name + ")");
                throw kill(Signal.SIGKILL, address, "the page fault could not allocate a page: the OOM killer killed the process");
            }
        }
        throw new KernelBugException("fault-loop", "the fault at " + Kernel.hex(address) + " did not resolve: " + Pte.describe(mm.pt.get(vpn)), kernel.trace().render());
    }

    // ------------------------------------------------------------------------------ fork / exit

    /** fork(): the child is named after this process, {@code A-child}, {@code A-child2}, ... */
    public Process fork() {
        return fork(null);
    }

    /**
     * fork() called by the main thread: the child gets a copy of the address space as
     * copy_page_range() makes it under the model's rules (see {@link ForkSteps}).
     *
     * @throws ErrnoException ENOMEM if an early copy of a pinned page cannot be allocated; the
     *                        child is torn down, and (as in the kernel) the parent's PTEs that fork
     *                        already write-protected stay write-protected
     */
    public Process fork(String childName) {
        return forkSteps(mainThread(), childName).run();
    }

    ForkSteps forkSteps(Task thread, String childName) {
        requireAlive();
        if (thread.process() != this) {
            throw new IllegalArgumentException(thread + " is not a thread of process \"" + name + "\"");
        }
        if (mm.mmapWriteLocker != null) {
            throw new IllegalStateException("process \"" + name + "\" is already forking; run the fork in progress to completion first");
        }
        children++;
        String child = childName != null ? childName : name + "-child" + (children > 1 ? String.valueOf(children) : "");
        return new ForkSteps(this, thread, child);
    }

    /** Process exit: every mapping is released (MMU_NOTIFY_RELEASE, then UNMAP); frames held by pins survive. */
    public void exit() {
        requireAlive();
        kernel.run(name, "exit()", -1, () -> {
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
        for (Vma v : List.copyOf(mm.vmas.values())) {
            new Zap(kernel).zapRange(mm, v.startVpn, v.endVpn, MmuNotifierEvent.UNMAP);
            mm.removeVma(v);
        }
        kernel.removeProcessFromFamilies(mm);
        threads.clear();
    }

    /** The OOM kill of this process: see {@link Kernel#oomKill(Process)}. */
    boolean oomKill() {
        kernel.log().print(kernel.trace().step(), KernelLog.Level.CRIT, "Out of memory: Killed process " + pid + " (" + name + ")");
        kernel.trace().record(name, TraceKind.SIGNAL, -1, -1, "SIGKILL from the OOM killer");
        boolean all = true;
        for (Vma v : List.copyOf(mm.vmas.values())) {
            if (v.isShared()) {
                // __oom_reap_task_mm(): only vma_is_anonymous(vma) || !(vma->vm_flags & VM_SHARED).
                continue;
            }
            if (!mm.notifyStart(MmuNotifierEvent.UNMAP, v.startVpn, v.endVpn, false)) {
                all = false;
                kernel.trace().record("oom_reaper", TraceKind.INFO, v.start(), -1, "skipped " + v + ": an mmu notifier refused the non-blockable invalidation");
                continue;
            }
            new Zap(kernel).zapRange(mm, v.startVpn, v.endVpn, null);
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

    /** A failed access: a signal for a CPU access, EFAULT for a syscall's user copy. */
    private RuntimeException fault(String uaccessCall, Signal sig, long address, String reason) {
        if (uaccessCall != null) {
            return new ErrnoException(Errno.EFAULT, uaccessCall, "bad user buffer at " + Kernel.hex(address) + ": " + reason);
        }
        return kill(sig, address, reason);
    }

    private SignalException kill(Signal sig, long address, String reason) {
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
    public GupPages getUserPages(long address, int nrPages, int gupFlags, String holder) {
        return gupSlow(mainThread(), address, nrPages, gupFlags, GupRef.Kind.GET, holder);
    }

    /**
     * pin_user_pages(): takes a pin (FOLL_PIN) on each page: with pin accounting a pin adds
     * {@link Frame#GUP_PIN_COUNTING_BIAS} to the refcount and sets MMF_HAS_PINNED; before it, a pin
     * is a plain reference. Returns fewer pages than asked if it fails after the first page.
     */
    public GupPages pinUserPages(long address, int nrPages, int gupFlags, String holder) {
        return gupSlow(mainThread(), address, nrPages, gupFlags, GupRef.Kind.PIN, holder);
    }

    /** get_user_pages_fast(): the lockless walk first, the slow path for the rest. */
    public GupPages getUserPagesFast(long address, int nrPages, int gupFlags, String holder) {
        return gupFastSteps(mainThread(), address, nrPages, gupFlags, GupRef.Kind.GET, holder).run();
    }

    /** pin_user_pages_fast(): the lockless walk first, the slow path for the rest. */
    public GupPages pinUserPagesFast(long address, int nrPages, int gupFlags, String holder) {
        return gupFastSteps(mainThread(), address, nrPages, gupFlags, GupRef.Kind.PIN, holder).run();
    }

    private GupPages gupSlow(Task thread, long address, int nrPages, int gupFlags, GupRef.Kind kind, String holder) {
        requireAlive();
        Gup.Request req = Gup.request(this, thread, address, nrPages, gupFlags, kind, holder, false);
        if (mm.mmapWriteLocker != null) {
            throw new IllegalStateException("mmap_lock of process \"" + name + "\" is held for write by a fork in progress; "
                    + "GUP would sleep: step the fork to completion first, or use the *Steps variants to interleave");
        }
        return kernel.op(thread.actor(), req.call(), address, () -> new Gup(kernel).slow(req));
    }

    GupFast gupFastSteps(Task thread, long address, int nrPages, int gupFlags, GupRef.Kind kind, String holder) {
        requireAlive();
        if (thread.process() != this) {
            throw new IllegalArgumentException(thread + " is not a thread of process \"" + name + "\"");
        }
        return new GupFast(kernel, Gup.request(this, thread, address, nrPages, gupFlags, kind, holder, true));
    }

    // ------------------------------------------------------------------------------ vmsplice

    /** pipe(): a new pipe owned by this process. */
    public Pipe pipe() {
        requireAlive();
        return kernel.op(name, "pipe()", -1, () -> new Pipe(kernel, kernel.nextPipeId()));
    }

    /**
     * vmsplice(pipe, {address, length}, 0): the pipe takes plain references to the user pages
     * (iov_iter_get_pages2(), FOLL_GET, no FOLL_WRITE); it copies nothing until it is read.
     *
     * @return the bytes spliced: fewer than {@code length} if the range stops being mapped part-way
     * @throws ErrnoException EFAULT if not even the first page is mapped readable
     */
    public int vmsplice(Pipe pipe, long address, int length) {
        Objects.requireNonNull(pipe, "pipe");
        requireAlive();
        if (length <= 0) {
            throw new IllegalArgumentException("length must be positive, was " + length);
        }
        pipe.requireKernel(kernel);
        long first = address & ~(Kernel.PAGE_SIZE - 1L);
        int nr = (int) pages(address + length - first);
        GupFast g = gupFastSteps(mainThread(), first, nr, 0, GupRef.Kind.GET, pipe.name());
        return kernel.op(name, "vmsplice(" + pipe.name() + ", " + Kernel.hex(address) + ", " + length + ")", address, () -> {
            GupPages pages = g.run();
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
    public IoUring ioUringSetup() {
        requireAlive();
        return kernel.op(name, "io_uring_setup()", -1, () -> {
            if (kernel.model().get(io.pinsim.runtime.model.IoUringBufferCheck.class) == io.pinsim.runtime.model.IoUringBufferCheck.NO_IO_URING) {
                throw new ErrnoException(Errno.ENOSYS, "io_uring_setup", "io_uring does not exist in this kernel (added in 5.1)");
            }
            return new IoUring(kernel, this, kernel.nextRingId());
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
    public MmuIntervalNotifier insertIntervalNotifier(long start, long length, MmuIntervalNotifierOps ops, String name) {
        Objects.requireNonNull(ops, "ops");
        Objects.requireNonNull(name, "name");
        requireAlive();
        if (length <= 0 || start < 0 || start + length > Kernel.TASK_SIZE) {
            throw new ErrnoException(Errno.EINVAL, "mmu_interval_notifier_insert", "range " + Kernel.hex(start) + "+" + length + " is empty or outside the address space");
        }
        long s = start >>> Kernel.PAGE_SHIFT;
        long e = pages(start + length);
        MmuIntervalNotifier sub = mm.subscriptions.insert(s, e, ops, name);
        kernel.trace().record(name, TraceKind.NOTIFIER, start, -1, "interval notifier inserted on \"" + this.name + "\" " + Kernel.hex(start) + "-" + Kernel.hex(start + length));
        return sub;
    }

    // ------------------------------------------------------------------------------ internals

    void requireAlive() {
        if (state != State.RUNNING) {
            throw new IllegalStateException("process \"" + name + "\" (pid " + pid + ") has " + (state == State.EXITED ? "exited" : "been killed by " + killedBy)
                    + "; use a live process (its parent, or a new one from kernel.spawn(..))");
        }
    }

    static long pages(long length) {
        return (length + Kernel.PAGE_SIZE - 1) >>> Kernel.PAGE_SHIFT;
    }

    static int vmFlagsFor(int prot) {
        int f = 0;
        if ((prot & Prot.READ) != 0) {
            f |= Vma.VM_READ;
        }
        if ((prot & Prot.WRITE) != 0) {
            f |= Vma.VM_WRITE;
        }
        if ((prot & Prot.EXEC) != 0) {
            f |= Vma.VM_EXEC;
        }
        return f;
    }

    /** do_munmap(): zap and remove the VMAs in [start, end), splitting at the edges, inside one UNMAP invalidation (unmap_vmas()). */
    void unmapRange(long start, long end) {
        if (mm.vmasIn(start, end).isEmpty()) {
            return;
        }
        mm.splitAt(start);
        mm.splitAt(end);
        mm.notifyStart(MmuNotifierEvent.UNMAP, start, end, true);
        for (Vma v : mm.vmasIn(start, end)) {
            new Zap(kernel).zapRange(mm, v.startVpn, v.endVpn, null);
            mm.removeVma(v);
        }
        mm.notifyEnd(MmuNotifierEvent.UNMAP, start, end);
    }

    /**
     * The lowest free range of {@code pages} pages at or above the hint (or {@link Kernel#MMAP_BASE});
     * if nothing fits up there, the lowest free range above {@link Kernel#MMAP_LOW}.
     */
    private long findFreeRange(long hintVpn, long pages) {
        long top = Kernel.TASK_SIZE >>> Kernel.PAGE_SHIFT;
        long first = hintVpn >= (Kernel.MMAP_LOW >>> Kernel.PAGE_SHIFT) ? hintVpn : Kernel.MMAP_BASE >>> Kernel.PAGE_SHIFT;
        for (long candidate : new long[] {first, Kernel.MMAP_LOW >>> Kernel.PAGE_SHIFT}) {
            for (Vma v : mm.vmas.values()) {
                if (v.endVpn <= candidate) {
                    continue;
                }
                if (v.startVpn >= candidate + pages) {
                    break;
                }
                candidate = v.endVpn;
            }
            if (candidate + pages <= top) {
                return candidate;
            }
        }
        throw new ErrnoException(Errno.ENOMEM, "mmap", "no free range of " + pages + " pages in the address space");
    }

    /** change_protection() for one whole VMA whose flags change to newFlags (MMU_NOTIFY_PROTECTION_VMA). */
    private void changeProtection(Vma v, int newFlags) {
        v.flags = newFlags;
        boolean addWrite = (v.flags & Vma.VM_WRITE) != 0;
        MprotectWrite rule = kernel.model().get(MprotectWrite.class);
        boolean softDirtyTracking = v.softDirtyEnabled();
        mm.notifyStart(MmuNotifierEvent.PROTECTION_VMA, v.startVpn, v.endVpn, true);
        int[] madeWritable = new int[1];
        mm.pt.forEach(v.startVpn, v.endVpn, (vpn, pte) -> {
            if (!Pte.isPresent(pte)) {
                return;
            }
            long n = pte;
            if (!addWrite) {
                n &= ~Pte.WRITE;
            } else if (!Pte.isWrite(pte)) {
                if (v.isShared()) {
                    // Without writenotify vm_page_prot is writable; with it only a dirty PTE (dirty_accountable, and
                    // can_change_pte_writable() for VM_SHARED from 6.0) that soft-dirty tracking does not need to see.
                    if (!v.wantsWritenotify() || (Pte.isDirty(pte) && (Pte.isSoftDirty(pte) || !softDirtyTracking))) {
                        n |= Pte.WRITE;
                    }
                } else if (canChangePteWritable(rule, softDirtyTracking, pte)) {
                    n |= Pte.WRITE;
                    madeWritable[0]++;
                }
            }
            mm.pt.set(vpn, n);
        });
        mm.notifyEnd(MmuNotifierEvent.PROTECTION_VMA, v.startVpn, v.endVpn);
        if (madeWritable[0] > 0) {
            kernel.trace().record(name, TraceKind.INFO, v.start(), -1, madeWritable[0] + " PTE(s) of exclusive anonymous pages made writable at once (can_change_pte_writable)");
        }
    }

    /**
     * can_change_pte_writable() for a private mapping (64fe24a3e05e, 6.0; clean pages from 6.2):
     * only PageAnonExclusive pages, and not while soft-dirty tracking wants the write fault
     * (vma_soft_dirty_enabled() && !pte_soft_dirty()).
     */
    private boolean canChangePteWritable(MprotectWrite rule, boolean softDirtyTracking, long pte) {
        if (rule == MprotectWrite.FAULT_ON_WRITE || Pte.pfn(pte) == 0) {
            return false;
        }
        if (rule == MprotectWrite.DIRTY_EXCLUSIVE_ANON_WRITABLE && !Pte.isDirty(pte)) {
            return false;
        }
        if (softDirtyTracking && !Pte.isSoftDirty(pte)) {
            return false;
        }
        Frame f = kernel.frameOfPte(pte);
        return f.isAnon() && (f.flags & Frame.ANON_EXCLUSIVE) != 0 && kernel.anonExclusiveEra();
    }

    /** populate_vma_page_range() / faultin_vma_page_range(): fault every page in as a read or write would. */
    void populate(Vma v, long start, long end, boolean write) {
        Faults faults = new Faults(kernel);
        for (long vpn = start; vpn < end; vpn++) {
            long pte = mm.pt.get(vpn);
            if (Pte.isPresent(pte) && (!write || Pte.isWrite(pte))) {
                continue;
            }
            Faults.Result r = faults.handleMmFault(mm, v, vpn, write ? Faults.WRITE : 0, name);
            if (r == Faults.Result.OOM) {
                throw new ErrnoException(Errno.ENOMEM, "populate", "out of memory at " + Kernel.hex(vpn << Kernel.PAGE_SHIFT));
            }
            if (r == Faults.Result.SIGBUS) {
                // eb2faa513c24: MADV_POPULATE_(READ|WRITE) report SIGBUS as -EFAULT.
                throw new ErrnoException(Errno.EFAULT, "populate", "SIGBUS at " + Kernel.hex(vpn << Kernel.PAGE_SHIFT) + ": beyond the end of " + v.mapping.name());
            }
        }
    }

    @Override
    public String toString() {
        return "process \"" + name + "\" (pid " + pid + ", " + state.name().toLowerCase(java.util.Locale.ROOT) + ")";
    }
}
