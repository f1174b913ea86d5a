package io.pinsim.dsl;

import io.pinsim.devices.IbAccess;
import io.pinsim.devices.MemoryRegion;
import io.pinsim.devices.RdmaNic;
import io.pinsim.devices.VfioDevice;
import io.pinsim.runtime.DirectIo;
import io.pinsim.runtime.Foll;
import io.pinsim.runtime.GupPages;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.OpenFile;
import io.pinsim.runtime.Process;
import java.util.Objects;

/**
 * The steps of devices that hold the buffer: RDMA MRs, VFIO mappings, GUP pins, io_uring fixed
 * buffers, vmsplice() into a pipe and O_DIRECT requests in flight, the DMA they do, and letting go.
 *
 * @param <S> the scenario's own type, so steps keep the state-specific ones in reach
 */
abstract class DeviceSteps<S extends ScenarioSteps<S>> extends FileSteps<S> {
    DeviceSteps(ScenarioState state) {
        super(state);
    }

    /** A long-term writable registration of the buffer: an RDMA MR (ibv_reg_mr) or a VFIO DMA mapping. */
    @CheckReturnValue
    public S pin(DeviceKind device) {
        Objects.requireNonNull(device, "device");
        return register(device, true);
    }

    /** A read-only registration of the buffer (an MR with IB_ACCESS_REMOTE_READ, a VFIO mapping without WRITE). */
    @CheckReturnValue
    public S pinReadOnly(DeviceKind device) {
        Objects.requireNonNull(device, "device");
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
        Objects.requireNonNull(length, "length");
        Buffer b = requireBuffer("startDirectRead(" + length + ")");
        if (length.bytes() > b.length()) {
            throw new IllegalArgumentException("startDirectRead(" + length + ") reads more than the buffer of " + b.length() + " bytes; read at most the buffer");
        }
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
        Objects.requireNonNull(data, "data");
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

    /** The device holding the buffer reads it (through the frames it holds); {@link ScenarioSteps#assertDeviceSees(Data) assertDeviceSees(Data)} checks what it read. */
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
}
