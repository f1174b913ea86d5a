package io.pinsim.runtime;

import io.pinsim.runtime.model.MprotectWrite;
import io.pinsim.runtime.model.SoftDirtyPinned;
import java.util.List;

/**
 * A process: a task group with one address space (mm). Its methods are the syscalls and CPU
 * accesses the model knows; each runs as one traced step. A call the kernel would refuse throws
 * {@link ErrnoException} and changes nothing (unless its javadoc names the partial effect the
 * kernel leaves); a bad access delivers a signal: the process is killed and the access throws
 * {@link SignalException}. Using a process after it exited throws {@link IllegalStateException};
 * the queries ({@link #vmas()}, {@link #vmaAt}, {@link #frameAt}, {@link #pteAt}, ...) still answer:
 * an exited process maps nothing. Arguments are checked before anything changes (see
 * {@code BadInputTableTest} for every method's answer to bad input): addresses and lengths are
 * unsigned as in the kernel, so a negative address is one above {@link Kernel#TASK_SIZE}.
 */
public interface Process {
    /** The state of a process. */
    enum State {
        /** Alive. */
        RUNNING,
        /** It called exit() (or {@link #exit()}). */
        EXITED,
        /** A signal killed it ({@link #killedBy()}). */
        KILLED
    }

    /** @return the process id */
    int pid();

    /** @return its name in the trace, {@code A} */
    String name();

    /** The process that forked this one, or null for a spawned process. */
    Process parent();

    /** @return the kernel it runs in */
    Kernel kernel();

    /** @return whether it runs, exited or was killed */
    State state();

    /** @return whether its state is {@link State#RUNNING} */
    boolean isAlive();

    /** The signal that killed the process, or null. */
    Signal killedBy();

    /** The threads, main thread first. */
    List<Task> threads();

    /** The main thread; a process that is no longer alive has none. */
    Task mainThread();

    /**
     * Starts another thread in this process (clone with CLONE_VM).
     *
     * @throws IllegalArgumentException for a blank name or one the process already has
     */
    Task spawnThread(String threadName);

    /**
     * The thread with this name.
     *
     * @throws IllegalArgumentException if the process has no such thread
     */
    Task thread(String threadName);

    /** The VMAs, in address order (as /proc/pid/maps lists them). */
    List<Vma> vmas();

    /** The VMA that contains the address, or null. */
    Vma vmaAt(long address);

    /**
     * The frame mapped at the address right now, without faulting (like reading the PTE), or null if
     * the PTE is not present. The shared zero page is returned as {@link Kernel#zeroPage()}.
     */
    Frame frameAt(long address);

    /**
     * The PTE at the address, described: {@code pfn 12 RW dirty}, {@code swap entry slot 0}, {@code none};
     * inside a huge mapping the huge entry, with what maps it: {@code (PMD-mapped THP)},
     * {@code (PMD-mapped 2 MiB hugetlb)} or {@code (PUD-mapped 1 GiB hugetlb)}.
     */
    String pteAt(long address);

    /** Whether the PTE at the address is present and writable. */
    boolean isMappedWritable(long address);

    /** The number of present or swap PTEs (the model's RSS + swap entries). */
    long populatedPtes();

    /**
     * MMF_HAS_PINNED (mm->has_pinned in 5.9 - 5.13): whether this mm ever took a FOLL_PIN; never
     * cleared. The model sets it wherever pins are counted (also on {@code LINUX_5_8}, which has no
     * such field); only the fork and clear_refs rules of 5.9+ read it.
     */
    boolean hasPinned();

    /** mmap(NULL, length, prot, flags, -1, 0): the model places the mapping at the lowest free address from {@link Kernel#MMAP_BASE}. */
    long mmap(long length, int prot, int flags);

    /**
     * mmap(addr, length, prot, flags, -1, 0) of anonymous memory, private or shared (shmem-backed).
     * {@code addr} is a hint unless MAP_FIXED, which replaces whatever was mapped there.
     * MAP_POPULATE faults the range in (write faults for a private writable mapping, as
     * populate_vma_page_range() does).
     *
     * @return the address of the mapping
     * @throws ErrnoException EINVAL for a zero length, bad flags or an unaligned MAP_FIXED address;
     *                        ENOMEM when the address space is full or a MAP_FIXED range lies outside
     *                        it (checked first, as __get_unmapped_area() does); EPERM for MAP_FIXED
     *                        below mmap_min_addr; EBADF without MAP_ANONYMOUS (a file mapping takes
     *                        an {@link OpenFile})
     */
    long mmap(long addr, long length, int prot, int flags);

    /**
     * open(path, flags) of an existing file. O_DIRECT is refused as do_dentry_open() refuses it
     * for a mapping without -&gt;direct_IO (later kernels: without FMODE_CAN_ODIRECT).
     *
     * @throws ErrnoException EINVAL for unknown flags; EINVAL for O_DIRECT on a filesystem without
     *                        direct I/O in the model (tmpfs, DAX)
     */
    OpenFile open(Inode inode, int flags);

    /**
     * memfd_create(name, flags) (mm/memfd.c): a new anonymous file, open read-write, of size 0, on
     * the kernel's internal tmpfs mount (shmem_file_setup(), {@link FsKind#TMPFS}) or, with
     * {@link MemfdFlags#HUGETLB}, on its internal hugetlbfs mount (hugetlb_file_setup(),
     * {@link FsKind#HUGETLBFS}). Size it with {@link OpenFile#ftruncate}, map it with
     * {@link #mmap(long, long, int, int, OpenFile, long)}. The file has no name in any filesystem's
     * {@link Filesystem#files()}; its {@link Inode#name()} is {@code memfd:name}. Seals
     * (MFD_ALLOW_SEALING, F_ADD_SEALS) are not modelled.
     *
     * <p>On hugetlbfs, as fs/hugetlbfs/inode.c has it: ftruncate() takes multiples of 2 MiB only
     * (hugetlbfs_setattr(), else EINVAL); write() and pwrite() fail with EINVAL (no -&gt;write_iter),
     * read() works; mmap() needs a 2 MiB-aligned offset, reserves the pages it maps
     * (hugetlb_reserve_pages(): ENOMEM when the pool cannot promise them) and maps 2 MiB folios
     * by PMD entries; a fault at or past EOF is SIGBUS (hugetlb_no_page()).
     *
     * @param name  the name (at most {@link MemfdFlags#NAME_MAX_LEN} bytes in UTF-8; it may repeat)
     * @param flags {@link MemfdFlags}
     * @return the new open file
     * @throws ErrnoException EINVAL for unknown flags or MFD_HUGE_* without MFD_HUGETLB, or a name
     *                        over 249 bytes; ENODEV for a hugetlb page size with no hstate (anything
     *                        but 2 MiB and 1 GiB, get_hstate_idx()) - all checked before anything changes
     */
    OpenFile memfdCreate(String name, int flags);

    /**
     * mmap(addr, length, prot, flags, fd, offset) of a file. MAP_SHARED writes reach the page cache
     * (on ext4 through writenotify and ->page_mkwrite); MAP_PRIVATE writes copy the page into an
     * anonymous page. An access beyond the end of the file is SIGBUS. The checks are do_mmap()'s
     * (FMODE_READ, FMODE_WRITE for a shared writable mapping) and sys_mmap()'s offset alignment.
     *
     * @throws ErrnoException EACCES for MAP_SHARED|PROT_WRITE of a file not open for writing, or any
     *                        mapping of a file not open for reading; EINVAL for an unaligned offset;
     *                        EOVERFLOW for an offset whose mapping would end past MAX_LFS_FILESIZE (a
     *                        negative offset is such a one: file_mmap_ok()); EBADF for a closed file
     * @throws IllegalArgumentException for a file of another process or kernel
     */
    long mmap(long addr, long length, int prot, int flags, OpenFile file, long offset);

    /**
     * munmap(addr, length): removes the mappings in the range (MMU_NOTIFY_UNMAP). A pinned frame
     * survives, unmapped, until it is unpinned. A range with nothing mapped is not an error.
     *
     * @throws ErrnoException EINVAL for an unaligned address or a zero length
     */
    void munmap(long addr, long length);

    /**
     * mremap(addr, oldLength, newLength, flags, newAddr) (mm/mremap.c): shrinks the mapping at
     * {@code addr} in place, grows it in place when the addresses after it are free, or moves it
     * ({@link MremapFlags#MAYMOVE}; to exactly {@code newAddr} with {@link MremapFlags#FIXED},
     * replacing what is mapped there). A move moves the page-table entries, not the pages: pins,
     * references, swap entries and data stay with the frames; a PMD-mapped THP moves whole when all
     * of it moves to a 2 MiB aligned address, and is split otherwise. The old range gets an
     * MMU_NOTIFY_UNMAP invalidation. {@code newAddr} is ignored without MREMAP_FIXED or
     * {@link MremapFlags#DONTUNMAP}; with DONTUNMAP (as the model's
     * {@link io.pinsim.runtime.model.MremapDontunmap} allows) the pages move and the old range stays
     * mapped, empty, and {@code newAddr} is a hint unless FIXED.
     *
     * @return the address of the mapping afterwards
     * @throws ErrnoException EINVAL for unknown flags, FIXED without MAYMOVE, DONTUNMAP without
     *                        MAYMOVE or with a new length (or on a mapping the kernel refuses it for),
     *                        an unaligned address, a new length of 0, an unaligned or out-of-range new
     *                        address, overlapping old and new ranges, or an old length of 0 on a
     *                        private mapping; EFAULT when nothing is mapped at {@code addr} or the
     *                        old range runs past its VMA; ENOMEM when it cannot grow in place and may
     *                        not move
     */
    long mremap(long addr, long oldLength, long newLength, int flags, long newAddr);

    /**
     * mprotect(addr, length, prot). Removing PROT_WRITE write-protects the PTEs; adding it makes
     * PTEs writable only as the model's {@link MprotectWrite} switch says (change_pte_range()).
     * Raises MMU_NOTIFY_PROTECTION_VMA.
     *
     * @throws ErrnoException EINVAL for an unaligned address or unknown prot bits; ENOMEM for a range
     *                        whose end wraps, or that is not fully mapped: as in do_mprotect_pkey(),
     *                        the VMAs before the hole have already been changed (a length past
     *                        TASK_SIZE reaches every VMA from the address up)
     */
    void mprotect(long addr, long length, int prot);

    /**
     * madvise(addr, length, advice). As the kernel does, a range that covers unmapped parts is
     * applied to the mapped parts and then fails with ENOMEM.
     *
     * @throws ErrnoException EINVAL for advice the model's kernel does not know, an unaligned
     *                        address, a range that wraps (madvise(-4096, 4096): end &lt; start; a
     *                        small negative length rounds up to 0), or advice the VMA refuses; ENOMEM
     *                        for holes (a length past TASK_SIZE reaches every VMA from the address up)
     */
    void madvise(long addr, long length, Advice advice);

    /**
     * Writes "4" to /proc/pid/clear_refs: clears the soft-dirty bits and write-protects the PTEs so
     * the next write is noticed (clear_soft_dirty(), MMU_NOTIFY_SOFT_DIRTY over the whole address
     * space), except for pinned pages where the model's {@link SoftDirtyPinned} says so.
     */
    void clearSoftDirty();

    /**
     * The debugger's read, without its side effects: the bytes that {@code ptrace(PTRACE_PEEKDATA)}
     * or a read of {@code /proc/pid/mem} (access_process_vm() with FOLL_FORCE) would return, found
     * without faulting anything in. A present page is read from its frame; a swapped-out page from
     * its swap-cache page or swap slot; a page the process has not faulted in from the page cache or
     * the file's block (a hole reads as zeros), a shared anonymous (shmem) page from its object, and
     * private anonymous memory reads as zeros (the zero page a read fault would map). Nothing changes:
     * no fault, no trace event or step, no PTE, accessed/dirty bit, reference or counter. Assertions
     * read with it.
     *
     * <p>This is the model's inspection, not a kernel operation: the real access_process_vm() faults
     * missing pages in (and swaps them in) through get_user_pages_remote(); the bytes are the same,
     * the state afterwards is not. Like FOLL_FORCE it ignores PROT_READ (a PROT_NONE mapping that
     * may be read is read). The range must be mapped by VMAs that allow reading (VM_MAYREAD) and lie
     * within the file for a file mapping, else it throws {@link ErrnoException} EIO and returns nothing,
     * as ptrace(PTRACE_PEEKDATA) fails with EIO. A negative length throws IllegalArgumentException,
     * an exited process IllegalStateException.
     */
    byte[] peek(long address, int length);

    /**
     * Reads bytes as the CPU would, faulting pages in. A bad address kills the process with SIGSEGV.
     * The result is allocated only once the VMAs are known to cover the range, so a length beyond
     * the mapping faults at its end without allocating {@code length} bytes first.
     */
    byte[] read(long address, int length);

    /** Writes bytes as the CPU would, faulting and breaking COW as needed. A bad address kills the process with SIGSEGV. */
    void write(long address, byte[] data);

    /** Fills {@code length} bytes with one value, as the CPU would (memset). */
    void fill(long address, long length, byte value);

    /** fork(): the child is named after this process, {@code A-child}, {@code A-child2}, ... */
    Process fork();

    /**
     * fork() called by the main thread: the child gets a copy of the address space as
     * copy_page_range() makes it under the model's rules (see {@link ForkSteps}). A null name names
     * the child as {@link #fork()} does; a blank one is refused.
     *
     * @throws ErrnoException ENOMEM if an early copy of a pinned page cannot be allocated; the
     *                        child is torn down, and (as in the kernel) the parent's PTEs that fork
     *                        already write-protected stay write-protected
     */
    Process fork(String childName);

    /** Process exit: every mapping is released (MMU_NOTIFY_RELEASE, then UNMAP); frames held by pins survive. */
    void exit();

    /**
     * get_user_pages(): takes a plain reference (FOLL_GET) on each page, faulting pages in as GUP
     * does. Returns fewer pages than asked if it fails after the first page, as the kernel does.
     *
     * @param gupFlags {@link Foll#WRITE}, {@link Foll#FORCE}, {@link Foll#LONGTERM}
     * @param holder   who will hold the references, for the trace, e.g. {@code "pipe#1"} (not blank)
     * @throws ErrnoException EINVAL for a negative count or flags the function does not take; EFAULT if
     *                        not even the first page can be taken (the fast variants: also for a
     *                        range that ends past TASK_SIZE)
     */
    GupPages getUserPages(long address, int nrPages, int gupFlags, String holder);

    /**
     * pin_user_pages(): takes a pin (FOLL_PIN) on each page: with pin accounting a pin adds
     * {@link Frame#GUP_PIN_COUNTING_BIAS} to the refcount and sets MMF_HAS_PINNED; before it, a pin
     * is a plain reference. Returns fewer pages than asked if it fails after the first page.
     */
    GupPages pinUserPages(long address, int nrPages, int gupFlags, String holder);

    /** get_user_pages_fast(): the lockless walk first, the slow path for the rest. */
    GupPages getUserPagesFast(long address, int nrPages, int gupFlags, String holder);

    /** pin_user_pages_fast(): the lockless walk first, the slow path for the rest. */
    GupPages pinUserPagesFast(long address, int nrPages, int gupFlags, String holder);

    /** pipe(): a new pipe owned by this process. */
    Pipe pipe();

    /**
     * vmsplice(pipe, {address, length}, 0): the pipe takes plain references to the user pages
     * (iov_iter_get_pages2(), FOLL_GET, no FOLL_WRITE); it copies nothing until it is read.
     *
     * @return the bytes spliced: fewer than {@code length} if the range stops being mapped part-way;
     *         0 for a length of 0
     * @throws ErrnoException EFAULT if not even the first page is mapped readable; EINVAL for a
     *                        negative length (an iov_len that is negative as an ssize_t)
     * @throws IllegalArgumentException for a pipe of another kernel
     */
    int vmsplice(Pipe pipe, long address, int length);

    /**
     * io_uring_setup(): a new ring owned by this process; children forked later inherit it.
     *
     * @throws ErrnoException ENOSYS on kernels without io_uring (before 5.1)
     */
    IoUring ioUringSetup();

    /** RLIMIT_MEMLOCK in bytes. */
    long rlimitMemlock();

    /**
     * setrlimit(RLIMIT_MEMLOCK).
     *
     * @throws IllegalArgumentException for a negative limit
     * @throws IllegalStateException    if the process has exited or been killed
     */
    void setRlimitMemlock(long bytes);

    /** Whether the process has CAP_IPC_LOCK (which bypasses RLIMIT_MEMLOCK). */
    boolean capIpcLock();

    /**
     * Grants or drops CAP_IPC_LOCK (capable(CAP_IPC_LOCK) in the RLIMIT_MEMLOCK checks).
     *
     * @throws IllegalStateException if the process has exited or been killed
     */
    void setCapIpcLock(boolean cap);

    /** mm->pinned_vm in pages. */
    long pinnedVm();

    /** mm->locked_vm in pages. */
    long lockedVm();

    /**
     * Registers a classic mmu notifier subscriber on this process's mm (mmu_notifier_register()).
     *
     * @throws IllegalArgumentException if the listener is already registered
     */
    void registerMmuNotifier(MmuNotifierListener listener);

    /**
     * Removes a subscriber registered with {@link #registerMmuNotifier} (mmu_notifier_unregister()).
     *
     * @throws IllegalArgumentException if it is not registered (exit drops every subscriber)
     */
    void unregisterMmuNotifier(MmuNotifierListener listener);

    /**
     * mmu_interval_notifier_insert(): a driver subscribes to invalidations of [start, start+length)
     * of this process. Usually called through a device's {@code DriverContext}.
     *
     * @throws ErrnoException EOVERFLOW for a length of 0 or a range that wraps past 2^64
     *                        (__mmu_interval_notifier_insert())
     * @throws IllegalArgumentException for a range past TASK_SIZE, which the kernel would take but
     *                                  nothing could ever invalidate
     */
    MmuIntervalNotifier insertIntervalNotifier(long start, long length, MmuIntervalNotifierOps ops, String name);
}
