package io.pinsim.runtime.internal.kernel;

import io.pinsim.runtime.BlockDevice;
import io.pinsim.runtime.Filesystem;
import io.pinsim.runtime.FsKind;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.TransparentHugepage;
import io.pinsim.runtime.KernelBugException;
import io.pinsim.runtime.Leak;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.SimpleDisk;
import io.pinsim.runtime.internal.fs.FilesystemImpl;
import io.pinsim.runtime.internal.fs.InodeImpl;
import io.pinsim.runtime.internal.fs.Memfd;
import io.pinsim.runtime.internal.mm.Migration;
import io.pinsim.runtime.internal.mm.MmCore;
import io.pinsim.runtime.internal.mm.Page;
import io.pinsim.runtime.internal.mm.Reclaim;
import io.pinsim.runtime.model.KernelModel;
import io.pinsim.runtime.spi.DriverContext;
import io.pinsim.runtime.spi.DriverHost;
import io.pinsim.runtime.internal.dma_buf.FenceSignalling;
import io.pinsim.runtime.lockdep.Lockdep;
import io.pinsim.runtime.model.DmaResvLockdepPriming;
import io.pinsim.runtime.trace.FrameSnapshot;
import io.pinsim.runtime.trace.KernelLog;
import io.pinsim.runtime.trace.Trace;
import io.pinsim.runtime.trace.TraceKind;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * The kernel: the shared mm state ({@link MmCore}), the processes (kernel/fork.c, kernel/exit.c),
 * the mounted filesystems and the attached devices. The public {@link Kernel} API over it.
 */
public final class KernelImpl implements Kernel, DriverHost {
    /** The dma-fence annotations of this kernel. */
    final FenceSignalling fences;
    /** dma_fence_context_alloc()'s counter. */
    long fenceContexts;
    final MmCore core;
    /** The IOMMU's SVA side: PASIDs and bonds. */
    final io.pinsim.runtime.internal.iommu.Iommu iommu;
    private final List<ProcessImpl> processes = new ArrayList<>();
    private final List<Filesystem> filesystems = new ArrayList<>();
    /** The internal mounts memfd_create() makes its files on (shm_mnt, hugetlbfs_vfsmount[]); not in {@link #filesystems()}. */
    private final FilesystemImpl shmMount;
    private final FilesystemImpl hugetlbfsMount;
    private final List<String> devices = new ArrayList<>();
    private int nextPid = 1;
    private int nextDisk;
    private boolean closed;

    /** Creates kernels for {@link Kernel#builder()} (registered in META-INF/services). */
    public static final class Provider implements Kernel.Provider {
        @Override
        public Kernel create(Config config) {
            return new KernelImpl(config);
        }
    }

    KernelImpl(Config config) {
        this.core = new MmCore(config);
        this.iommu = new io.pinsim.runtime.internal.iommu.Iommu(core);
        this.fences = new FenceSignalling(core.lockdep(), core.model().get(DmaResvLockdepPriming.class), core::currentActor);
        this.shmMount = new FilesystemImpl(this, core, FsKind.TMPFS, "shm", null);
        this.hugetlbfsMount = new FilesystemImpl(this, core, FsKind.HUGETLBFS, "hugetlbfs", null);
    }

    /** memfd_create(): the new file's inode on the internal tmpfs or hugetlbfs mount, after the checks of {@link Memfd#check}. */
    InodeImpl memfdInode(String name, int flags) {
        return Memfd.create(core.model().get(io.pinsim.runtime.model.MemfdExec.class), shmMount, hugetlbfsMount, name, flags);
    }

    /** The shared mm state. */
    public MmCore core() {
        return core;
    }

    @Override
    public KernelModel model() {
        return core.model();
    }

    @Override
    public long seed() {
        return core.seed();
    }

    @Override
    public SplittableRandom random() {
        return core.random();
    }

    @Override
    public Trace trace() {
        return core.trace();
    }

    @Override
    public KernelLog log() {
        return core.log();
    }

    @Override
    public Lockdep lockdep() {
        return core.lockdep();
    }

    @Override
    public Page zeroPage() {
        return core.zeroPage();
    }

    @Override
    public Page frame(long pfn) {
        if (pfn < 0) {
            throw new IllegalArgumentException("pfn " + pfn + ": a pfn is never negative; take it from Frame.pfn()");
        }
        return core.frame(pfn);
    }

    @Override
    public long usedFrames() {
        return core.usedFrames();
    }

    @Override
    public long freeFrames() {
        return core.freeFrames();
    }

    @Override
    public long swapSlotsInUse() {
        return core.swap.slotsInUse();
    }

    @Override
    public ProcessImpl spawn(String processName) {
        Objects.requireNonNull(processName, "processName");
        requireName(processName, "process");
        requireOpen();
        return core.op("kernel", "spawn(\"" + processName + "\")", -1, () -> {
            ProcessImpl p = new ProcessImpl(this, nextPid++, processName, null);
            processes.add(p);
            return p;
        });
    }

    /** alloc_pid(). */
    int allocPid() {
        return nextPid++;
    }

    /** Lists a process that fork finished creating. */
    void registerProcess(ProcessImpl p) {
        processes.add(p);
    }

    @Override
    public Filesystem mount(FsKind kind) {
        Objects.requireNonNull(kind, "kind");
        requireOpen();
        return mount(kind, kind == FsKind.EXT4 ? new SimpleDisk("sd" + (char) ('a' + nextDisk++)) : null);
    }

    @Override
    public Filesystem mount(FsKind kind, BlockDevice device) {
        Objects.requireNonNull(kind, "kind");
        requireOpen();
        if (kind == FsKind.EXT4 && device == null) {
            throw new IllegalArgumentException("ext4 needs a block device; use mount(FsKind.EXT4) for the default disk");
        }
        if (kind == FsKind.HUGETLBFS) {
            throw new IllegalArgumentException("hugetlbfs is not mountable in the model; make a hugetlbfs file with Process.memfdCreate(name, MemfdFlags.HUGETLB)");
        }
        if (kind != FsKind.EXT4 && device != null) {
            throw new IllegalArgumentException(kind + " is not mounted on a block device in the model; use mount(" + kind + ")");
        }
        long same = filesystems.stream().filter(f -> f.kind() == kind).count();
        FilesystemImpl fs = new FilesystemImpl(this, core, kind, kind.label() + (same == 0 ? "" : "-" + (same + 1)), device);
        filesystems.add(fs);
        core.trace().record("kernel", TraceKind.INFO, -1, -1, "mounted " + fs);
        return fs;
    }

    @Override
    public List<Filesystem> filesystems() {
        return Collections.unmodifiableList(filesystems);
    }

    @Override
    public DriverContext attachDevice(String deviceName) {
        Objects.requireNonNull(deviceName, "deviceName");
        requireName(deviceName, "device");
        requireOpen();
        if (devices.contains(deviceName)) {
            throw new IllegalArgumentException("a device named \"" + deviceName + "\" is already attached to " + this + "; give each device its own name");
        }
        devices.add(deviceName);
        core.trace().record(deviceName, TraceKind.INFO, -1, -1, "device " + deviceName + " attached");
        return new DriverContextImpl(this, deviceName);
    }

    @Override
    public List<String> devices() {
        return Collections.unmodifiableList(devices);
    }

    @Override
    public boolean oomKill(Process victim) {
        Objects.requireNonNull(victim, "victim");
        ProcessImpl p = own(victim);
        p.requireAlive();
        return core.op("kernel", "oom_kill(" + p.name() + ")", -1, p::oomKill);
    }

    @Override
    public int migrateVma(Process process, long address, int nrPages, Object owner) {
        Objects.requireNonNull(process, "process");
        Objects.requireNonNull(owner, "owner");
        ProcessImpl p = own(process);
        p.requireAlive();
        io.pinsim.runtime.internal.mm.MmapLockWait.forRead(p.mm, "migrate_vma(" + p.name() + ", " + Kernel.hex(address) + ")"); // the caller's mmap_read_lock()
        return core.op(String.valueOf(owner), "migrate_vma(" + p.name() + ", " + Kernel.hex(address) + ", " + nrPages + " pages)", address,
                () -> new Migration(core).migrateVma(p.mm, address >>> PAGE_SHIFT, nrPages, owner));
    }

    @Override
    public List<Process> processes() {
        return Collections.unmodifiableList(processes);
    }

    @Override
    public ProcessImpl process(String processName) {
        Objects.requireNonNull(processName, "processName");
        for (int i = processes.size() - 1; i >= 0; i--) {
            if (processes.get(i).name().equals(processName)) {
                return processes.get(i);
            }
        }
        throw new IllegalArgumentException("no process named \"" + processName + "\"; processes: "
                + processes.stream().map(ProcessImpl::name).toList());
    }

    @Override
    public boolean reclaim(Process process, long address) {
        Objects.requireNonNull(process, "process");
        ProcessImpl p = own(process);
        p.requireAlive();
        return core.op("kernel", "reclaim(" + p.name() + ", " + Kernel.hex(address) + ")", address,
                () -> {
                    boolean unmapped = new Reclaim(core).shrinkPageAt(p.mm, address >>> PAGE_SHIFT, false);
                    // shrink_node(): shrink_lruvec(), then shrink_slab() runs the shrinkers, deferred_split_scan() among them
                    core.deferredSplit.scan();
                    return unmapped;
                });
    }

    @Override
    public int deferredSplitScan() {
        return core.op("kernel", "deferred_split_scan()", -1, core.deferredSplit::scan);
    }

    @Override
    public List<io.pinsim.runtime.Frame> deferredSplitQueue() {
        return List.copyOf(core.deferredSplit.queued());
    }

    @Override
    public io.pinsim.runtime.internal.mm.ReclaimStepsImpl reclaimSteps(Process process, long address) {
        Objects.requireNonNull(process, "process");
        ProcessImpl p = own(process);
        p.requireAlive();
        return new io.pinsim.runtime.internal.mm.ReclaimStepsImpl(core, p.mm, address);
    }

    @Override
    public void checkInvariants() {
        core.checkInvariants();
    }

    @Override
    public List<Leak> leaks() {
        return core.leaks();
    }

    @Override
    public void checkNoLeaks() {
        List<Leak> leaks = core.leaks();
        if (!leaks.isEmpty()) {
            StringBuilder sb = new StringBuilder(leaks.size() + " unreferenced object(s):");
            for (Leak l : leaks) {
                sb.append("\n  ").append(l);
            }
            core.log().print(core.trace().step(), KernelLog.Level.BUG, "BUG: memory-leak: " + leaks.size() + " unreferenced object(s)");
            throw new KernelBugException("memory-leak", sb.toString(), core.trace().render());
        }
    }

    @Override
    public void close() {
        closed = true;
        for (ProcessImpl p : List.copyOf(processes)) {
            if (p.isAlive()) {
                p.exit();
            }
        }
        core.checkInvariants();
        checkNoLeaks();
    }

    @Override
    public long userLockedVm() {
        return core.userLockedVm.pages();
    }

    @Override
    public TransparentHugepage transparentHugepage() {
        return core.thp;
    }

    @Override
    public boolean thpUseZeroPage() {
        return core.thpUseZeroPage;
    }

    @Override
    public void setThpUseZeroPage(boolean useZeroPage) {
        requireOpen();
        core.run("kernel", "echo " + (useZeroPage ? 1 : 0) + " > /sys/kernel/mm/transparent_hugepage/use_zero_page", -1, () -> core.thpUseZeroPage = useZeroPage);
    }

    @Override
    public io.pinsim.runtime.HugePages hugePages() {
        return hugePages(HUGE_PAGE_2MB);
    }

    @Override
    public io.pinsim.runtime.HugePages hugePages(long pageSize) {
        io.pinsim.runtime.internal.mm.HugetlbPool h = pool(pageSize);
        return new io.pinsim.runtime.HugePages(h.total(), h.free(), h.reserved());
    }

    private io.pinsim.runtime.internal.mm.HugetlbPool pool(long pageSize) {
        if (pageSize != HUGE_PAGE_2MB && pageSize != HUGE_PAGE_1GB) {
            throw new IllegalArgumentException("hugetlb page size " + pageSize + " is neither 2 MiB (Kernel.HUGE_PAGE_2MB) nor 1 GiB (Kernel.HUGE_PAGE_1GB),"
                    + " the sizes x86-64 has (arch_hugetlb_valid_size)");
        }
        return pageSize == HUGE_PAGE_1GB ? core.hugetlb1g : core.hugetlb;
    }

    @Override
    public void setTransparentHugepage(TransparentHugepage setting) {
        java.util.Objects.requireNonNull(setting, "setting");
        requireOpen();
        core.run("kernel", "echo " + setting.name().toLowerCase(java.util.Locale.ROOT) + " > /sys/kernel/mm/transparent_hugepage/enabled", -1, () -> core.thp = setting);
    }

    @Override
    public long setNrHugepages(long nr) {
        if (nr < 0) {
            throw new IllegalArgumentException("nr_hugepages must be 0 or more, was " + nr);
        }
        requireOpen();
        return core.op("kernel", "echo " + nr + " > /proc/sys/vm/nr_hugepages", -1, () -> core.hugetlb.resize(nr));
    }

    @Override
    public long setNrHugepages(long pageSize, long nr) {
        io.pinsim.runtime.internal.mm.HugetlbPool h = pool(pageSize);
        if (nr < 0) {
            throw new IllegalArgumentException("nr_hugepages must be 0 or more, was " + nr);
        }
        requireOpen();
        return core.op("kernel", "echo " + nr + " > /sys/kernel/mm/hugepages/hugepages-" + (pageSize >> 10) + "kB/nr_hugepages", -1, () -> h.resize(nr));
    }

    @Override
    public List<FrameSnapshot> frameSnapshots() {
        return core.frameSnapshots();
    }

    /** After {@link #close()} the machine is off: nothing new can start on it. */
    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException(this + " was closed; build a new kernel with Kernel.builder()");
        }
    }

    /** A name the trace shows as an actor (a process, a thread, a device): not empty, not blank. */
    static void requireName(String name, String what) {
        if (name.isBlank()) {
            throw new IllegalArgumentException("\"" + name + "\" is blank: name the " + what + ", the trace and the kernel log show it by that name");
        }
    }

    /** A process of this kernel, or IllegalArgumentException naming the mistake. */
    ProcessImpl own(Process p) {
        Objects.requireNonNull(p, "process");
        if (!(p instanceof ProcessImpl impl) || impl.kernel != this) {
            throw new IllegalArgumentException("process \"" + p.name() + "\" belongs to another kernel than " + this);
        }
        return impl;
    }

    @Override
    public String toString() {
        return "Kernel[" + core.name() + ", seed " + core.seed() + ", " + core.usedFrames() + "/" + core.memoryFrames() + " frames used, "
                + processes.size() + " processes]";
    }
}
