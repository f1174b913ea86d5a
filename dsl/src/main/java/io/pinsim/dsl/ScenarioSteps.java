package io.pinsim.dsl;

import io.pinsim.devices.IbAccess;
import io.pinsim.devices.MemoryRegion;
import io.pinsim.devices.RdmaNic;
import io.pinsim.devices.VfioDevice;
import io.pinsim.runtime.Advice;
import io.pinsim.runtime.DirectIo;
import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Foll;
import io.pinsim.runtime.FsKind;
import io.pinsim.runtime.GupFast;
import io.pinsim.runtime.GupPages;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MapFlags;
import io.pinsim.runtime.OpenFile;
import io.pinsim.runtime.OpenFlags;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.ForkSteps;
import io.pinsim.runtime.Prot;
import io.pinsim.runtime.Signal;
import io.pinsim.runtime.SignalException;
import io.pinsim.runtime.Task;
import java.util.Objects;

/**
 * The steps every scenario has. Each step runs at once on the scenario's kernel and is traced; a
 * step that makes no sense where it is used fails at once with {@link IllegalStateException}
 * naming what is missing. A step the kernel refuses (an errno) or that kills the process (a signal)
 * is recorded: the next step must be {@link #assertFails(Errno)} or {@link #assertFaults(Signal)}.
 *
 * @param <S> the scenario's own type, so steps keep the state-specific ones in reach
 */
public abstract class ScenarioSteps<S extends ScenarioSteps<S>> {
    final ScenarioState state;

    ScenarioSteps(ScenarioState state) {
        this.state = state;
    }

    abstract S self();

    /** The kernel under the scenario. */
    public Kernel kernel() {
        return state.kernel;
    }

    // ------------------------------------------------------------------ plumbing

    /** Runs a step: refuses to go on after an unasserted failure, records an errno or a signal. */
    S step(String name, Runnable body) {
        if (state.failure != null) {
            throw Failures.unexpectedFailure(state, name);
        }
        state.steps++;
        state.lastStep = name;
        try {
            body.run();
        } catch (ErrnoException | SignalException e) {
            state.failure = e;
            state.failedStep = name;
        }
        return self();
    }

    Process requireProcess(String step) {
        if (state.current == null) {
            throw new IllegalStateException(step + " needs a process: start with process(\"A\")");
        }
        return state.current;
    }

    Buffer requireBuffer(String step) {
        requireProcess(step);
        if (state.buffer == null) {
            throw new IllegalStateException(step + " needs a buffer: add malloc(pages(1)), mmapShared(..) or mmapFile(..) first");
        }
        return state.buffer;
    }

    ScenarioState.Registration requireRegistration(String step) {
        if (state.registration == null) {
            throw new IllegalStateException(step + " needs a device holding the buffer: add pin(rdma), pin(vfio), gup(..) or registerBuffer() first");
        }
        return state.registration;
    }

    io.pinsim.runtime.Inode requireFile(String step) {
        if (state.file == null) {
            throw new IllegalStateException(step + " needs a file: add file(\"data\").on(ext4) first");
        }
        return state.file;
    }

    OpenFile openFile(Process p, boolean direct) {
        io.pinsim.runtime.Inode f = requireFile(direct ? "O_DIRECT" : "file I/O");
        var map = direct ? state.directFiles : state.openFiles;
        return map.computeIfAbsent(p, x -> x.open(f, OpenFlags.RDWR | (direct ? OpenFlags.DIRECT : 0)));
    }

    // ------------------------------------------------------------------ processes and memory

    /** Starts (or switches to) the process with this name; the first one is the parent of later forks. */
    @CheckReturnValue
    public S process(String name) {
        Objects.requireNonNull(name, "name");
        return step("process(\"" + name + "\")", () -> {
            Process existing = state.kernel.processes().stream().filter(p -> p.name().equals(name) && p.isAlive()).findFirst().orElse(null);
            state.current = existing != null ? existing : state.kernel.spawn(name);
            if (state.parent == null) {
                state.parent = state.current;
            }
        });
    }

    /** malloc() of a large buffer: a private anonymous mapping, untouched (its pages are faulted in on use). */
    @CheckReturnValue
    public S malloc(Size size) {
        return map("malloc(" + size + ")", size, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
    }

    /** A shared anonymous mapping (mmap(MAP_SHARED|MAP_ANONYMOUS)): shmem, shared with forked children. */
    @CheckReturnValue
    public S mmapShared(Size size) {
        return map("mmapShared(" + size + ")", size, MapFlags.SHARED | MapFlags.ANONYMOUS);
    }

    private S map(String name, Size size, int flags) {
        Process p = requireProcess(name);
        return step(name, () -> {
            long a = p.mmap(size.bytes(), Prot.READ | Prot.WRITE, flags);
            state.buffer = new Buffer(p, a, size.bytes());
        });
    }

    /** mmap(MAP_SHARED) of the scenario's file, from offset 0. */
    @CheckReturnValue
    public S mmapFile(Size size) {
        return mapFile("mmapFile(" + size + ")", size, MapFlags.SHARED);
    }

    /** mmap(MAP_PRIVATE) of the scenario's file: writes copy pages into anonymous memory. */
    @CheckReturnValue
    public S mmapFilePrivate(Size size) {
        return mapFile("mmapFilePrivate(" + size + ")", size, MapFlags.PRIVATE);
    }

    private S mapFile(String name, Size size, int flags) {
        Process p = requireProcess(name);
        requireFile(name);
        return step(name, () -> {
            long a = p.mmap(0, size.bytes(), Prot.READ | Prot.WRITE, flags, openFile(p, false), 0);
            state.buffer = new Buffer(p, a, size.bytes());
        });
    }

    /** The current process writes data into the buffer, as the CPU would. */
    @CheckReturnValue
    public S write(Data data) {
        return writeAs(state.current, "write(" + data + ")", data);
    }

    /** A step in which the process writes data into its view of the buffer, as the CPU would. */
    S writeAs(Process p, String name, Data data) {
        Buffer b = requireBuffer(name);
        return step(name, () -> {
            Data.Placed d = data.place(state, b.length());
            p.write(b.address() + d.offset(), d.bytes());
        });
    }

    /** The current process fills the buffer with one character. */
    @CheckReturnValue
    public S write(char c) {
        return write(Pinsim.fill(c));
    }

    /** The current process reads the whole buffer (touching every page). */
    @CheckReturnValue
    public S read() {
        return readAs(state.current, "read()");
    }

    /** A step in which the process reads its view of the whole buffer (touching every page). */
    S readAs(Process p, String name) {
        Buffer b = requireBuffer(name);
        return step(name, () -> p.read(b.address(), (int) b.length()));
    }

    /** madvise() of the whole buffer by the current process. */
    @CheckReturnValue
    public S madvise(Advice advice) {
        Buffer b = requireBuffer("madvise(" + advice + ")");
        Process p = state.current;
        return step("madvise(" + advice.kernelName() + ")", () -> p.madvise(b.pageStart(), b.pageSpan(), advice));
    }

    /** mprotect() of the whole buffer by the current process ({@link Prot} bits). */
    @CheckReturnValue
    public S mprotect(int prot) {
        Buffer b = requireBuffer("mprotect(..)");
        Process p = state.current;
        return step("mprotect(" + prot + ")", () -> p.mprotect(b.pageStart(), b.pageSpan(), prot));
    }

    /** munmap() of the buffer by the current process. */
    @CheckReturnValue
    public S munmap() {
        Buffer b = requireBuffer("munmap()");
        Process p = state.current;
        return step("munmap()", () -> p.munmap(b.pageStart(), b.pageSpan()));
    }

    /** The current process exits. */
    @CheckReturnValue
    public S exit() {
        Process p = requireProcess("exit()");
        return step("exit()", p::exit);
    }

    /** Memory pressure: the kernel reclaims the first page of the buffer (shrink_page_list()). */
    @CheckReturnValue
    public S reclaim() {
        Buffer b = requireBuffer("reclaim()");
        Process p = state.current;
        return step("reclaim()", () -> state.kernel.reclaim(p, b.address()));
    }

    // ------------------------------------------------------------------ fork

    /** fork() by the current process; the chain then knows the child. */
    @CheckReturnValue
    public ForkedScenario fork() {
        Process p = requireProcess("fork()");
        step("fork()", () -> {
            state.parent = p;
            state.child = p.fork();
        });
        return new ForkedScenario(state);
    }

    /**
     * fork() in one thread while another thread pins the buffer for the device with
     * pin_user_pages_fast(), interleaved as in 57efa1fe5957: the lockless walk pins the page after
     * fork decided to share it and before fork write-protects it.
     */
    @CheckReturnValue
    public ForkedScenario forkRacingPin(DeviceKind device) {
        Buffer b = requireBuffer("forkRacingPin(" + device + ")");
        Process p = state.current;
        step("forkRacingPin(" + device + ")", () -> {
            Task t2 = p.spawnThread("T2");
            ForkSteps fork = p.mainThread().forkSteps(p.name() + "-child");
            GupFast gup = t2.pinUserPagesFastSteps(b.address(), b.pages(), Foll.WRITE | Foll.LONGTERM, device.deviceName());
            gup.step();
            fork.step();
            fork.step();
            fork.step();
            gup.step();
            fork.step();
            gup.step();
            while (!fork.isDone()) {
                if (!gup.isDone() && !gup.isBlocked()) {
                    gup.step();
                }
                fork.step();
            }
            GupPages pins = gup.run();
            state.parent = p;
            state.child = fork.child();
            state.registration = new ScenarioState.Registration(device.deviceName(), pins, null, null, 0, null);
        });
        return new ForkedScenario(state);
    }

    // ------------------------------------------------------------------ devices

    /** A long-term writable registration of the buffer: an RDMA MR (ibv_reg_mr) or a VFIO DMA mapping. */
    @CheckReturnValue
    public S pin(DeviceKind device) {
        return register(device, true);
    }

    /** A read-only registration of the buffer (an MR with IB_ACCESS_REMOTE_READ, a VFIO mapping without WRITE). */
    @CheckReturnValue
    public S pinReadOnly(DeviceKind device) {
        return register(device, false);
    }

    /** A writable MR of the buffer on this NIC. */
    @CheckReturnValue
    public S pin(RdmaNic nic) {
        Objects.requireNonNull(nic, "nic");
        Buffer b = requireBuffer("pin(" + nic.name() + ")");
        return step("pin(" + nic.name() + ")", () -> {
            registerMr(nic, b, IbAccess.LOCAL_WRITE | IbAccess.REMOTE_WRITE | IbAccess.REMOTE_READ);
            state.nics.putIfAbsent(nic.name(), nic);
        });
    }

    /** ibv_reg_mr() of the buffer in a new PD; it becomes the scenario's registration. */
    private void registerMr(RdmaNic nic, Buffer b, int access) {
        MemoryRegion mr = nic.regMr(nic.allocPd(b.process()), b.address(), b.length(), access);
        state.registration = new ScenarioState.Registration(nic.name(), null, mr, null, 0, null);
    }

    private S register(DeviceKind device, boolean write) {
        String name = (write ? "pin(" : "pinReadOnly(") + device.name().toLowerCase(java.util.Locale.ROOT) + ")";
        Buffer b = requireBuffer(name);
        return step(name, () -> {
            if (device == DeviceKind.RDMA) {
                registerMr(state.nic(device.deviceName()), b, write ? IbAccess.LOCAL_WRITE | IbAccess.REMOTE_WRITE | IbAccess.REMOTE_READ : IbAccess.REMOTE_READ);
            } else {
                VfioDevice dev = state.vfio();
                long iova = 0x100000L * (dev.mappings().size() + 1);
                VfioDevice.DmaMapping m = dev.mapDma(b.process(), b.pageStart(), iova, b.pageSpan(), write);
                state.registration = new ScenarioState.Registration(dev.name(), m.pages(), null, dev, iova, null);
            }
        });
    }

    /** pin_user_pages() of the buffer with these FOLL_* flags, for a generic device {@code dev0}. */
    @CheckReturnValue
    public S gup(int follFlags) {
        Buffer b = requireBuffer("gup(" + Foll.describe(follFlags) + ")");
        Process p = state.current;
        return step("gup(" + Foll.describe(follFlags) + ")", () -> {
            GupPages pins = p.pinUserPages(b.address(), b.pages(), follFlags, "dev0");
            state.registration = new ScenarioState.Registration("dev0", pins, null, null, 0, null);
        });
    }

    /** io_uring registration of the buffer as a fixed buffer by the current process. */
    @CheckReturnValue
    public S registerBuffer() {
        Buffer b = requireBuffer("registerBuffer()");
        Process p = state.current;
        return step("registerBuffer()", () -> {
            var ring = p.ioUringSetup();
            ring.registerBuffer(b.address(), (int) b.length());
            state.registration = new ScenarioState.Registration(ring.name(), null, null, null, 0, ring);
        });
    }

    /** vmsplice() of the buffer into the scenario's pipe by the current process. */
    @CheckReturnValue
    public S vmsplice() {
        Buffer b = requireBuffer("vmsplice()");
        Process p = state.current;
        return step("vmsplice()", () -> {
            if (state.pipe == null) {
                state.pipe = p.pipe();
            }
            p.vmsplice(state.pipe, b.address(), (int) b.length());
        });
    }

    /** The current process reads everything buffered in the pipe. */
    @CheckReturnValue
    public S pipeRead() {
        Process p = requireProcess("pipeRead()");
        if (state.pipe == null) {
            throw new IllegalStateException("pipeRead() needs a pipe: add vmsplice() first");
        }
        return step("pipeRead()", () -> state.lastPipeRead = state.pipe.read(p, (int) state.pipe.available()));
    }

    /** An AIO O_DIRECT read of the scenario's file into the whole buffer, left in flight. */
    @CheckReturnValue
    public S startDirectRead() {
        return startDirectRead(new Size(requireBuffer("startDirectRead()").length()));
    }

    /** An AIO O_DIRECT read of {@code length} bytes of the file into the start of the buffer, left in flight. */
    @CheckReturnValue
    public S startDirectRead(Size length) {
        return startDirect("startDirectRead(" + length + ")", length, false);
    }

    /** An AIO O_DIRECT write of the whole buffer to the start of the file, left in flight. */
    @CheckReturnValue
    public S startDirectWrite() {
        return startDirect("startDirectWrite()", new Size(requireBuffer("startDirectWrite()").length()), true);
    }

    private S startDirect(String name, Size length, boolean write) {
        Buffer b = requireBuffer(name);
        requireFile(name);
        Process p = state.current;
        if (state.inflight != null && !state.inflight.isDone()) {
            throw new IllegalStateException(name + ": " + state.inflight + " is still in flight; add dmaCompletes() first");
        }
        return step(name, () -> {
            OpenFile f = openFile(p, true);
            state.inflight = write ? f.startDirectWrite(b.address(), (int) length.bytes(), 0) : f.startDirectRead(b.address(), (int) length.bytes(), 0);
        });
    }

    /**
     * The DMA completes: an O_DIRECT request in flight completes (the device reads or writes the
     * pages it holds); otherwise the device holding the buffer writes {@code 'D'} over it. Either
     * way {@link Pinsim#dmaData()} then names what the device wrote.
     */
    @CheckReturnValue
    public S dmaCompletes() {
        if (state.inflight != null && !state.inflight.isDone()) {
            DirectIo dio = state.inflight;
            return step("dmaCompletes()", () -> {
                long offset = dio.userAddress() - (state.buffer != null ? state.buffer.address() : dio.userAddress());
                dio.complete();
                if (!dio.isWrite()) {
                    byte[] expected = state.file.readDisk(dio.offset(), dio.transferLength());
                    state.lastDma = new ScenarioState.Dma(offset, expected, "the data " + dio.name() + " read from " + state.file.name()
                            + " at step " + state.kernel.trace().step());
                }
            });
        }
        if (state.registration == null) {
            throw new IllegalStateException("dmaCompletes() needs DMA in flight: add startDirectRead(..), startDirectWrite() or pin(rdma) first");
        }
        byte[] d = new byte[(int) requireBuffer("dmaCompletes()").length()];
        java.util.Arrays.fill(d, (byte) 'D');
        return deviceWrites(d, "dmaCompletes()");
    }

    /** The device holding the buffer writes data into it (through the frames it holds). */
    @CheckReturnValue
    public S deviceWrites(Data data) {
        Buffer b = requireBuffer("deviceWrites(" + data + ")");
        Data.Placed d = data.place(state, b.length());
        return deviceWrites(d.offset(), d.bytes(), "deviceWrites(" + data + ")");
    }

    private S deviceWrites(byte[] data, String name) {
        return deviceWrites(0, data, name);
    }

    private S deviceWrites(long offset, byte[] data, String name) {
        ScenarioState.Registration r = requireRegistration(name);
        Buffer b = state.buffer;
        return step(name, () -> {
            if (r.mr() != null) {
                RdmaNic nic = state.nics.get(r.device());
                nic.postWrite(r.mr(), offset, data);
                nic.processAll();
            } else if (r.vfio() != null) {
                r.vfio().dmaWrite(r.iova() + (b.address() & (Kernel.PAGE_SIZE - 1L)) + offset, data);
            } else {
                GupPages pages = r.pages();
                pages.write(b.address() - pages.start() + offset, data);
            }
            state.lastDma = new ScenarioState.Dma(offset, data.clone(), "the data " + r.device() + " wrote at step " + state.kernel.trace().step());
        });
    }

    /** The device holding the buffer reads it (through the frames it holds); {@link #assertDeviceSees(Data)} checks what it read. */
    @CheckReturnValue
    public S deviceReads() {
        ScenarioState.Registration r = requireRegistration("deviceReads()");
        Buffer b = state.buffer;
        return step("deviceReads()", () -> state.lastDeviceRead = deviceView(r, b));
    }

    byte[] deviceView(ScenarioState.Registration r, Buffer b) {
        if (r.mr() != null) {
            RdmaNic nic = state.nics.get(r.device());
            var wr = nic.postRead(r.mr(), 0, (int) b.length());
            nic.processAll();
            return wr.readData();
        }
        if (r.vfio() != null) {
            return r.vfio().dmaRead(r.iova() + (b.address() & (Kernel.PAGE_SIZE - 1L)), (int) b.length());
        }
        GupPages pages = r.pages();
        return pages.read(b.address() - pages.start(), (int) b.length());
    }

    /** The device lets go of the buffer: deregistration, unmap or unpin (dirtying what it could write). */
    @CheckReturnValue
    public S unpin() {
        ScenarioState.Registration r = requireRegistration("unpin()");
        return step("unpin()", () -> {
            if (r.mr() != null) {
                state.nics.get(r.device()).deregMr(r.mr());
            } else if (r.vfio() != null) {
                r.vfio().unmapDma(r.iova(), (long) r.pages().count() * Kernel.PAGE_SIZE);
            } else if (r.ring() != null) {
                r.ring().unregisterBuffers();
            } else {
                r.pins().unpin(true);
            }
            state.registration = null;
        });
    }

    // ------------------------------------------------------------------ files

    /** Declares the scenario's file: complete with {@code .on(ext4)}; its content is {@code 'F'} x {@code size}. */
    @CheckReturnValue
    public FileDecl<S> file(String name) {
        return file(name, Pinsim.pages(1));
    }

    /** Declares the scenario's file with a size. */
    @CheckReturnValue
    public FileDecl<S> file(String name, Size size) {
        Objects.requireNonNull(name, "name");
        return new FileDecl<>(this, name, size);
    }

    S createFile(String name, Size size, FsKind kind) {
        return step("file(\"" + name + "\").on(" + kind + ")", () -> {
            byte[] content = new byte[(int) size.bytes()];
            java.util.Arrays.fill(content, (byte) 'F');
            state.file = state.kernel.mount(kind).create(name, content);
        });
    }

    /** ftruncate(file, 0) by the current process. */
    @CheckReturnValue
    public S truncate() {
        return truncate(0);
    }

    /** ftruncate(file, size) by the current process. */
    @CheckReturnValue
    public S truncate(long size) {
        Process p = requireProcess("truncate()");
        requireFile("truncate()");
        return step("truncate(" + size + ")", () -> openFile(p, false).ftruncate(size));
    }

    /** fallocate(PUNCH_HOLE) over the whole file by the current process. */
    @CheckReturnValue
    public S punchHole() {
        Process p = requireProcess("punchHole()");
        io.pinsim.runtime.Inode f = requireFile("punchHole()");
        return step("punchHole()", () -> openFile(p, false).punchHole(0, Math.max(1, f.size())));
    }

    /** The flusher writes the file's dirty pages back. */
    @CheckReturnValue
    public S writeback() {
        Process p = requireProcess("writeback()");
        requireFile("writeback()");
        return step("writeback()", () -> openFile(p, false).writeback());
    }

    /** fsync() of the file by the current process. */
    @CheckReturnValue
    public S fsync() {
        Process p = requireProcess("fsync()");
        requireFile("fsync()");
        return step("fsync()", () -> openFile(p, false).fsync());
    }

    // ------------------------------------------------------------------ assertions

    /** The parent (the process that forked, or the first process) must see the data in the buffer. */
    public S assertParentSees(Data expected) {
        Process p = state.parent != null ? state.parent : requireProcess("assertParentSees(..)");
        return assertSees(p, expected, "assertParentSees");
    }

    /** The current process must see the data in the buffer. */
    public S assertSees(Data expected) {
        return assertSees(requireProcess("assertSees(..)"), expected, "assertSees");
    }

    S assertSees(Process p, Data expected, String name) {
        Buffer b = requireBuffer(name + "(" + expected + ")");
        checkNoFailure(name);
        state.asserted = true;
        Failures.check(() -> PinsimAssertions.assertThatBuffer(b.in(p)).inScenario(state).sees(expected));
        return self();
    }

    /** The device holding the buffer must see the data: it reads through the frames it holds now. */
    public S assertDeviceSees(Data expected) {
        ScenarioState.Registration r = requireRegistration("assertDeviceSees(..)");
        Buffer b = state.buffer;
        checkNoFailure("assertDeviceSees");
        state.asserted = true;
        byte[] seen = state.lastDeviceRead != null ? state.lastDeviceRead : deviceView(r, b);
        Data.Placed d = expected.place(state, b.length());
        Failures.check(() -> Failures.compare("device " + r.device() + " holding " + b, d, Failures.slice(seen, d), Explain.why(state, b)));
        return self();
    }

    /** The file must contain the data, as another reader would read it now. */
    public S assertFileContains(Data expected) {
        io.pinsim.runtime.Inode f = requireFile("assertFileContains(..)");
        checkNoFailure("assertFileContains");
        state.asserted = true;
        Data.Placed d = expected.place(state, Math.max(1, f.size()));
        byte[] seen = f.read(d.offset(), d.bytes().length);
        Failures.check(() -> Failures.compare("file " + f.filesystem().name() + ":" + f.name() + " (" + f.size() + " bytes)", d, seen,
                "the file has " + f.size() + " bytes and " + f.cachedPages() + " cached page(s)"));
        return self();
    }

    /** What the last pipeRead() returned must be the data. */
    public S assertPipeSees(Data expected) {
        if (state.lastPipeRead == null) {
            throw new IllegalStateException("assertPipeSees(..) needs a read of the pipe: add pipeRead() first");
        }
        checkNoFailure("assertPipeSees");
        state.asserted = true;
        Data.Placed d = expected.place(state, state.lastPipeRead.length);
        Failures.check(() -> Failures.compare(state.pipe.name() + " read by \"" + state.current.name() + "\"", d, Failures.slice(state.lastPipeRead, d),
                "the pipe copies from the frames its buffers hold at read time"));
        return self();
    }

    /** The last step must have delivered this signal to the process that ran it. */
    public S assertFaults(Signal signal) {
        Objects.requireNonNull(signal, "signal");
        state.asserted = true;
        Failures.check(() -> Failures.expectSignal(state, signal));
        state.failure = null;
        return self();
    }

    /** The last step must have failed with this errno. */
    public S assertFails(Errno errno) {
        Objects.requireNonNull(errno, "errno");
        state.asserted = true;
        Failures.check(() -> Failures.expectErrno(state, errno));
        state.failure = null;
        return self();
    }

    /** The kernel log must contain the text. */
    public S assertKernelLog(String text) {
        Objects.requireNonNull(text, "text");
        state.asserted = true;
        Failures.check(() -> PinsimAssertions.assertThatKernelLog(state.kernel.log()).contains(text));
        return self();
    }

    /** Leaves the chain for the handle layer: the kernel, processes, buffer and devices as plain objects. */
    public Handles then() {
        state.asserted = true;
        return new Handles(state);
    }

    /** Whether the scenario reached an assertion (the JUnit extension fails a scenario that did not). */
    public boolean isAsserted() {
        return state.asserted;
    }

    /** The number of steps run so far. */
    public int steps() {
        return state.steps;
    }

    void checkNoFailure(String assertion) {
        if (state.failure != null) {
            throw Failures.unexpectedFailure(state, assertion + "(..)");
        }
    }
}
