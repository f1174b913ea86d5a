package io.pinsim.runtime.spi;

import io.pinsim.runtime.Frame;
import io.pinsim.runtime.GupPages;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MmuIntervalNotifier;
import io.pinsim.runtime.MmuIntervalNotifierOps;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.trace.KernelLog;
import java.util.List;
import java.util.function.Supplier;

/**
 * What the kernel offers a device driver once the device is attached ({@link #attach(Kernel, String)}):
 * GUP and pinning with memlock accounting, interval mmu notifiers, hmm_range_fault(), and DMA into
 * the frames the device holds. Every call is traced with the device as the actor, so a driver
 * written in a downstream test suite is traced for free. A process from another kernel is refused
 * with {@link IllegalArgumentException}.
 */
public interface DriverContext {
    /**
     * Attaches a device to a kernel: its driver gets the kernel's services through the returned
     * context. Device names are unique per kernel.
     *
     * @throws IllegalArgumentException if the name is taken, or the kernel was not built by {@link Kernel#builder()}
     */
    static DriverContext attach(Kernel kernel, String deviceName) {
        java.util.Objects.requireNonNull(kernel, "kernel");
        java.util.Objects.requireNonNull(deviceName, "deviceName");
        if (!(kernel instanceof DriverHost host)) {
            throw new IllegalArgumentException(kernel + " does not accept devices: build kernels with Kernel.builder()");
        }
        return host.attachDevice(deviceName);
    }

    /** The device's name, e.g. {@code mlx5_0}; it is the actor in the trace. */
    String deviceName();

    /** The kernel the device is attached to. */
    Kernel kernel();

    /**
     * Runs a driver operation as one traced step (an ioctl, a completion, an interrupt).
     *
     * @throws NullPointerException for a null description or body
     */
    <T> T call(String what, Supplier<T> body);

    /**
     * pin_user_pages() on behalf of the device ({@code holder} = device name and {@code what}; a null
     * or blank {@code what} leaves the device name alone). The same checks as
     * {@link Process#pinUserPages}; a process of another kernel is refused with
     * {@link IllegalArgumentException}, an exited one with {@link IllegalStateException}.
     */
    GupPages pinUserPages(Process process, long address, int nrPages, int gupFlags, String what);

    /** pin_user_pages_fast() on behalf of the device. */
    GupPages pinUserPagesFast(Process process, long address, int nrPages, int gupFlags, String what);

    /** get_user_pages() on behalf of the device. */
    GupPages getUserPages(Process process, long address, int nrPages, int gupFlags, String what);

    /**
     * Charge mm->pinned_vm (ib_umem_get): ENOMEM past RLIMIT_MEMLOCK without CAP_IPC_LOCK.
     *
     * @throws IllegalArgumentException for a negative page count, or more pages than the user address
     *                                  space has (nothing is charged)
     */
    void accountPinnedVm(Process process, long nrPages);

    /**
     * Return pages charged with {@link #accountPinnedVm} ({@code ib_umem_release: atomic64_sub(.., &mm->pinned_vm)}).
     *
     * @throws IllegalArgumentException for a negative page count, or more pages than the user address
     *                                  space has (nothing changes)
     */
    void unaccountPinnedVm(Process process, long nrPages);

    /**
     * Charge mm->locked_vm (vfio_lock_acct): ENOMEM past RLIMIT_MEMLOCK without CAP_IPC_LOCK.
     *
     * @throws IllegalArgumentException for a negative page count, or more pages than the user address
     *                                  space has (nothing is charged)
     */
    void accountLockedVm(Process process, long nrPages);

    /**
     * Return pages charged with {@link #accountLockedVm} (vfio_lock_acct() with a negative npage, __account_locked_vm(.., false)).
     *
     * @throws IllegalArgumentException for a negative page count, or more pages than the user address
     *                                  space has (nothing changes)
     */
    void unaccountLockedVm(Process process, long nrPages);

    /**
     * mmu_interval_notifier_insert() for [start, start+length) of the process (see
     * {@link Process#insertIntervalNotifier}); a null or blank {@code what} names it after the device.
     */
    MmuIntervalNotifier insertIntervalNotifier(Process process, long start, long length, MmuIntervalNotifierOps ops, String what);

    /**
     * {@link #insertIntervalNotifier(Process, long, long, MmuIntervalNotifierOps, String)} for a
     * driver whose invalidate callback first takes its lock {@code invalidateLock} (a name for
     * {@link #lock(String)}: mlx5_ib_invalidate_range() takes umem_odp-&gt;umem_mutex, amdgpu its
     * notifier_lock). A stepped invalidation ({@code Task.munmapSteps}, {@code Task.madviseSteps})
     * then waits before calling it while another thread holds that lock, as mutex_lock() sleeps,
     * and the explorer sees whom it waits for.
     *
     * @throws IllegalArgumentException for a blank lock name
     */
    MmuIntervalNotifier insertIntervalNotifier(Process process, long start, long length, MmuIntervalNotifierOps ops, String what, String invalidateLock);

    /**
     * hmm_range_fault(): faults the CPU pages of [start, start + nrPages pages) in (as writes if
     * {@code write}: breaking COW) and returns the frames mapped now, taking no references.
     *
     * @throws io.pinsim.runtime.ErrnoException EINVAL for no pages (walk_page_range(): start &gt;= end);
     *         EBUSY if an invalidation of the interval ran since {@code notifierSeq} (retry from
     *         readBegin); EFAULT for an address with no readable VMA; EPERM for a write to a VMA
     *         without VM_WRITE; ENOMEM if a fault cannot allocate
     * @throws IllegalStateException for a removed notifier
     * @throws io.pinsim.runtime.WouldBlockException before anything changes, if the driver's
     *         mmap_read_lock() or a fault would sleep on a lock a stepped operation holds (a stepped
     *         munmap or fork holds mmap_lock for write; a stepped reclaim, writeback or truncate a
     *         page lock or the invalidate lock)
     */
    HmmRange hmmRangeFault(MmuIntervalNotifier sub, long notifierSeq, long start, int nrPages, boolean write);

    /**
     * hmm_range_fault() with request flags and a device-private owner (range->default_flags,
     * range->dev_private_owner): with {@link HmmPfn#REQ_FAULT} pages are faulted in as
     * {@link #hmmRangeFault(MmuIntervalNotifier, long, long, int, boolean)} does (another device's
     * private page migrates back to RAM); without it the walk is a snapshot that faults nothing and
     * reports {@link HmmPfn#ERROR} for an unreadable VMA. The owner's own device-private pages are
     * returned as they are.
     *
     * @throws io.pinsim.runtime.ErrnoException as the other hmmRangeFault (EFAULT and EPERM only when faulting)
     * @throws IllegalStateException for a removed notifier
     */
    List<HmmPfn> hmmRangeFault(MmuIntervalNotifier sub, long notifierSeq, long start, int nrPages, int reqFlags, Object devPrivateOwner);

    /**
     * memremap_pages() of MEMORY_DEVICE_PRIVATE memory for this device: a pool of {@code nrPages}
     * device pages owned by {@code owner}, whose CPU faults call {@code ops}.
     *
     * @throws IllegalArgumentException for a pool of no pages
     */
    DevicePagemap memremapPages(int nrPages, Object owner, DevicePagemapOps ops);

    /**
     * make_device_exclusive() (5.14+): faults each page in writable and replaces its PTE by a
     * device-exclusive entry under an MMU_NOTIFY_EXCLUSIVE invalidation with {@code owner}; a CPU
     * access restores it. Returns the frames, per page (null where the page could not be faulted).
     *
     * @throws io.pinsim.runtime.ErrnoException EINVAL before 5.14 or for no pages; EFAULT for an
     *         address without a writable VMA
     */
    List<Frame> makeDeviceExclusive(Process process, long address, int nrPages, Object owner);

    /**
     * The device writes a frame it holds (DMA), whatever the CPU page tables map now; {@code what}
     * (may be null) names the transfer in the trace.
     *
     * @throws IllegalArgumentException unless [offset, offset + data.length) lies within the page
     * @throws IllegalStateException    for the shared zero page
     * @throws io.pinsim.runtime.KernelBugException {@code dma-to-freed-frame} for a frame that was freed
     */
    void dmaWrite(Frame frame, int offset, byte[] data, String what);

    /**
     * The device reads a frame it holds (DMA).
     *
     * @throws IllegalArgumentException unless [offset, offset + length) lies within the page
     * @throws io.pinsim.runtime.KernelBugException {@code dma-to-freed-frame} for a frame that was freed
     */
    byte[] dmaRead(Frame frame, int offset, int length, String what);

    /**
     * Marks a frame the device wrote dirty (set_page_dirty(), e.g. when an ODP mapping is torn down).
     *
     * @throws io.pinsim.runtime.KernelBugException {@code dma-to-freed-frame} for a frame that was freed
     */
    void setPageDirty(Frame frame, String what);

    /** Prints a line to the kernel log as the driver. */
    void log(KernelLog.Level level, String text);

    /** Records a driver decision in the trace. */
    void trace(String what);
    /**
     * dma_fence_context_alloc(1): a new fence timeline of this device.
     *
     * @throws IllegalArgumentException for a blank name
     */
    DmaFenceContext fenceContext(String timeline);

    /**
     * dma_resv_init(): a reservation object for one of the device's buffers.
     *
     * @throws IllegalArgumentException for a blank name
     */
    DmaResv dmaResv(String name);

    /**
     * dma_fence_begin_signalling(): from here until {@link #dmaFenceEndSignalling(boolean)} the
     * device runs code a published fence waits for, so it must not allocate with reclaim, take a lock
     * held around a fence wait, or wait on a fence that may not signal. Returns the cookie: true if
     * the device was inside a section already (nesting is explicit, not a second acquisition).
     */
    boolean dmaFenceBeginSignalling();

    /** dma_fence_end_signalling(cookie): closes the section {@link #dmaFenceBeginSignalling()} opened. */
    void dmaFenceEndSignalling(boolean cookie);

    /**
     * mutex_lock() of a driver lock by name, e.g. {@code notifier_lock}: one lockdep class per device
     * and name.
     *
     * @throws IllegalArgumentException for a blank name
     * @throws IllegalStateException    if the device holds it already (the model's device runs one thread)
     */
    void lock(String lockName);

    /**
     * mutex_unlock() of a driver lock.
     *
     * @throws IllegalStateException if the device does not hold it
     */
    void unlock(String lockName);

    /**
     * The {@link io.pinsim.runtime.Footprint} id of a driver lock, {@code dev:<device>:<lockName>}:
     * what a stepped driver operation names in {@code holds()} and {@code waitsFor()}.
     *
     * @throws IllegalArgumentException for a blank name
     */
    String lockId(String lockName);

    /**
     * Who holds a driver lock now (the actor: the device, or the thread whose invalidation called
     * the driver), or null if it is free: a stepped driver operation is blocked while another
     * actor holds the lock it takes next.
     *
     * @throws IllegalArgumentException for a blank name
     */
    String lockHolder(String lockName);

    /**
     * Whether mmap_read_lock() of the process would sleep now: an operation in progress (a stepped
     * munmap or fork) holds its mmap_lock for write. A stepped device fault waits before
     * hmm_range_fault() while it does.
     */
    boolean mmapLockedForWrite(Process process);

    /**
     * Whether mmap_write_lock() of the process would sleep because an operation in progress holds
     * its mmap_lock for read (a stepped write fault or MADV_DONTNEED, munmap's zap after the lock
     * was downgraded). A stepped MR registration waits for it before libibverbs' MADV_DONTFORK.
     */
    boolean mmapLockedForRead(Process process);

    /**
     * The sleeping lock, as a {@link io.pinsim.runtime.Footprint} id, that a GUP of
     * [address, address + nrPages pages) would sleep on in its page fault now, or null: the page lock
     * of a swap-cache page a stepped reclaim holds (do_swap_page()'s folio_lock_or_retry()), or a
     * file's invalidate lock or page lock a stepped truncate, hole punch or writeback holds
     * (filemap_fault()); the same check the plain calls make before they throw a
     * {@link io.pinsim.runtime.WouldBlockException}. mmap_lock is not included
     * ({@link #mmapLockedForWrite}). A stepped MR registration waits on it before a chunk, as its
     * pin_user_pages_fast() would. Nothing changes.
     *
     * @throws IllegalArgumentException if nrPages is not positive, or the process is not of this kernel
     */
    String gupFaultWaitsFor(Process process, long address, int nrPages, boolean write);

    /**
     * An allocation with these flags (kmalloc(size, gfp)) as lockdep sees it: fs_reclaim_acquire()
     * and fs_reclaim_release() around it when it may reclaim. {@code what} (may be null) names it in
     * the trace.
     */
    void allocate(Gfp gfp, String what);

    /**
     * iommu_sva_bind_device(dev, mm): binds the process's address space to this device under the
     * mm's PASID (allocated on the first bind of the mm, shared by all its bonds); the IOMMU
     * registers an mmu notifier on the mm to keep its IOTLB in sync. Binding the same process again
     * returns the same bond with one more user ({@link IommuSva#unbind()} once per bind).
     * {@code ops} (may be null) is the driver's mm_exit callback, called only where the model has
     * {@link io.pinsim.runtime.model.SvaMmExit#MM_EXIT_OP}.
     *
     * @throws io.pinsim.runtime.ErrnoException ENODEV where the kernel has no SVA API
     *         ({@link io.pinsim.runtime.model.SvaMmExit#NO_SVA})
     * @throws IllegalArgumentException for a process of another kernel
     * @throws IllegalStateException    for a process that has exited
     */
    IommuSva iommuSvaBindDevice(Process process, IommuSvaOps ops);

    /**
     * mm->pasid: the PASID the process's SVA bonds use, or {@link #IOMMU_PASID_INVALID} if it has
     * none (a forked child never inherits one: dup_mm() -> mm_pasid_init()).
     *
     * @throws IllegalArgumentException for a process of another kernel
     */
    int mmPasid(Process process);

    /** IOMMU_PASID_INVALID. */
    int IOMMU_PASID_INVALID = -1;

    /**
     * The process opens the device's character device: {@code release} is the file's ->release(),
     * run by {@link DeviceFile#close()} or at the process's exit, after exit_mmap() (exit_files()).
     * {@code what} (may be null) names the file in the trace.
     *
     * @throws IllegalArgumentException for a process of another kernel
     * @throws IllegalStateException    for a process that has exited
     * @throws NullPointerException     for a null release
     */
    DeviceFile openDeviceFile(Process process, String what, Runnable release);

    /**
     * Registers the driver's revoke callback for long-term pins it took
     * ({@link PinRevoker}; the proposal {@link io.pinsim.runtime.model.TruncatePinnedPage#PROPOSAL_NOTIFY_THEN_DUMMY_PAGE}
     * calls it when a pinned page-cache page is truncated; shipped kernels never do). A later call
     * replaces the callback.
     *
     * @throws NullPointerException     for null pins or revoker
     * @throws IllegalArgumentException for pins this device did not take, or not FOLL_PIN | FOLL_LONGTERM
     * @throws IllegalStateException    for pins already released
     */
    void onRevoke(GupPages pins, PinRevoker revoker);

    /**
     * From {@link PinRevoker#redirect}: points the device's translation of page {@code index} of
     * {@code pins} at the device's dummy page (one zeroed page per device, allocated on first use and
     * freed when the device's last redirected pins are released) and drops the pin on the page it
     * held. Later DMA through {@code pins} reads and writes the dummy page.
     *
     * @throws NullPointerException      for null pins
     * @throws IllegalArgumentException  for pins this device did not take
     * @throws IndexOutOfBoundsException for an index outside the pins
     * @throws IllegalStateException     for pins already released, or a page already redirected
     * @throws io.pinsim.runtime.ErrnoException ENOMEM if no frame is free for the dummy page (nothing changes)
     */
    void redirectToDummyPage(GupPages pins, int index);
}
