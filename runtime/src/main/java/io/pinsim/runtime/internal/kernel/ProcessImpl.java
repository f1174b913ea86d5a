package io.pinsim.runtime.internal.kernel;

import io.pinsim.runtime.Advice;
import io.pinsim.runtime.Inode;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MapFlags;
import io.pinsim.runtime.MmuIntervalNotifierOps;
import io.pinsim.runtime.MmuNotifierListener;
import io.pinsim.runtime.OpenFile;
import io.pinsim.runtime.Pipe;
import io.pinsim.runtime.Prot;
import io.pinsim.runtime.Signal;
import io.pinsim.runtime.SignalException;
import io.pinsim.runtime.Task;
import io.pinsim.runtime.Vma;
import io.pinsim.runtime.internal.fs.OpenFileImpl;
import io.pinsim.runtime.internal.fs.PipeImpl;
import io.pinsim.runtime.internal.io_uring.IoUringImpl;
import io.pinsim.runtime.internal.mm.Gup;
import io.pinsim.runtime.internal.mm.GupPagesImpl;
import io.pinsim.runtime.internal.mm.GupRef;
import io.pinsim.runtime.internal.mm.Madvise;
import io.pinsim.runtime.internal.mm.Mm;
import io.pinsim.runtime.internal.mm.MmCore;
import io.pinsim.runtime.internal.mm.MmOwner;
import io.pinsim.runtime.internal.mm.Mmap;
import io.pinsim.runtime.internal.mm.MmapLockWait;
import io.pinsim.runtime.internal.mm.MmuIntervalNotifierImpl;
import io.pinsim.runtime.internal.mm.Page;
import io.pinsim.runtime.internal.mm.Pte;
import io.pinsim.runtime.internal.mm.Uaccess;
import io.pinsim.runtime.internal.mm.VmArea;
import io.pinsim.runtime.trace.KernelLog;
import io.pinsim.runtime.trace.TraceKind;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/** The kernel's process (task group and mm): the syscall facade of {@link io.pinsim.runtime.Process}, whose javadoc it follows. */
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
    /** The open files and device files (files_struct). */
    final FilesStruct files = new FilesStruct(this);
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

    @Override
    public String name() {
        return name;
    }

    @Override
    public ProcessImpl parent() {
        return parent;
    }

    @Override
    public KernelImpl kernel() {
        return kernel;
    }

    @Override
    public Mm mm() {
        return mm;
    }

    @Override
    public State state() {
        return state;
    }

    @Override
    public boolean isAlive() {
        return state == State.RUNNING;
    }

    @Override
    public Signal killedBy() {
        return killedBy;
    }

    @Override
    public List<Task> threads() {
        return Collections.unmodifiableList(threads);
    }

    @Override
    public TaskImpl mainThread() {
        requireAlive();
        return threads.get(0);
    }

    @Override
    public TaskImpl spawnThread(String threadName) {
        Objects.requireNonNull(threadName, "threadName");
        KernelImpl.requireName(threadName, "thread");
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

    @Override
    public TaskImpl thread(String threadName) {
        Objects.requireNonNull(threadName, "threadName");
        requireAlive();
        for (TaskImpl t : threads) {
            if (t.name().equals(threadName)) {
                return t;
            }
        }
        throw new IllegalArgumentException("process \"" + name + "\" has no thread \"" + threadName + "\"; call spawnThread(\"" + threadName + "\") first");
    }

    @Override
    public List<Vma> vmas() {
        return List.copyOf(mm.vmas.values());
    }

    @Override
    public VmArea vmaAt(long address) {
        return mm.findVma(address >>> Kernel.PAGE_SHIFT);
    }

    @Override
    public Page frameAt(long address) {
        long pte = mm.pt.get(address >>> Kernel.PAGE_SHIFT);
        // frameOfPte(): a subpage of a PMD-mapped folio is created on first use
        return !Pte.isPresent(pte) ? null : Pte.pfn(pte) == 0 ? kernel.zeroPage() : kernel.core.frameOfPte(pte);
    }

    @Override
    public String pteAt(long address) {
        long vpn = address >>> Kernel.PAGE_SHIFT;
        long pte = mm.pt.get(vpn);
        String text = Pte.describe(pte);
        VmArea v = Pte.isHuge(pte) ? mm.findVma(vpn) : null;
        // a 2 MiB hugetlb folio is PMD-mapped too, but it is no THP
        return v != null && (v.flags & VmArea.VM_HUGETLB) != 0 ? text.replace(" (PMD-mapped THP)", " (PMD-mapped 2 MiB hugetlb)") : text;
    }

    @Override
    public boolean isMappedWritable(long address) {
        long pte = mm.pt.get(address >>> Kernel.PAGE_SHIFT);
        return Pte.isPresent(pte) && Pte.isWrite(pte);
    }

    @Override
    public long populatedPtes() {
        return mm.pt.populated();
    }

    @Override
    public boolean hasPinned() {
        return mm.hasPinned;
    }

    // ------------------------------------------------------------------------------ mmap family

    @Override
    public long mmap(long length, int prot, int flags) {
        return mmap(0, length, prot, flags);
    }

    @Override
    public long mmap(long addr, long length, int prot, int flags) {
        return new Mmap(this).mmap(addr, length, prot, flags);
    }

    @Override
    public OpenFileImpl open(Inode file, int flags) {
        return files.open(file, flags);
    }

    @Override
    public OpenFileImpl memfdCreate(String memfdName, int flags) {
        return files.memfdCreate(memfdName, flags);
    }

    @Override
    public long mmap(long addr, long length, int prot, int flags, io.pinsim.runtime.OpenFile openFile, long offset) {
        OpenFileImpl file = OpenFileImpl.of(openFile, kernel.core);
        requireAlive();
        if (file.process() != this) {
            throw new IllegalArgumentException(file + " belongs to process \"" + file.process().name() + "\", not \"" + name + "\"");
        }
        String call = "mmap(" + (addr == 0 ? "NULL" : Kernel.hex(addr)) + ", " + length + ", " + Prot.describe(prot) + ", " + MapFlags.describe(flags)
                + ", " + file.label() + ", " + offset + ")";
        MmapLockWait.forWrite(mm, call);
        return kernel.core.op(name, call, addr, () -> {
            file.checkMmap(prot, flags, length, offset);
            return new Mmap(this).mmapRegion(addr, length, prot, flags, file, file.inode().mapping, file.writable(), offset);
        });
    }

    @Override
    public void munmap(long addr, long length) {
        new Mmap(this).munmap(addr, length);
    }

    @Override
    public long mremap(long addr, long oldLength, long newLength, int flags, long newAddr) {
        return new io.pinsim.runtime.internal.mm.Mremap(this).mremap(addr, oldLength, newLength, flags, newAddr);
    }

    @Override
    public void mprotect(long addr, long length, int prot) {
        new Mmap(this).mprotect(addr, length, prot);
    }

    @Override
    public void madvise(long addr, long length, Advice advice) {
        Objects.requireNonNull(advice, "advice");
        requireAlive();
        MmapLockWait.madvise(mm, advice, "madvise(" + Kernel.hex(addr) + ", " + length + ", " + advice.kernelName() + ")");
        kernel.core.run(name, "madvise(" + Kernel.hex(addr) + ", " + length + ", " + advice.kernelName() + ")", addr, () -> new Madvise(this).madvise(addr, length, advice));
    }

    @Override
    public void clearSoftDirty() {
        new Mmap(this).clearSoftDirty();
    }

    // ------------------------------------------------------------------------------ CPU access

    @Override
    public byte[] peek(long address, int length) {
        requireAlive();
        return new Uaccess(this).peek(address, length);
    }

    @Override
    public byte[] read(long address, int length) {
        requireAlive();
        if (length < 0) {
            throw new IllegalArgumentException("length must not be negative, was " + length);
        }
        MmapLockWait.forAccess(mm, address, length, false, "read " + Kernel.hex(address));
        return kernel.core.op(name, "read " + Kernel.hex(address) + " +" + length, address, () -> new Uaccess(this).copyFromUser(address, length, null));
    }

    @Override
    public void write(long address, byte[] data) {
        Objects.requireNonNull(data, "data");
        requireAlive();
        MmapLockWait.forAccess(mm, address, data.length, true, "write " + Kernel.hex(address));
        kernel.core.run(name, "write " + Kernel.hex(address) + " +" + data.length + " " + MmCore.describeBytes(data, 0, 8), address,
                () -> new Uaccess(this).copyToUser(address, data, null));
    }

    @Override
    public void fill(long address, long length, byte value) {
        new Uaccess(this).fill(address, length, value);
    }

    // ------------------------------------------------------------------------------ fork / exit

    @Override
    public ProcessImpl fork() {
        return fork(null);
    }

    @Override
    public ProcessImpl fork(String childName) {
        MmapLockWait.forWrite(mm, "fork()");
        return forkSteps(mainThread(), childName).run();
    }

    ForkStepsImpl forkSteps(TaskImpl thread, String childName) {
        if (childName != null) {
            KernelImpl.requireName(childName, "child");
        }
        requireAlive();
        if (thread.process() != this) {
            throw new IllegalArgumentException(thread + " is not a thread of process \"" + name + "\"");
        }
        // A fork started while another stepped operation holds mmap_lock (another thread's fork, a stepped munmap) waits at
        // its first step, as dup_mmap()'s mmap_write_lock_killable() does (ForkStepsImpl.waitsFor()); refusing it here with
        // "already forking" misnamed a munmap as a fork (fuzzer seed 1, sequence 823)
        children++;
        String child = childName != null ? childName : name + "-child" + (children > 1 ? String.valueOf(children) : "");
        return new ForkStepsImpl(this, thread, child);
    }

    @Override
    public void exit() {
        requireAlive();
        kernel.core.run(name, "exit()", -1, () -> {
            teardown();
            state = State.EXITED;
            kernel.trace().record(name, TraceKind.EXIT, -1, -1, "process \"" + name + "\" (pid " + pid + ") exited");
        });
    }

    /** The address space goes (exit_mmap()) and so do the threads. */
    void teardown() {
        mm.exitMmap();
        // exit_files() after exit_mm(): a device's ->release() sees the address space gone
        files.exitFiles();
        threads.clear();
    }

    /** The OOM kill of this process: see {@link KernelImpl#oomKill(ProcessImpl)}. */
    boolean oomKill() {
        kernel.log().print(kernel.trace().step(), KernelLog.Level.CRIT, "Out of memory: Killed process " + pid + " (" + name + ")");
        kernel.trace().record(name, TraceKind.SIGNAL, -1, -1, "SIGKILL from the OOM killer");
        boolean all = mm.oomReapTaskMm();
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

    @Override
    public GupPagesImpl getUserPages(long address, int nrPages, int gupFlags, String holder) {
        return Gup.slow(this, mainThread(), address, nrPages, gupFlags, GupRef.Kind.GET, holder);
    }

    @Override
    public GupPagesImpl pinUserPages(long address, int nrPages, int gupFlags, String holder) {
        return Gup.slow(this, mainThread(), address, nrPages, gupFlags, GupRef.Kind.PIN, holder);
    }

    @Override
    public GupPagesImpl getUserPagesFast(long address, int nrPages, int gupFlags, String holder) {
        return Gup.fast(this, mainThread(), address, nrPages, gupFlags, GupRef.Kind.GET, holder);
    }

    @Override
    public GupPagesImpl pinUserPagesFast(long address, int nrPages, int gupFlags, String holder) {
        return Gup.fast(this, mainThread(), address, nrPages, gupFlags, GupRef.Kind.PIN, holder);
    }

    // ------------------------------------------------------------------------------ vmsplice

    @Override
    public PipeImpl pipe() {
        requireAlive();
        return kernel.core.op(name, "pipe()", -1, () -> new PipeImpl(kernel.core, kernel.core.nextId(MmCore.IdKind.PIPE)));
    }

    @Override
    public int vmsplice(Pipe pipe, long address, int length) {
        return PipeImpl.vmsplice(this, pipe, address, length);
    }

    // ------------------------------------------------------------------------------ io_uring

    @Override
    public IoUringImpl ioUringSetup() {
        return IoUringImpl.setup(this);
    }

    // ------------------------------------------------------------------------------ rlimits

    @Override
    public long rlimitMemlock() {
        return rlimitMemlock;
    }

    @Override
    public void setRlimitMemlock(long bytes) {
        requireAlive();
        if (bytes < 0) {
            throw new IllegalArgumentException("RLIMIT_MEMLOCK must not be negative, was " + bytes);
        }
        rlimitMemlock = bytes;
    }

    @Override
    public boolean capIpcLock() {
        return capIpcLock;
    }

    @Override
    public void setCapIpcLock(boolean cap) {
        requireAlive();
        capIpcLock = cap;
    }

    @Override
    public long pinnedVm() {
        return mm.pinnedVm;
    }

    @Override
    public long lockedVm() {
        return mm.lockedVm;
    }

    // ------------------------------------------------------------------------------ notifier hook

    @Override
    public void registerMmuNotifier(MmuNotifierListener listener) {
        Objects.requireNonNull(listener, "listener");
        requireAlive();
        mm.subscriptions.addListener(listener, name);
    }

    @Override
    public void unregisterMmuNotifier(MmuNotifierListener listener) {
        Objects.requireNonNull(listener, "listener");
        mm.subscriptions.removeListener(listener, name, isAlive());
    }

    @Override
    public MmuIntervalNotifierImpl insertIntervalNotifier(long start, long length, MmuIntervalNotifierOps ops, String name) {
        requireAlive();
        return mm.insertIntervalNotifier(start, length, ops, name);
    }

    // ------------------------------------------------------------------------------ internals

    @Override
    public void requireAlive() {
        if (state != State.RUNNING) {
            throw new IllegalStateException("process \"" + name + "\" (pid " + pid + ") has " + (state == State.EXITED ? "exited" : "been killed by " + killedBy)
                    + "; use a live process (its parent, or a new one from kernel.spawn(..))");
        }
    }

    @Override
    public String toString() {
        return "process \"" + name + "\" (pid " + pid + ", " + state.name().toLowerCase(java.util.Locale.ROOT) + ")";
    }
}
