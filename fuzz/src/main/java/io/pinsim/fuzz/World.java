package io.pinsim.fuzz;

import io.pinsim.devices.MemoryRegion;
import io.pinsim.devices.ProtectionDomain;
import io.pinsim.devices.RdmaNic;
import io.pinsim.devices.VfioDevice;
import io.pinsim.runtime.Advice;
import io.pinsim.runtime.DirectIo;
import io.pinsim.runtime.Foll;
import io.pinsim.runtime.FsKind;
import io.pinsim.runtime.GupPages;
import io.pinsim.runtime.Inode;
import io.pinsim.runtime.IoUring;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MapFlags;
import io.pinsim.runtime.OpenFile;
import io.pinsim.runtime.OpenFlags;
import io.pinsim.runtime.Pipe;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.Prot;
import io.pinsim.runtime.Steppable;
import io.pinsim.runtime.model.KernelModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The objects a fuzz sequence has created on one kernel, and how each {@link Op} runs against them.
 * Every operation is rendered as the Java statement it executed, so a failing sequence prints as a
 * ready-to-paste regression test. Operations whose handles do not exist, or whose process is dead,
 * are skipped (and not rendered), so that any subsequence is a valid sequence.
 */
final class World {
    static final int PAGE = Kernel.PAGE_SIZE;
    static final Advice[] ADVICE = Advice.values();
    static final int[] PROTS = {Prot.READ | Prot.WRITE, Prot.READ, Prot.NONE, Prot.READ | Prot.WRITE | Prot.EXEC};

    record Proc(Process p, String var) {
    }

    record Range(long addr, long length, int creator) {
    }

    record Pin(GupPages g, String var) {
    }

    record File(OpenFile f, String var, boolean direct) {
    }

    record Bo(io.pinsim.devices.GpuBo bo, String var) {
    }

    record Job(io.pinsim.devices.GpuJob job, String var) {
    }

    record Mr(MemoryRegion mr, String var) {
    }

    record Step(Steppable s, String var, int proc) {
    }

    final Kernel kernel;
    final KernelModel model;
    private final boolean render;
    final List<String> java = new ArrayList<>();
    final List<Proc> procs = new ArrayList<>();
    final List<Range> ranges = new ArrayList<>();
    final List<Pin> pins = new ArrayList<>();
    final List<File> files = new ArrayList<>();
    final List<Inode> inodes = new ArrayList<>();
    final List<String> inodeVars = new ArrayList<>();
    final List<Pipe> pipes = new ArrayList<>();
    final List<IoUring> rings = new ArrayList<>();
    final List<Process> ringOwners = new ArrayList<>();
    final List<DirectIo> dios = new ArrayList<>();
    final List<String> dioVars = new ArrayList<>();
    final List<Mr> mrs = new ArrayList<>();
    final List<Step> steps = new ArrayList<>();
    final List<Long> vfioMaps = new ArrayList<>();
    final List<io.pinsim.devices.UacceQueue> queues = new ArrayList<>();
    final List<String> queueVars = new ArrayList<>();
    final List<io.pinsim.runtime.spi.DmaFence> fences = new ArrayList<>();
    final List<Bo> gpuBos = new ArrayList<>();
    final List<io.pinsim.devices.KfdUserptr> kfdUserptrs = new ArrayList<>();
    final List<String> kfdUserptrVars = new ArrayList<>();
    final List<io.pinsim.devices.KfdQueue> kfdQueues = new ArrayList<>();
    private io.pinsim.devices.AmdKfd kfd;
    final List<Job> gpuJobs = new ArrayList<>();
    private final io.pinsim.devices.Gpu[] gpus = new io.pinsim.devices.Gpu[2];
    private io.pinsim.runtime.spi.DriverContext gpu;
    private io.pinsim.runtime.spi.DmaFenceContext timeline;
    private io.pinsim.runtime.spi.DmaResv resv;
    private final ProtectionDomain[] pds = new ProtectionDomain[64];
    private RdmaNic nic;
    private VfioDevice vfio;
    private io.pinsim.devices.HmmMirror hmm;
    /** Each process's open mirror, by process index (test_hmm's one fd per process). */
    final java.util.Map<Integer, io.pinsim.devices.HmmMirrorFile> mirrors = new java.util.TreeMap<>();
    private io.pinsim.devices.SvaAccelerator sva;
    private int vars;
    int threads;

    World(KernelModel model, boolean render) {
        this.model = model;
        this.render = render;
        // 4096 frames for small pages and THPs, and hugetlb pools of two 2 MiB pages and one 1 GiB page on top
        this.kernel = Kernel.builder().model(model).memoryFrames(4096 + 1024 + 262_144).hugetlbPages(2).hugetlbPages(Kernel.HUGE_PAGE_1GB, 1).build();
        emit("Kernel k = Kernel.builder().model(KernelModel." + model.name() + ").memoryFrames(4096 + 1024 + 262_144).hugetlbPages(2)"
                + ".hugetlbPages(Kernel.HUGE_PAGE_1GB, 1).build();");
        procs.add(new Proc(kernel.spawn("P0"), "p0"));
        emit("Process p0 = k.spawn(\"P0\");");
    }

    String var(String prefix) {
        return prefix + vars++;
    }

    void emit(String line) {
        if (render) {
            java.add(line);
        }
    }

    /** Renders a statement that may be refused: the regression test tolerates what the fuzzer tolerated. */
    void emitTolerant(String stmt) {
        emit("tolerate(() -> " + stmt + ");");
    }

    private Proc proc(int i) {
        return procs.get(Math.floorMod(i, procs.size()));
    }

    /** A live process picked by index, or null if the pick is dead or forking. */
    Proc live(int i) {
        Proc p = proc(i);
        return p.p().isAlive() && !forking(p.p()) ? p : null;
    }

    /** Whether a stepped fork of this process is in progress (it holds mmap_lock for write). */
    boolean forking(Process p) {
        for (Step s : steps) {
            if (!s.s().isDone() && s.s() instanceof io.pinsim.runtime.ForkSteps && procs.get(s.proc()).p() == p) {
                return true;
            }
            // an ODP fault between its steps holds the MR's umem_mutex: an invalidation of the process (munmap, fork, exit)
            // would sleep on it inside its notifier callback, which the plain calls refuse with an IllegalStateException naming the fix
            if (!s.s().isDone() && s.s() instanceof io.pinsim.devices.OdpFaultSteps && !s.s().holds().isEmpty() && s.proc() >= 0 && procs.get(s.proc()).p() == p) {
                return true;
            }
        }
        return false;
    }

    /** A live process picked by index (forking or not: its stepped operations wait for each other), or null if the pick is dead. */
    Proc alive(int i) {
        Proc p = proc(i);
        return p.p().isAlive() ? p : null;
    }

    /**
     * Whether a stepped operation can go on: its process is alive, or it is the kernel's (reclaim,
     * the flusher's writeback: {@code proc} -1), or an MR registration, whose next step after its
     * process exited fails it with EINTR and unpins its chunks.
     */
    boolean canStep(Step s) {
        return s.proc() < 0 || procs.get(s.proc()).p().isAlive() || s.s() instanceof io.pinsim.devices.MrRegistrationSteps;
    }

    /**
     * Whether a stepped ODP fault (adviseSteps) of this MR is in flight: the fuzzer starts no second one (the model's
     * device runs both as one actor, whose second umem_mutex_lock would be a self-deadlock) and does not deregister the
     * MR under it (its next step finds the notifier removed).
     */
    boolean faulting(io.pinsim.devices.MemoryRegion mr) {
        for (Step s : steps) {
            if (!s.s().isDone() && s.s() instanceof io.pinsim.devices.OdpFaultSteps o && o.toString().contains("MR#" + mr.key() + " on ")) {
                return true;
            }
        }
        return false;
    }

    /** The world's handle of a process. */
    Proc procOf(Process p) {
        for (Proc q : procs) {
            if (q.p() == p) {
                return q;
            }
        }
        throw new IllegalArgumentException(p + " is not in the world");
    }

    /** A memory region not deregistered yet, by index among those, or null. */
    Mr liveMr(int pick) {
        List<Mr> live = new ArrayList<>();
        for (Mr m : mrs) {
            if (!m.mr().isDeregistered()) {
                live.add(m);
            }
        }
        return live.isEmpty() ? null : live.get(Math.floorMod(pick, live.size()));
    }

    /** The amdkfd GPU (created on first use). */
    io.pinsim.devices.AmdKfd kfd() {
        if (kfd == null) {
            emit("AmdKfd kfd = new AmdKfd(k, \"amdgpu0\");");
            kfd = new io.pinsim.devices.AmdKfd(kernel, "amdgpu0");
        }
        return kfd;
    }

    boolean hasKfd() {
        return kfd != null;
    }

    Range range(int i) {
        return ranges.isEmpty() ? null : ranges.get(Math.floorMod(i, ranges.size()));
    }

    static String hex(long v) {
        return "0x" + Long.toHexString(v) + "L";
    }

    static String prot(int p) {
        if (p == Prot.NONE) {
            return "Prot.NONE";
        }
        List<String> s = new ArrayList<>();
        if ((p & Prot.READ) != 0) {
            s.add("Prot.READ");
        }
        if ((p & Prot.WRITE) != 0) {
            s.add("Prot.WRITE");
        }
        if ((p & Prot.EXEC) != 0) {
            s.add("Prot.EXEC");
        }
        return String.join(" | ", s);
    }

    static String foll(int f) {
        List<String> s = new ArrayList<>();
        if ((f & Foll.WRITE) != 0) {
            s.add("Foll.WRITE");
        }
        if ((f & Foll.FORCE) != 0) {
            s.add("Foll.FORCE");
        }
        if ((f & Foll.LONGTERM) != 0) {
            s.add("Foll.LONGTERM");
        }
        return s.isEmpty() ? "0" : String.join(" | ", s);
    }

    static byte[] fill(char c, int n) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) c);
        return b;
    }

    static char letter(int i) {
        return (char) ('A' + Math.floorMod(i, 26));
    }

    /** Runs one operation. Returns false if it was skipped (nothing to apply it to). */
    boolean apply(Op op) {
        return new MemoryOps(this).apply(op) || new Files(this).apply(op) || new DeviceOps(this).apply(op) || new GpuOps(this).apply(op)
                || new SvaOps(this).apply(op) || new HmmOps(this).apply(op) || new SteppedOps(this).apply(op) || new MemfdOps(this).apply(op)
                || new KfdOps(this).apply(op) || new ThpOps(this).apply(op);
    }

    int liveCount() {
        int n = 0;
        for (Proc p : procs) {
            if (p.p().isAlive()) {
                n++;
            }
        }
        return n;
    }

    Pin pin(int i) {
        List<Pin> held = new ArrayList<>();
        for (Pin p : pins) {
            if (!p.g().isReleased()) {
                held.add(p);
            }
        }
        return held.isEmpty() ? null : held.get(Math.floorMod(i, held.size()));
    }

    void release(Pin g, boolean dirty) {
        if (g.g().isPin()) {
            emitTolerant(g.var() + ".unpin(" + dirty + ")");
            g.g().unpin(dirty);
        } else {
            emitTolerant(g.var() + ".release()");
            g.g().release();
        }
    }

    File file(int i, Proc p) {
        if (p == null) {
            return null;
        }
        List<File> mine = new ArrayList<>();
        for (File f : files) {
            if (f.f().process() == p.p() && !f.f().isClosed()) {
                mine.add(f);
            }
        }
        return mine.isEmpty() ? null : mine.get(Math.floorMod(i, mine.size()));
    }

    // ------------------------------------------------------------------ helpers for the other op groups

    Proc liveProc(int i) {
        return live(i);
    }

    Range rangeAt(int i) {
        return range(i);
    }

    String newVar(String prefix) {
        return var(prefix);
    }

    void line(String javaLine) {
        emit(javaLine);
    }

    void tolerantLine(String stmt) {
        emitTolerant(stmt);
    }

    ProtectionDomain pd(Proc p) {
        int i = procs.indexOf(p);
        if (pds[i] == null) {
            RdmaNic n = nic();
            emit("ProtectionDomain pd" + i + " = nic.allocPd(" + p.var() + ");");
            pds[i] = n.allocPd(p.p());
        }
        return pds[i];
    }

    RdmaNic nic() {
        if (nic == null) {
            emit("RdmaNic nic = new RdmaNic(k, \"mlx5_0\");");
            nic = new RdmaNic(kernel, "mlx5_0");
        }
        return nic;
    }

    boolean hasNic() {
        return nic != null;
    }

    VfioDevice vfio() {
        if (vfio == null) {
            emit("VfioDevice vfio = new VfioDevice(k, \"vfio0\");");
            vfio = new VfioDevice(kernel, "vfio0");
        }
        return vfio;
    }

    /** A GPU-like driver attached through the SPI, with one fence timeline (created on first use). */
    io.pinsim.runtime.spi.DriverContext gpu() {
        if (gpu == null) {
            emit("DriverContext gpu = DriverContext.attach(k, \"gpu0\");");
            gpu = io.pinsim.runtime.spi.DriverContext.attach(kernel, "gpu0");
            emit("DmaFenceContext ring = gpu.fenceContext(\"gfx\");");
            timeline = gpu.fenceContext("gfx");
        }
        return gpu;
    }

    /** GPU device {@code gpu1} or {@code gpu2} (created on first use; the SPI driver above is gpu0). */
    io.pinsim.devices.Gpu gpu(int i) {
        if (gpus[i] == null) {
            emit("Gpu gpu" + (i + 1) + " = new Gpu(k, \"gpu" + (i + 1) + "\");");
            gpus[i] = new io.pinsim.devices.Gpu(kernel, "gpu" + (i + 1));
        }
        return gpus[i];
    }

    io.pinsim.runtime.spi.DmaFenceContext timeline() {
        gpu();
        return timeline;
    }

    /** The driver's one reservation object (created on first use). */
    io.pinsim.runtime.spi.DmaResv resv() {
        if (resv == null) {
            io.pinsim.runtime.spi.DriverContext g = gpu();
            emit("DmaResv bo = gpu.dmaResv(\"bo0\");");
            resv = g.dmaResv("bo0");
        }
        return resv;
    }

    /** The HMM mirror device with 32 pages of device-private memory (created on first use). */
    io.pinsim.devices.HmmMirror hmm() {
        if (hmm == null) {
            emit("HmmMirror hmm = new HmmMirror(k, \"hmm_dmirror0\", 32);");
            hmm = new io.pinsim.devices.HmmMirror(kernel, "hmm_dmirror0", 32);
        }
        return hmm;
    }

    boolean hasHmm() {
        return hmm != null;
    }

    /** The process's mirror, opened on first use. */
    io.pinsim.devices.HmmMirrorFile mirror(Proc p) {
        int i = procs.indexOf(p);
        io.pinsim.devices.HmmMirrorFile m = mirrors.get(i);
        if (m == null) {
            io.pinsim.devices.HmmMirror h = hmm();
            emit("HmmMirrorFile fd" + i + " = hmm.open(" + p.var() + ");");
            m = h.open(p.p());
            mirrors.put(i, m);
        }
        return m;
    }

    String mirrorVar(Proc p) {
        return "fd" + procs.indexOf(p);
    }

    /** The SVA accelerator (created on first use). */
    io.pinsim.devices.SvaAccelerator sva() {
        if (sva == null) {
            emit("SvaAccelerator sva = new SvaAccelerator(k, \"sva0\");");
            sva = new io.pinsim.devices.SvaAccelerator(kernel, "sva0");
        }
        return sva;
    }

    boolean hasVfio() {
        return vfio != null;
    }

    static String mapFlags(int f) {
        List<String> s = new ArrayList<>();
        s.add((f & MapFlags.SHARED) != 0 ? "MapFlags.SHARED" : "MapFlags.PRIVATE");
        if ((f & MapFlags.ANONYMOUS) != 0) {
            s.add("MapFlags.ANONYMOUS");
        }
        if ((f & MapFlags.FIXED) != 0) {
            s.add("MapFlags.FIXED");
        }
        if ((f & MapFlags.POPULATE) != 0) {
            s.add("MapFlags.POPULATE");
        }
        if ((f & MapFlags.HUGETLB) != 0) {
            s.add("MapFlags.HUGETLB");
        }
        if ((f & MapFlags.HUGE_SIZE_BITS) == MapFlags.HUGE_1GB) {
            s.add("MapFlags.HUGE_1GB");
        }
        return String.join(" | ", s);
    }

    static String openFlags(int f) {
        String s = (f & OpenFlags.ACCMODE) == OpenFlags.RDWR ? "OpenFlags.RDWR" : (f & OpenFlags.ACCMODE) == OpenFlags.WRONLY ? "OpenFlags.WRONLY" : "OpenFlags.RDONLY";
        return (f & OpenFlags.DIRECT) != 0 ? s + " | OpenFlags.DIRECT" : s;
    }

    static String fsKind(FsKind k) {
        return "FsKind." + k.name();
    }
}
