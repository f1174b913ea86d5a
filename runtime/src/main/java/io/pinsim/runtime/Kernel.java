package io.pinsim.runtime;

import io.pinsim.runtime.model.CowReuse;
import io.pinsim.runtime.model.KernelModel;
import io.pinsim.runtime.model.PinAccounting;
import io.pinsim.runtime.trace.FrameSnapshot;
import io.pinsim.runtime.trace.KernelLog;
import io.pinsim.runtime.trace.Trace;
import io.pinsim.runtime.trace.TraceKind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * One simulated machine: physical memory, processes, swap, the kernel model's switches, the trace,
 * the kernel log and the invariant checker. Every kernel is an island: nothing is shared between
 * kernels, so tests may run in parallel. A kernel is single-threaded: call it from one thread at a
 * time.
 *
 * <pre>{@code
 * Kernel k = Kernel.builder().model(KernelModel.LINUX_6_6).seed(42).build();
 * Process a = k.spawn("A");
 * long buf = a.mmap(Kernel.PAGE_SIZE, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
 * }</pre>
 */
public final class Kernel {
    /** PAGE_SIZE on x86-64. */
    public static final int PAGE_SIZE = 4096;
    /** PAGE_SHIFT on x86-64. */
    public static final int PAGE_SHIFT = 12;
    /** TASK_SIZE of x86-64 with 4-level page tables: 128 TiB minus one page. */
    public static final long TASK_SIZE = (1L << 47) - PAGE_SIZE;
    /** Where the model places mappings that do not ask for an address (bottom-up, for readable traces). */
    public static final long MMAP_BASE = 0x7f0000000000L;
    /** vm.mmap_min_addr's usual default: MAP_FIXED below it is EPERM. */
    public static final long MMAP_MIN_ADDR = 65536;
    /** Where the model looks for room when a mapping does not fit above {@link #MMAP_BASE}: 4 GiB. */
    public static final long MMAP_LOW = 0x100000000L;
    /** The default physical memory: 4 GiB of 4 KiB frames. */
    public static final long DEFAULT_FRAMES = 1L << 20;
    /** The default RLIMIT_MEMLOCK: 8 MiB, as systemd sets it since v253 (the kernel default is 8 MiB since 5.16). */
    public static final long DEFAULT_RLIMIT_MEMLOCK = 8L << 20;

    private final KernelModel model;
    private final long seed;
    private final long memoryFrames;
    private final boolean invariantsEnabled;
    private final String name;
    private final Trace trace = new Trace();
    private final KernelLog log;
    private final Rmap rmap = new Rmap();
    final SwapSpace swap = new SwapSpace();
    private final SplittableRandom random;

    private Frame[] frames = new Frame[64];
    private long nextPfn = 1;
    private long[] freePfns = new long[16];
    private int freeCount;
    private long used;
    private final Frame zeroPage;

    private final List<Process> processes = new ArrayList<>();
    private final List<Filesystem> filesystems = new ArrayList<>();
    private final List<TruncateOp> pending = new ArrayList<>();
    private final List<String> devices = new ArrayList<>();
    private int nextPid = 1;
    private int nextPipe = 1;
    private int nextDio = 1;
    private int nextBio = 1;
    private int nextDisk;
    private int staleWarnings;
    private int nextRing = 1;
    /** user->locked_vm of the one user every process runs as, in pages (io_uring's accounting). */
    private long userLockedVm;
    private int depth;
    private List<Frame> touched = new ArrayList<>();
    /** Whether operations collect the frames they touch: for the invariants, or for snapshots. */
    private final boolean trackTouched;
    private final int snapshotsPerStep;
    private final List<FrameSnapshot> snapshots = new ArrayList<>();
    /** Numbers the top-level operations, for Frame.touchedIn; starts at 1 so new frames (0) are untouched. */
    private long opSeq = 1;

    private final boolean biasedPins;
    private final boolean anonExclusiveEra;

    private Kernel(Builder b) {
        this.model = b.model;
        this.seed = b.seed;
        this.memoryFrames = b.frames;
        this.invariantsEnabled = b.invariants;
        this.snapshotsPerStep = b.frameSnapshots;
        this.trackTouched = b.invariants || b.frameSnapshots > 0;
        this.name = b.name != null ? b.name : model.name();
        this.log = new KernelLog(this.name);
        this.random = new SplittableRandom(seed);
        this.biasedPins = model.get(PinAccounting.class) == PinAccounting.PIN_COUNTING_BIAS;
        this.anonExclusiveEra = model.get(CowReuse.class) == CowReuse.ANON_EXCLUSIVE;
        this.zeroPage = new Frame(this, 0, new Content());
        zeroPage.flags = Frame.ZERO_PAGE;
        frames[0] = zeroPage;
    }

    /** A builder with the defaults: {@link KernelModel#LATEST}, seed 0, 4 GiB, invariants on. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link Kernel}. */
    public static final class Builder {
        private KernelModel model = KernelModel.LATEST;
        private long seed;
        private long frames = DEFAULT_FRAMES;
        private boolean invariants = true;
        private int frameSnapshots;
        private String name;

        private Builder() {
        }

        /** The kernel model whose behaviour this kernel follows. */
        public Builder model(KernelModel model) {
            this.model = Objects.requireNonNull(model, "model");
            return this;
        }

        /** The seed that drives every choice the model makes; the same seed gives the same trace. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Physical memory, in 4 KiB frames (not counting the zero page). Allocation past it fails with ENOMEM. */
        public Builder memoryFrames(long frames) {
            if (frames < 1) {
                throw new IllegalArgumentException("memoryFrames must be at least 1, was " + frames);
            }
            this.frames = frames;
            return this;
        }

        /**
         * Records, at the end of every step, a {@link FrameSnapshot} of up to this many of the frames
         * the step changed (who maps them, who holds a reference, what they contain), for timelines
         * that show the holdings before and after each step. 0, the default, records none. The cost
         * grows with the frames a step touches, never with the frames mapped.
         */
        public Builder frameSnapshots(int perStep) {
            if (perStep < 0) {
                throw new IllegalArgumentException("frameSnapshots must be 0 (off) or more, was " + perStep);
            }
            this.frameSnapshots = perStep;
            return this;
        }

        /** Whether the invariants (the model's CONFIG_DEBUG_VM) are checked after every operation; on by default. */
        public Builder invariants(boolean check) {
            this.invariants = check;
            return this;
        }

        /** A name for this kernel in the log; the model's name by default. */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        public Kernel build() {
            return new Kernel(this);
        }
    }

    public KernelModel model() {
        return model;
    }

    public long seed() {
        return seed;
    }

    /** A random source derived from the seed, for the choices a scheduler or device makes. */
    public SplittableRandom random() {
        return random;
    }

    public Trace trace() {
        return trace;
    }

    /** The kernel log (dmesg). */
    public KernelLog log() {
        return log;
    }

    /** The shared zero page (ZERO_PAGE(0)). */
    public Frame zeroPage() {
        return zeroPage;
    }

    /** The frame with this pfn if it is allocated, or null. */
    public Frame frame(long pfn) {
        return pfn >= 0 && pfn < frames.length ? frames[(int) pfn] : null;
    }

    /** Frames in use (not counting the zero page). */
    public long usedFrames() {
        return used;
    }

    /** Frames still free. */
    public long freeFrames() {
        return memoryFrames - used;
    }

    /** Swap slots in use. */
    public long swapSlotsInUse() {
        return swap.slotsInUse();
    }

    /** Starts a new process with an empty address space (as if exec'd), with one thread. */
    public Process spawn(String processName) {
        Objects.requireNonNull(processName, "processName");
        return op("kernel", "spawn(\"" + processName + "\")", -1, () -> {
            Process p = new Process(this, allocPid(), processName, null);
            registerProcess(p);
            return p;
        });
    }

    /**
     * Mounts a new filesystem of this kind, named after it ({@code ext4}, {@code tmpfs},
     * {@code ext4-dax}; a second mount of a kind gets a number: {@code ext4-2}).
     */
    public Filesystem mount(FsKind kind) {
        return mount(kind, kind == FsKind.EXT4 ? newDisk() : null);
    }

    /**
     * Mounts a filesystem of this kind on a block device (ext4 needs one: its direct I/O goes there;
     * tmpfs and DAX take none).
     */
    public Filesystem mount(FsKind kind, BlockDevice device) {
        Objects.requireNonNull(kind, "kind");
        if (kind == FsKind.EXT4 && device == null) {
            throw new IllegalArgumentException("ext4 needs a block device; use mount(FsKind.EXT4) for the default disk");
        }
        if (kind != FsKind.EXT4 && device != null) {
            throw new IllegalArgumentException(kind + " is not mounted on a block device in the model; use mount(" + kind + ")");
        }
        long same = filesystems.stream().filter(f -> f.kind() == kind).count();
        Filesystem fs = new Filesystem(this, kind, kind.label() + (same == 0 ? "" : "-" + (same + 1)), device);
        filesystems.add(fs);
        trace.record("kernel", TraceKind.INFO, -1, -1, "mounted " + fs);
        return fs;
    }

    /** The mounted filesystems, in mount order. */
    public List<Filesystem> filesystems() {
        return Collections.unmodifiableList(filesystems);
    }

    /**
     * Attaches a device to this kernel: its driver gets the kernel's services through the returned
     * {@link io.pinsim.runtime.spi.DriverContext}. Device names are unique per kernel.
     */
    public io.pinsim.runtime.spi.DriverContext attachDevice(String deviceName) {
        Objects.requireNonNull(deviceName, "deviceName");
        if (devices.contains(deviceName)) {
            throw new IllegalArgumentException("a device named \"" + deviceName + "\" is already attached to " + this + "; give each device its own name");
        }
        devices.add(deviceName);
        trace.record(deviceName, TraceKind.INFO, -1, -1, "device " + deviceName + " attached");
        return new DeviceContext(this, deviceName);
    }

    /** The names of the attached devices, in attach order. */
    public List<String> devices() {
        return Collections.unmodifiableList(devices);
    }

    /**
     * The OOM killer picks {@code victim}: SIGKILL, then the OOM reaper unmaps the victim's private
     * memory with non-blockable MMU_NOTIFY_UNMAP invalidations (__oom_reap_task_mm()); a VMA whose
     * notifier refuses is skipped ("oom_reaper: unable to reap"; the kernel retries
     * MAX_OOM_REAP_RETRIES times, which a driver that always refuses refuses as well). Then the
     * victim exits (exit_mmap(), blockable).
     *
     * @return whether the reaper could reap every VMA
     */
    public boolean oomKill(Process victim) {
        victim.requireAlive();
        return op("kernel", "oom_kill(" + victim.name() + ")", -1, () -> victim.oomKill());
    }

    /**
     * migrate_vma_setup() / migrate_vma_pages() / migrate_vma_finalize() over the anonymous pages
     * of [address, address + nrPages pages) of a process, on behalf of {@code owner} (a driver):
     * one MMU_NOTIFY_MIGRATE invalidation carrying the owner, so the migrating driver can skip its
     * own; each page that nothing else references moves to a new frame and every PTE follows it; a
     * page with extra references (a pin, a GUP reference) is not migrated (migrate_vma_check_page()).
     * The model migrates into system memory; device-private memory is not modelled.
     *
     * @return the number of pages migrated (cpages)
     */
    public int migrateVma(Process process, long address, int nrPages, Object owner) {
        Objects.requireNonNull(owner, "owner");
        process.requireAlive();
        return op(String.valueOf(owner), "migrate_vma(" + process.name() + ", " + hex(address) + ", " + nrPages + " pages)", address,
                () -> new Migration(this).migrateVma(process.mm, address >>> PAGE_SHIFT, nrPages, owner));
    }

    /** Every process ever created, in creation order (including those that exited). */
    public List<Process> processes() {
        return Collections.unmodifiableList(processes);
    }

    /** The most recently created process with this name. */
    public Process process(String processName) {
        for (int i = processes.size() - 1; i >= 0; i--) {
            if (processes.get(i).name().equals(processName)) {
                return processes.get(i);
            }
        }
        throw new IllegalArgumentException("no process named \"" + processName + "\"; processes: "
                + processes.stream().map(Process::name).toList());
    }

    /**
     * Kernel-internal: memory pressure makes reclaim pick the page mapped at {@code address} in
     * {@code process} (shrink_page_list() on that one page). What happens follows the model:
     * an anonymous page goes to the swap cache and is unmapped, unless it may be pinned and the
     * model skips pinned pages (feb889fb40fa); it is freed only if nothing else holds it.
     *
     * @return true if the page was unmapped
     */
    public boolean reclaim(Process process, long address) {
        process.requireAlive();
        return op("kernel", "reclaim(" + process.name() + ", " + hex(address) + ")", address,
                () -> new Reclaim(this).shrinkPageAt(process.mm, address >>> PAGE_SHIFT, false));
    }

    /** Checks every invariant over every allocated frame; {@link KernelBugException} if one is broken. */
    public void checkInvariants() {
        List<Frame> all = new ArrayList<>();
        for (Frame f : frames) {
            if (f != null) {
                all.add(f);
            }
        }
        new Invariants(this).check(all, processes);
    }

    @Override
    public String toString() {
        return "Kernel[" + name + ", seed " + seed + ", " + used + "/" + memoryFrames + " frames used, "
                + processes.size() + " processes]";
    }

    // ---------------------------------------------------------------- internals

    int allocPid() {
        return nextPid++;
    }

    void registerProcess(Process p) {
        processes.add(p);
    }

    int nextDioId() {
        return nextDio++;
    }

    int nextBioId() {
        return nextBio++;
    }

    /**
     * dio_warn_stale_pagecache(): records -EIO in the mapping's errseq (the next fsync() of every
     * open file reports it once) and prints the kernel's two lines, at most ten times (the
     * ratelimit allows a burst of 10 per 86400 s; the model has no clock). 5a9d929d6e13.
     */
    void warnStalePagecache(OpenFile file) {
        Inode inode = file.inode();
        inode.wbErr++;
        if (staleWarnings++ < 10) {
            log.print(trace.step(), KernelLog.Level.CRIT, "Page cache invalidation failure on direct I/O.  Possible data corruption due to collision with buffered I/O!");
            log.print(trace.step(), KernelLog.Level.CRIT, "File: /" + inode.filesystem().name() + "/" + inode.name() + " PID: " + file.process().pid()
                    + " Comm: " + (file.process().name().length() > 20 ? file.process().name().substring(0, 20) : file.process().name()));
        }
        trace.record("kernel", TraceKind.INFO, -1, -1, "page cache of " + inode.name() + " could not be invalidated after a direct write: -EIO recorded in mapping->wb_err");
    }

    /**
     * __io_account_mem(): charges pages to user->locked_vm; ENOMEM if the new total exceeds the
     * process's RLIMIT_MEMLOCK (a strict {@code >}). The caller decides whether to charge at all (a
     * ring created with CAP_IPC_LOCK is never charged). The model runs every process as one user.
     */
    void accountUserLockedVm(Process p, long pages, String call) {
        long limit = p.rlimitMemlock() >>> PAGE_SHIFT;
        if (userLockedVm + pages > limit) {
            throw new ErrnoException(Errno.ENOMEM, call, "user->locked_vm " + userLockedVm + " + " + pages + " pages exceeds RLIMIT_MEMLOCK of " + limit
                    + " pages and the ring was created without CAP_IPC_LOCK (__io_account_mem)");
        }
        userLockedVm += pages;
    }

    /** __io_unaccount_mem(): returns pages charged with {@link #accountUserLockedVm}. */
    void unaccountUserLockedVm(long pages) {
        if (pages > userLockedVm) {
            throw new IllegalStateException("unaccounting " + pages + " pages but user->locked_vm is " + userLockedVm);
        }
        userLockedVm -= pages;
    }

    /** user->locked_vm in pages: what io_uring has charged. */
    public long userLockedVm() {
        return userLockedVm;
    }

    int nextRingId() {
        return nextRing++;
    }

    SimpleDisk newDisk() {
        return new SimpleDisk("sd" + (char) ('a' + nextDisk++));
    }

    int nextPipeId() {
        return nextPipe++;
    }

    Rmap rmap() {
        return rmap;
    }

    boolean pinsAreBiased() {
        return biasedPins;
    }

    boolean anonExclusiveEra() {
        return anonExclusiveEra;
    }

    String name() {
        return name;
    }

    /**
     * Runs one top-level operation: opens a trace step, records an ERRNO or SIGNAL event if it
     * fails, and checks the invariants over the frames it touched when the outermost operation ends.
     */
    <T> T op(String actor, String call, long address, Supplier<T> body) {
        int step = trace.begin(actor, call, address);
        depth++;
        boolean ok = false;
        try {
            T r = body.get();
            ok = true;
            return r;
        } catch (ErrnoException e) {
            trace.record(actor, TraceKind.ERRNO, address, -1, e.getMessage());
            throw e;
        } finally {
            depth--;
            trace.end();
            if (depth == 0) {
                retryPending();
                List<Frame> check = touched;
                touched = new ArrayList<>();
                opSeq++;
                if (invariantsEnabled && (ok || !check.isEmpty())) {
                    new Invariants(this).check(check, List.of());
                }
                if (snapshotsPerStep > 0) {
                    snapshot(step, check);
                }
            }
        }
    }

    /** Starts an operation that may wait; it is retried after every step until it is done. */
    TruncateOp startPending(TruncateOp op) {
        if (!op.tryRun(this)) {
            pending.add(op);
        }
        return op;
    }

    /**
     * Retries each waiting operation once, oldest first. One pass is enough: they wait only for
     * direct I/O and for page references, and finishing one releases neither.
     */
    private void retryPending() {
        if (pending.isEmpty()) {
            return;
        }
        depth++;
        try {
            pending.removeIf(op -> op.tryRun(this));
        } finally {
            depth--;
        }
    }

    void run(String actor, String call, long address, Runnable body) {
        op(actor, call, address, () -> {
            body.run();
            return null;
        });
    }

    /**
     * The snapshots recorded at the end of each step (see {@link Builder#frameSnapshots(int)}),
     * oldest first; empty when snapshots are off.
     */
    public List<FrameSnapshot> frameSnapshots() {
        return Collections.unmodifiableList(snapshots);
    }

    /** Records who holds each of the first frames the step touched, in the order it touched them. */
    private void snapshot(int step, List<Frame> frames) {
        for (int i = 0; i < frames.size() && i < snapshotsPerStep; i++) {
            Frame f = frames.get(i);
            List<String> mappedBy = new ArrayList<>();
            rmap.walk(f, (mm, vma, vpn) -> {
                long pte = mm.pt.get(vpn);
                mappedBy.add(mm.owner.name() + " 0x" + Long.toHexString(vpn << PAGE_SHIFT) + (Pte.isWrite(pte) ? " rw" : " ro"));
            });
            snapshots.add(new FrameSnapshot(step, f.pfn(), f.toString(), mappedBy, f.holders(), f.isFree() ? "-" : f.describeContent()));
        }
    }

    /**
     * Notes that an operation wrote the frame's content. Only snapshots show content; the invariants
     * do not depend on it, so with snapshots off a write costs nothing here.
     */
    void wrote(Frame f) {
        if (snapshotsPerStep > 0) {
            touch(f);
        }
    }

    /** Notes that an operation changed this frame, for the invariant check and the snapshot at its end. */
    void touch(Frame f) {
        if (trackTouched && depth > 0 && f.touchedIn != opSeq) {
            f.touchedIn = opSeq;
            touched.add(f);
        }
    }

    /** alloc_page(): a new frame, or null if physical memory is exhausted. */
    Frame allocFrame(Content content) {
        if (used >= memoryFrames) {
            return null;
        }
        long pfn = freeCount > 0 ? freePfns[--freeCount] : nextPfn++;
        if (pfn >= frames.length) {
            frames = Arrays.copyOf(frames, (int) Math.max(frames.length * 2L, pfn + 1));
        }
        Frame f = new Frame(this, pfn, content);
        frames[(int) pfn] = f;
        used++;
        touch(f);
        return f;
    }

    /** Frees the frame if nothing references it any more (put_page() reaching zero). */
    void maybeFree(Frame f) {
        if (f.isFree() || f.isZeroPage()) {
            return;
        }
        if (f.refcount() == 0) {
            freeFrame(f);
        }
    }

    void freeFrame(Frame f) {
        f.flags |= Frame.FREE;
        frames[(int) f.pfn()] = null;
        if (freeCount == freePfns.length) {
            freePfns = Arrays.copyOf(freePfns, freeCount * 2);
        }
        freePfns[freeCount++] = f.pfn();
        used--;
        touch(f);
    }

    Frame frameOfPte(long pte) {
        Frame f = frames[(int) Pte.pfn(pte)];
        if (f == null) {
            throw new KernelBugException("pte-maps-free-frame", "a present PTE maps pfn " + Pte.pfn(pte) + " which is free", trace.render());
        }
        return f;
    }

    void removeProcessFromFamilies(Mm mm) {
        if (mm.anonVma != null) {
            mm.anonVma.mms.remove(mm);
        }
    }

    // ---------------------------------------------------------------- formatting helpers

    /** An address as {@code 0x7f0000001000}. */
    public static String hex(long address) {
        return "0x" + Long.toHexString(address);
    }

    static String describeByte(byte b) {
        return b >= 0x20 && b < 0x7f ? "'" + (char) b + "'" : String.format("0x%02x", b & 0xff);
    }

    static String describeBytes(byte[] b, int off, int len) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = off; i < off + Math.min(len, b.length - off); i++) {
            sb.append(b[i] >= 0x20 && b[i] < 0x7f ? Character.toString((char) b[i]) : String.format("\\x%02x", b[i] & 0xff));
        }
        return sb.append("...\"").toString();
    }

    static void checkRange(int offset, int length) {
        if (offset < 0 || length < 0 || offset + length > PAGE_SIZE) {
            throw new IllegalArgumentException("offset " + offset + " and length " + length + " must lie within one page of " + PAGE_SIZE + " bytes");
        }
    }
}
