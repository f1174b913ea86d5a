package io.pinsim.devices;

import io.pinsim.runtime.BadInputTable;

import static io.pinsim.runtime.BadInputTable.args;
import static io.pinsim.runtime.BadInputTable.errno;
import static io.pinsim.runtime.BadInputTable.fault;
import static io.pinsim.runtime.BadInputTable.iae;
import static io.pinsim.runtime.BadInputTable.ioobe;
import static io.pinsim.runtime.BadInputTable.ise;
import static io.pinsim.runtime.BadInputTable.ok;
import static io.pinsim.devices.DeviceBadInputFixture.IOVA;
import static io.pinsim.devices.DeviceBadInputFixture.PAGE;
import static io.pinsim.devices.DeviceBadInputFixture.RW_ACCESS;
import static io.pinsim.runtime.Errno.EADDRINUSE;
import static io.pinsim.runtime.Errno.EEXIST;
import static io.pinsim.runtime.Errno.EFAULT;
import static io.pinsim.runtime.Errno.EINVAL;
import static io.pinsim.runtime.Errno.ENOMEM;
import static io.pinsim.runtime.Errno.EOPNOTSUPP;
import static io.pinsim.runtime.Errno.EPERM;
import static org.assertj.core.api.Assertions.assertThat;

import io.pinsim.runtime.Kernel;
import java.util.List;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every public method and constructor of the device models fed bad input (project issue 11), as
 * the runtime's {@code BadInputTableTest} does for the API: the errno the driver or the kernel
 * returns (ib_check_mr_access(), ib_umem_get(), vfio_dma_do_map()...), or a Java exception at the
 * entry naming the fix, and nothing changed - no pin, no charge, no registration, no work request.
 */
class DeviceBadInputTableTest {
    static final String DEAD = "is not alive";
    static final String OTHER_KERNEL = "create a device per kernel";

    static BadInputTable<DeviceBadInputFixture> table() {
        BadInputTable<DeviceBadInputFixture> t = new BadInputTable<>(DeviceBadInputFixture::new, DeviceBadInputFixture::state, DeviceBadInputFixture::traces);
        rdma(t);
        memoryRegions(t);
        vfio(t);
        hmm(t);
        nvme(t);
        gpu(t);
        uacce(t);
        kfd(t);
        return t;
    }

    @TestFactory
    List<DynamicTest> badInput() {
        return table().tests();
    }

    @Test
    void everyPublicMethodHasARow() {
        BadInputTable<DeviceBadInputFixture> t = table();
        assertThat(t.missingRows()).as("public methods with no row: give each bad input a row, or list a getter as taking no input").isEmpty();
        assertThat(t.staleNoInput()).as("\"no input\" entries that name no public method").isEmpty();
    }

    static void rdma(BadInputTable<DeviceBadInputFixture> t) {
        t.type(RdmaNic.class).type(ProtectionDomain.class).type(CompletionQueue.class).type(WorkRequest.class).type(Completion.class);
        t.noInput(RdmaNic.class, "name()", "kernel()", "cq()", "posted()", "processAll()", "asyncEvents()");
        t.type(AsyncEvent.class);
        t.noInput(AsyncEvent.class, "type()", "mr()", "offset()", "detail()", "<init>(Type,MemoryRegion,long,String)");
        t.noInput(ProtectionDomain.class, "nic()", "process()");
        t.noInput(CompletionQueue.class, "poll()", "size()", "<init>()");
        t.noInput(WorkRequest.class, "id()", "isDone()");
        t.noInput(Completion.class, "wrId()", "status()", "byteLen()", "detail()", "<init>(long,WcStatus,int,String)");
        for (String ctor : List.of("<init>(Kernel,String)", "<init>(Kernel,String,boolean)")) {
            t.method(RdmaNic.class, ctor, f -> ctor.endsWith("boolean)") ? args(f.k, "mlx5_9", false) : args(f.k, "mlx5_9"))
                    .bad("a name taken on the kernel", iae("already attached"), 1, "mlx5_0")
                    .bad("a blank name", iae("name the device"), 1, " ");
        }
        t.method(NaiveOdpNic.class, "<init>(Kernel,String)", f -> args(f.k, "mlx5_9"))
                .bad("a name taken on the kernel", iae("already attached"), 1, "mlx5_0");
        t.method(RdmaNic.class, "allocPd(Process)", f -> f.nic, f -> args(f.a))
                .bad("a process of another kernel", iae(OTHER_KERNEL), 0, f -> f.b)
                .bad("an exited process", ise(DEAD), 0, f -> f.dead);
        t.method(RdmaNic.class, "ibvForkInit(Process)", f -> f.nic, f -> args(f.c))
                .bad("a process of another kernel", iae(OTHER_KERNEL), 0, f -> f.b)
                .bad("an exited process", ise(DEAD), 0, f -> f.dead)
                .bad("a process that registered memory first", errno(EINVAL, "too_late"), 0, f -> f.a);
        t.method(RdmaNic.class, "forkStatus(Process)", f -> f.nic, f -> args(f.a))
                .bad("a process of another kernel", iae(OTHER_KERNEL), 0, f -> f.b)
                .bad("an exited process", ok("the fork state it had"), 0, f -> f.dead);
        t.method(RdmaNic.class, "regMr(ProtectionDomain,long,long,int)", f -> f.nic, f -> args(f.pd, f.buf, (long) PAGE, RW_ACCESS))
                .bad("a PD of another NIC", iae("belongs to mlx5_1"), 0, f -> f.pd2)
                .bad("a PD of an exited process", ise(DEAD), 0, f -> f.deadPd)
                .bad("length 0", errno(EINVAL, "length must be positive"), 2, 0L)
                .bad("length -1", errno(EINVAL, "length must be positive"), 2, -1L)
                .bad("unknown access bits", errno(EINVAL, "unknown access flags"), 3, 1 << 20)
                .bad("REMOTE_WRITE without LOCAL_WRITE", errno(EINVAL, "ib_check_mr_access"), 3, IbAccess.REMOTE_WRITE)
                .bad("REMOTE_ATOMIC without LOCAL_WRITE", errno(EINVAL, "ib_check_mr_access"), 3, IbAccess.REMOTE_ATOMIC)
                .bad("address -4096: the end wraps to 0", errno(EINVAL, "overflows"), 1, (long) -PAGE)
                .bad("address + length past TASK_SIZE", errno(EINVAL, "overflows"), f -> args(f.pd, Kernel.TASK_SIZE - PAGE, 2L * PAGE, RW_ACCESS))
                .bad("2^45 bytes: 2^33 pages", errno(ENOMEM, "RLIMIT_MEMLOCK"), f -> args(f.pd, 0x10000L, 1L << 45, RW_ACCESS))
                .on("2^45 bytes with CAP_IPC_LOCK: more pages than one pin call takes", errno(ENOMEM, "2^31 - 1 pages"), f -> {
                    f.a.setCapIpcLock(true);
                    return f.nic;
                }, f -> args(f.pd, 0x10000L, 1L << 45, RW_ACCESS))
                .nested("an unmapped address", errno(EFAULT, "no VMA"), f -> args(f.pd, 0x10000L, (long) PAGE, RW_ACCESS))
                .bad("ON_DEMAND of an unmapped range", ok("an ODP MR pins nothing: the device faults later"), f -> args(f.pd, 0x10000L, (long) PAGE,
                        IbAccess.LOCAL_WRITE | IbAccess.ON_DEMAND));
        t.method(RdmaNic.class, "regMrSteps(ProtectionDomain,long,long,int)", f -> f.nic, f -> args(f.pd, f.buf, (long) PAGE, RW_ACCESS))
                .bad("a PD of another NIC", iae("belongs to mlx5_1"), 0, f -> f.pd2)
                .bad("a PD of an exited process", ise(DEAD), 0, f -> f.deadPd)
                .bad("length 0", errno(EINVAL, "length must be positive"), 2, 0L)
                .bad("unknown access bits", errno(EINVAL, "unknown access flags"), 3, 1 << 20)
                .bad("REMOTE_WRITE without LOCAL_WRITE", errno(EINVAL, "ib_check_mr_access"), 3, IbAccess.REMOTE_WRITE)
                .bad("address + length past TASK_SIZE", errno(EINVAL, "overflows"), f -> args(f.pd, Kernel.TASK_SIZE - PAGE, 2L * PAGE, RW_ACCESS))
                .bad("2^45 bytes: 2^33 pages", errno(ENOMEM, "RLIMIT_MEMLOCK"), f -> args(f.pd, 0x10000L, 1L << 45, RW_ACCESS))
                .bad("an ODP MR", iae("pins nothing"), 3, IbAccess.LOCAL_WRITE | IbAccess.ON_DEMAND)
                .bad("an unmapped address", ok("found when its chunk is pinned: the steps end and result() throws EFAULT"), f -> args(f.pd, 0x10000L, (long) PAGE, RW_ACCESS));
        t.type(MrRegistrationSteps.class);
        t.noInput(MrRegistrationSteps.class, "actor()", "isDone()", "isBlocked()", "nextStep()", "nextFootprint()", "waitsFor()", "holds()", "failure()", "chunksPinned()");
        t.method(MrRegistrationSteps.class, "step()", f -> f.nic.regMrSteps(f.pd, f.buf, PAGE, RW_ACCESS), f -> args())
                .on("a registration that is done", ise("is done"), f -> {
                    MrRegistrationSteps done = f.nic.regMrSteps(f.pd, f.buf, PAGE, RW_ACCESS);
                    while (!done.isDone()) {
                        done.step();
                    }
                    return done;
                });
        t.method(MrRegistrationSteps.class, "result()", f -> {
                    MrRegistrationSteps done = f.nic.regMrSteps(f.pd, f.buf, PAGE, RW_ACCESS);
                    while (!done.isDone()) {
                        done.step();
                    }
                    return done;
                }, f -> args())
                .on("a registration that has not run", ise("is not done"), f -> f.nic.regMrSteps(f.pd, f.buf, PAGE, RW_ACCESS))
                .on("a registration that failed", errno(EFAULT, "no VMA"), f -> {
                    MrRegistrationSteps failed = f.nic.regMrSteps(f.pd, 0x10000L, PAGE, RW_ACCESS);
                    while (!failed.isDone()) {
                        failed.step();
                    }
                    return failed;
                });
        t.method(RdmaNic.class, "deregMr(MemoryRegion)", f -> f.nic, f -> args(f.mr))
                .bad("an MR of another NIC", iae("belongs to mlx5_1"), 0, f -> f.mr2)
                .bad("a deregistered MR", ise("already deregistered"), 0, f -> f.deadMr);
        t.method(RdmaNic.class, "postWrite(MemoryRegion,long,byte[])", f -> f.nic, f -> args(f.mr, 0L, new byte[16]))
                .bad("an MR of another NIC", iae("belongs to mlx5_1"), 0, f -> f.mr2)
                .bad("a deregistered MR", ise("is deregistered"), 0, f -> f.deadMr)
                .bad("offset -1", ok("posted; it completes with IB_WC_LOC_PROT_ERR, as the NIC reports it"), 1, -1L)
                .bad("offset Long.MAX_VALUE", ok("posted; it completes with IB_WC_LOC_PROT_ERR"), 1, Long.MAX_VALUE);
        t.method(RdmaNic.class, "postRead(MemoryRegion,long,int)", f -> f.nic, f -> args(f.mr, 0L, 16))
                .bad("an MR of another NIC", iae("belongs to mlx5_1"), 0, f -> f.mr2)
                .bad("a deregistered MR", ise("is deregistered"), 0, f -> f.deadMr)
                .bad("length -1", iae("must not be negative"), 2, -1)
                .bad("a range past the MR", ok("posted; it completes with IB_WC_LOC_PROT_ERR"), 1, (long) PAGE);
        t.method(RdmaNic.class, "process(WorkRequest)", f -> f.nic, f -> args(f.postedWr))
                .bad("a WR of another NIC", ise("is not posted on mlx5_0"), 0, f -> f.wr2)
                .bad("a WR already processed", ise("is not posted"), 0, f -> f.doneWr())
                .bad("a WR whose offset + length overflows", ok("it completes with IB_WC_LOC_PROT_ERR"), 0, f -> f.nic.postRead(f.mr, Long.MAX_VALUE, 16));
        t.method(RdmaNic.class, "advise(MemoryRegion,long,int,boolean)", f -> f.nic, f -> args(f.odpMr, 0L, PAGE, true))
                .bad("an MR of another NIC", iae("belongs to mlx5_1"), 0, f -> f.mr2)
                .bad("a deregistered MR", ise("is deregistered"), 0, f -> f.deadMr)
                .bad("a pinned MR", errno(EOPNOTSUPP, "not an ODP MR"), 0, f -> f.mr)
                .bad("length 0", errno(EINVAL, "must be positive"), 2, 0)
                .bad("length -1", errno(EINVAL, "must be positive"), 2, -1)
                .bad("offset -1", errno(EFAULT, "pagefault_mr"), 1, -1L)
                .bad("a range past the MR", errno(EFAULT, "pagefault_mr"), 1, (long) PAGE + 1)
                .bad("offset Long.MAX_VALUE", errno(EFAULT, "pagefault_mr"), 1, Long.MAX_VALUE);
        t.method(RdmaNic.class, "adviseSteps(MemoryRegion,long,int,boolean)", f -> f.nic, f -> args(f.odpMr, 0L, PAGE, true))
                .bad("an MR of another NIC", iae("belongs to mlx5_1"), 0, f -> f.mr2)
                .bad("a deregistered MR", ise("is deregistered"), 0, f -> f.deadMr)
                .bad("a pinned MR", errno(EOPNOTSUPP, "not an ODP MR"), 0, f -> f.mr)
                .bad("length 0", errno(EINVAL, "must be positive"), 2, 0)
                .bad("offset -1", errno(EFAULT, "pagefault_mr"), 1, -1L)
                .bad("a range past the MR", errno(EFAULT, "pagefault_mr"), 1, (long) PAGE + 1);
        t.type(OdpFaultSteps.class);
        t.noInput(OdpFaultSteps.class, "actor()", "isDone()", "isBlocked()", "nextStep()", "nextFootprint()", "holds()", "waitsFor()", "failure()");
        t.method(OdpFaultSteps.class, "step()", f -> f.nic.adviseSteps(f.odpMr, 0L, PAGE, false), f -> args())
                .on("faults that are done", ise("are done"), f -> {
                    OdpFaultSteps done = f.nic.adviseSteps(f.odpMr, 0L, PAGE, false);
                    while (!done.isDone()) {
                        done.step();
                    }
                    return done;
                });
        t.method(WorkRequest.class, "completion()", f -> f.doneWr(), f -> args())
                .on("a WR still posted", ise("still posted"), f -> f.postedWr);
        t.method(WorkRequest.class, "readData()", f -> f.doneWr(), f -> args())
                .on("a WR still posted", ise("still posted"), f -> f.postedWr);
    }

    static void memoryRegions(BadInputTable<DeviceBadInputFixture> t) {
        t.type(MemoryRegion.class);
        t.noInput(MemoryRegion.class, "key()", "address()", "length()", "process()", "isOnDemand()", "isWritable()", "isDeregistered()", "pins()",
                "deviceTable()", "isRedirected()");
        for (String m : List.of("deviceFrame(long)", "isCoherent(long)")) {
            t.method(MemoryRegion.class, m, f -> f.mr, f -> args(0L))
                    .bad("offset -1", ioobe("valid offsets are 0 to 4095"), 0, -1L)
                    .bad("offset = length", ioobe("valid offsets are 0 to 4095"), 0, (long) PAGE)
                    .bad("offset Long.MAX_VALUE", ioobe("valid offsets are 0 to 4095"), 0, Long.MAX_VALUE)
                    .on("an ODP MR the device has not faulted", ok("no device entry: " + (m.startsWith("device") ? "null" : "false")), f -> f.odpMr)
                    .on("a deregistered MR", ise("deregistered MR"), f -> f.deadMr);
        }
    }

    static HmmMirrorFile mirror(DeviceBadInputFixture f) {
        return new HmmMirror(f.k, "hmm_dmirror0", 2).open(f.a);
    }

    static void hmm(BadInputTable<DeviceBadInputFixture> t) {
        t.type(HmmMirror.class).type(HmmMirrorFile.class).type(HmmMirrorCmd.class);
        t.noInput(HmmMirror.class, "name()", "kernel()", "memory()", "release()", "failNextAllocation()");
        t.noInput(HmmMirrorFile.class, "process()", "pageTable()", "isClosed()", "close()");
        t.noInput(HmmMirrorCmd.class, "data()", "cpages()", "faults()");
        t.method(HmmMirrorCmd.class, "<init>(byte[],long,long)", f -> args(new byte[1], 1L, 0L))
                .bad("-1 pages", ok("a record of what the ioctl returned"), 1, -1L);
        t.method(HmmMirror.class, "<init>(Kernel,String,int)", f -> args(f.k, "hmm_dmirror1", 2))
                .bad("a name taken on the kernel", iae("already attached"), 1, "mlx5_0")
                .bad("0 pages of device memory", iae("at least one page"), 2, 0)
                .bad("-1 pages of device memory", iae("at least one page"), 2, -1);
        t.method(HmmMirror.class, "open(Process)", f -> new HmmMirror(f.k, "hmm_dmirror0", 2), f -> args(f.a))
                .bad("a process of another kernel", iae("attach a device to each kernel"), 0, f -> f.b)
                .bad("an exited process", ise("has exited"), 0, f -> f.dead);
        for (String fn : List.of("read", "migrateToDevice", "migrateToSystem", "snapshot", "exclusive", "checkExclusive")) {
            t.method(HmmMirrorFile.class, fn + "(long,int)", DeviceBadInputTableTest::mirror, f -> args(f.buf, 1))
                    .bad("0 pages", errno(EINVAL, "cmd.npages"), 1, 0)
                    .bad("-1 pages", errno(EINVAL, "cmd.npages"), 1, -1)
                    .bad("an unaligned address", errno(EINVAL, "page aligned"), 0, f -> f.buf + 1)
                    .bad("an address past the user address space", errno(EINVAL, "leaves the user address space"), 0, -(long) PAGE)
                    .on("a closed file", ise("is closed"), f -> {
                        HmmMirrorFile m = mirror(f);
                        m.close();
                        return m;
                    });
        }
        t.method(HmmMirrorFile.class, "read(long,int)", DeviceBadInputTableTest::mirror, f -> args(f.buf, 1))
                .nested("an unmapped address", errno(EFAULT, "no VMA"), f -> args(0x10000L, 1));
        t.method(HmmMirrorFile.class, "migrateToDevice(long,int)", DeviceBadInputTableTest::mirror, f -> args(f.buf, 1))
                .bad("an unmapped address", errno(EINVAL, "no readable VMA"), 0, 0x10000L);
        t.method(HmmMirrorFile.class, "snapshot(long,int)", DeviceBadInputTableTest::mirror, f -> args(f.buf, 1))
                .bad("an unmapped address", ok("HMM_DMIRROR_PROT_ERROR"), 0, 0x10000L);
        t.method(HmmMirrorFile.class, "write(long,byte[])", DeviceBadInputTableTest::mirror, f -> args(f.buf, new byte[PAGE]))
                .bad("no bytes", iae("whole pages"), 1, new byte[0])
                .bad("half a page", iae("whole pages"), 1, new byte[PAGE / 2])
                .bad("an unaligned address", errno(EINVAL, "page aligned"), 0, f -> f.buf + 1)
                .nested("an unmapped address", errno(EFAULT, "no VMA"), f -> args(0x10000L, new byte[PAGE]))
                .on("a closed file", ise("is closed"), f -> {
                    HmmMirrorFile m = mirror(f);
                    m.close();
                    return m;
                });
    }

    static void vfio(BadInputTable<DeviceBadInputFixture> t) {
        t.type(VfioDevice.class).type(VfioDevice.DmaMapping.class);
        t.noInput(VfioDevice.class, "name()", "mappings()");
        t.noInput(VfioDevice.DmaMapping.class, "iova()", "size()", "vaddr()", "write()", "pages()", "<init>(long,long,long,boolean,GupPages)");
        t.method(VfioDevice.class, "<init>(Kernel,String)", f -> args(f.k, "0000:02:00.0"))
                .bad("a name taken on the kernel", iae("already attached"), 1, "0000:01:00.0")
                .bad("a blank name", iae("name the device"), 1, "");
        t.method(VfioDevice.class, "mapDma(Process,long,long,long,boolean)", f -> f.vfio, f -> args(f.a, f.buf, 2 * IOVA, (long) PAGE, true))
                .bad("a process of another kernel", iae(OTHER_KERNEL), 0, f -> f.b)
                .bad("an exited process", ise(DEAD), 0, f -> f.dead)
                .bad("a process that does not own the container", errno(EPERM, "belongs to \"A\""), f -> args(f.c, f.cbuf, 2 * IOVA, (long) PAGE, true))
                .bad("an unaligned vaddr", errno(EINVAL, "page aligned"), 1, f -> f.buf + 1)
                .bad("an unaligned iova", errno(EINVAL, "page aligned"), 2, 2 * IOVA + 1)
                .bad("size 0", errno(EINVAL, "size positive"), 3, 0L)
                .bad("size -4096", errno(EINVAL, "size positive"), 3, (long) -PAGE)
                .bad("a vaddr range that wraps", errno(EINVAL, "wraps"), f -> args(f.a, (long) -PAGE, 2 * IOVA, 2L * PAGE, true))
                .bad("a negative iova", errno(EINVAL, "valid IOVA ranges"), 2, -2L * PAGE)
                .bad("an iova already mapped", errno(EEXIST, "overlaps"), 2, IOVA)
                .bad("more than RLIMIT_MEMLOCK", errno(ENOMEM, "RLIMIT_MEMLOCK"), 3, 1L << 30)
                .nested("an unmapped vaddr", errno(EFAULT, "no VMA"), f -> args(f.a, 0x10000L, 2 * IOVA, (long) PAGE, true));
        t.method(VfioDevice.class, "unmapDma(long,long)", f -> f.vfio, f -> args(IOVA, 2L * PAGE))
                .bad("an unaligned iova", errno(EINVAL, "page aligned"), 0, IOVA + 1)
                .bad("size 0", errno(EINVAL, "size positive"), 1, 0L)
                .bad("size -4096", errno(EINVAL, "size positive"), 1, (long) -PAGE)
                .bad("a range that wraps", errno(EINVAL, "wraps"), f -> args(-2L * PAGE, 4L * PAGE))
                .bad("a range that splits a mapping", errno(EINVAL, "splits the mapping"), 1, (long) PAGE)
                .bad("a range that maps nothing", ok("unmaps nothing: 0 bytes"), 0, 16 * IOVA);
        t.method(VfioDevice.class, "dmaWrite(long,byte[])", f -> f.vfio, f -> args(IOVA, new byte[16]))
                .bad("an iova not mapped", fault(IommuFaultException.class, "not mapped in the IOMMU page table"), 0, 2 * IOVA)
                .bad("a range past the mapping", fault(IommuFaultException.class, "not mapped"), 0, IOVA + 2L * PAGE - 8)
                .bad("no bytes", ok("writes nothing"), 1, new byte[0]);
        t.method(VfioDevice.class, "dmaRead(long,int)", f -> f.vfio, f -> args(IOVA, 16))
                .bad("length -1", iae("must not be negative"), 1, -1)
                .bad("an iova not mapped", fault(IommuFaultException.class, "not mapped in the IOMMU page table"), 0, 2 * IOVA)
                .bad("iova -1", fault(IommuFaultException.class, "not mapped"), 0, -1L)
                .bad("length 0", ok("reads nothing"), 1, 0);
    }

    static void gpu(BadInputTable<DeviceBadInputFixture> t) {
        t.type(Gpu.class).type(GpuBo.class).type(GpuJob.class);
        t.noInput(Gpu.class, "name()", "kernel()", "bos()", "jobs()");
        t.noInput(GpuBo.class, "handle()", "gpu()", "mode()", "address()", "length()", "process()", "resv()", "notifier()", "pages()", "isFreed()");
        t.noInput(GpuJob.class, "id()", "bo()", "data()", "offset()", "after()", "fence()", "state()", "isHung()");
        t.method(Gpu.class, "<init>(Kernel,String)", f -> args(f.k, "gpu7"))
                .bad("a name taken on the kernel", iae("already attached"), 1, "gpu0")
                .bad("a blank name", iae("name the device"), 1, " ");
        t.method(Gpu.class, "allocateInRunJob(Gfp)", f -> f.gpu, f -> args(io.pinsim.runtime.spi.Gfp.ATOMIC))
                .bad("GFP_KERNEL, the bug", ok("the run path allocates with reclaim; lockdep reports it at the next run"), 0, io.pinsim.runtime.spi.Gfp.KERNEL);
        t.method(Gpu.class, "createBo(long)", f -> f.gpu, f -> args((long) PAGE))
                .bad("size 0", errno(EINVAL, "page aligned"), 0, 0L)
                .bad("size -4096", errno(EINVAL, "page aligned"), 0, (long) -PAGE)
                .bad("size 4097", errno(EINVAL, "page aligned"), 0, (long) PAGE + 1)
                .bad("size 2^31", errno(ENOMEM, "1 GiB"), 0, 1L << 31);
        t.method(Gpu.class, "createUserptr(Process,long,long,UserptrMode)", f -> f.gpu, f -> args(f.a, f.buf, (long) PAGE, UserptrMode.HMM))
                .bad("a process of another kernel", iae(OTHER_KERNEL), 0, f -> f.b)
                .bad("an exited process", ise(DEAD), 0, f -> f.dead)
                .bad("an unaligned address", errno(EINVAL, "page aligned"), 1, f -> f.buf + 1)
                .bad("size 0", errno(EINVAL, "page aligned"), 2, 0L)
                .bad("size -4096", errno(EINVAL, "page aligned"), 2, (long) -PAGE)
                .bad("a range past TASK_SIZE", errno(EINVAL, "user address space"), f -> args(f.a, Kernel.TASK_SIZE - PAGE, 2L * PAGE, UserptrMode.HMM))
                .bad("an unmapped range", ok("a BO: its pages are got at submission"), f -> args(f.a, 0x10000L, (long) PAGE, UserptrMode.GUP_WITHOUT_NOTIFIER));
        t.method(Gpu.class, "submit(GpuBo,long,byte[],GpuJob[])", f -> f.gpu, f -> args(f.vramBo, 0L, new byte[16], new GpuJob[0]))
                .bad("a BO of another GPU", iae("belongs to gpu1"), 0, f -> f.otherGpuBo)
                .bad("a freed BO", ise("was freed"), 0, f -> f.freedBo)
                .bad("offset -1", iae("not within"), 1, -1L)
                .bad("a write past the BO", iae("not within"), 1, (long) PAGE - 8)
                .bad("no bytes", iae("not within"), 2, new byte[0])
                .bad("after a job of another kernel", iae("another kernel"), 3, f -> new GpuJob[] {f.jobB})
                .nested("a userptr BO over unmapped memory", errno(EFAULT, "no VMA"), f -> args(f.unmappedBo, 0L, new byte[16], new GpuJob[0]));
        t.method(Gpu.class, "freeBo(GpuBo)", f -> f.gpu, f -> args(f.vramBo))
                .bad("a BO of another GPU", iae("belongs to gpu1"), 0, f -> f.otherGpuBo)
                .bad("a freed BO", ise("freed already"), 0, f -> f.freedBo);
        t.method(GpuBo.class, "readVram(long,int)", f -> f.vramBo, f -> args(0L, 16))
                .bad("offset -1", iae("is not within"), 0, -1L)
                .bad("length -1", iae("is not within"), 1, -1)
                .bad("a range past the BO", iae("is not within"), 0, (long) PAGE - 8)
                .on("a userptr BO", ise("read the memory of"), f -> f.userptrBo);
        for (String m : List.of("run()", "complete()")) {
            t.method(GpuJob.class, m, f -> f.queuedJob, f -> args())
                    .on("a job after one that has not signalled", ise("complete that job first"), f -> f.blockedJob)
                    .on("a signalled job", ise("signalled already"), f -> f.signalledJob());
        }
        for (String m : List.of("hang()", "timeout()")) {
            t.method(GpuJob.class, m, f -> f.queuedJob, f -> args())
                    .on("a signalled job", ise("signalled already"), f -> f.signalledJob());
        }
    }

    private static UacceQueue queue(DeviceBadInputFixture f, UacceMode mode) {
        return new SvaAccelerator(f.k, "acc-" + mode, mode).open(f.a);
    }

    private static UacceQueue started(DeviceBadInputFixture f) {
        UacceQueue q = queue(f, UacceMode.SVA);
        q.start();
        return q;
    }

    private static UacceQueue putQueue(DeviceBadInputFixture f) {
        UacceQueue q = queue(f, UacceMode.SVA);
        q.put();
        return q;
    }

    private static UacceQueue closedQueue(DeviceBadInputFixture f) {
        UacceQueue q = queue(f, UacceMode.SVA);
        q.close();
        return q;
    }

    static void uacce(BadInputTable<DeviceBadInputFixture> t) {
        t.type(SvaAccelerator.class).type(UacceQueue.class).type(UacceCompletion.class);
        t.noInput(SvaAccelerator.class, "name()", "mode()", "queues()");
        t.method(SvaAccelerator.class, "<init>(Kernel,String)", f -> args(f.k, "hisi_zip-0"))
                .bad("a name taken on the kernel", iae("already attached"), 1, "mlx5_0")
                .bad("a blank name", iae("name the device"), 1, "");
        t.method(SvaAccelerator.class, "<init>(Kernel,String,UacceMode)", f -> args(f.k, "hisi_zip-0", UacceMode.STATIC_REGION))
                .bad("a name taken on the kernel", iae("already attached"), 1, "mlx5_0")
                .bad("a blank name", iae("name the device"), 1, "");
        t.method(SvaAccelerator.class, "open(Process)", f -> new SvaAccelerator(f.k, "hisi_zip-0"), f -> args(f.a))
                .bad("a process of another kernel", iae(OTHER_KERNEL), 0, f -> f.b)
                .bad("an exited process", ise(DEAD), 0, f -> f.dead);
        t.noInput(UacceQueue.class, "process()", "state()", "pasid()", "bond()", "dusAddress()");
        for (String region : List.of("mmapMmio()", "mmapDus()")) {
            t.method(UacceQueue.class, region, f -> queue(f, UacceMode.SVA), f -> args())
                    .on("a queue that was put", errno(EINVAL, "only INIT or STARTED"), DeviceBadInputTableTest::putQueue)
                    .on("a released queue", ise("was released"), DeviceBadInputTableTest::closedQueue)
                    .on("a region mapped already", errno(EEXIST, "mapped already"), f -> {
                        UacceQueue q = queue(f, UacceMode.SVA);
                        q.mmapMmio();
                        q.mmapDus();
                        return q;
                    });
        }
        t.method(UacceQueue.class, "start()", f -> queue(f, UacceMode.SVA), f -> args())
                .on("a started queue", errno(EINVAL, "not INIT"), DeviceBadInputTableTest::started)
                .on("a released queue", ise("was released"), DeviceBadInputTableTest::closedQueue);
        t.method(UacceQueue.class, "put()", f -> queue(f, UacceMode.SVA), f -> args())
                .on("a queue put already", ok("a zombie stays a zombie"), DeviceBadInputTableTest::putQueue)
                .on("a released queue", ise("was released"), DeviceBadInputTableTest::closedQueue);
        t.method(UacceQueue.class, "close()", f -> queue(f, UacceMode.SVA), f -> args())
                .on("a released queue", ise("was released"), DeviceBadInputTableTest::closedQueue);
        t.method(UacceQueue.class, "mapBuffer(long,long)", f -> queue(f, UacceMode.PINNED), f -> args(f.buf, (long) PAGE))
                .bad("an unaligned address", errno(EINVAL, "page aligned"), 0, f -> f.buf + 1)
                .bad("length 0", errno(EINVAL, "length positive"), 1, 0L)
                .bad("length -4096", errno(EINVAL, "length positive"), 1, (long) -PAGE)
                .bad("more than RLIMIT_MEMLOCK", errno(ENOMEM, "RLIMIT_MEMLOCK"), 1, 1L << 30)
                .nested("an unmapped address", errno(EFAULT, "no VMA"), f -> args(0x10000L, (long) PAGE))
                .on("a queue of an SVA device", errno(EINVAL, "only the RFC's pinned mode"), f -> queue(f, UacceMode.SVA))
                .on("a released queue", ise("was released"), DeviceBadInputTableTest::closedQueue);
        t.method(UacceQueue.class, "write(long,byte[])", DeviceBadInputTableTest::started, f -> args(f.buf, new byte[16]))
                .bad("an unmapped address", ok("the completion reports PAGE_FAULT"), 0, 0x10000L)
                .bad("no bytes", ok("writes nothing"), 1, new byte[0])
                .on("a released queue", ise("was released"), DeviceBadInputTableTest::closedQueue);
        t.method(UacceQueue.class, "read(long,int)", DeviceBadInputTableTest::started, f -> args(f.buf, 16))
                .bad("length -1", iae("must not be negative"), 1, -1)
                .bad("an unmapped address", ok("the completion reports PAGE_FAULT"), 0, 0x10000L)
                .on("a released queue", ise("was released"), DeviceBadInputTableTest::closedQueue);
        t.noInput(UacceCompletion.class, "status()", "data()", "detail()", "isOk()");
        t.method(UacceCompletion.class, "<init>(Status,byte[],String)", f -> args(UacceCompletion.Status.OK, new byte[1], "done"))
                .nullOk("data", "no data: an empty array");
    }

    static void kfd(BadInputTable<DeviceBadInputFixture> t) {
        t.type(AmdKfd.class).type(KfdUserptr.class).type(KfdQueue.class).type(KfdDispatch.class);
        t.noInput(AmdKfd.class, "name()", "kernel()");
        t.noInput(KfdUserptr.class, "handle()", "process()", "address()", "length()", "isValid()", "isFreed()");
        t.noInput(KfdQueue.class, "id()", "process()", "isActive()", "pending()");
        t.noInput(KfdDispatch.class, "id()", "queue()", "state()", "isDone()", "detail()");
        t.method(AmdKfd.class, "<init>(Kernel,String)", f -> args(f.k, "amdgpu1"))
                .bad("a name taken on the kernel", iae("already attached"), 1, "amdgpu0")
                .bad("a blank name", iae("name the device"), 1, " ");
        t.method(AmdKfd.class, "allocUserptr(Process,long,long)", f -> f.kfd, f -> args(f.kp, f.kbuf + 2L * PAGE, (long) PAGE))
                .bad("a process of another kernel", iae(OTHER_KERNEL), 0, f -> f.b)
                .bad("an exited process", ise(DEAD), 0, f -> f.dead)
                .bad("an unaligned address", errno(EINVAL, "page-aligned"), 1, f -> f.kbuf + 1)
                .bad("length 0", errno(EINVAL, "page-aligned"), 2, 0L)
                .bad("length -4096", errno(EINVAL, "page-aligned"), 2, (long) -PAGE)
                .bad("an unmapped range", errno(EFAULT, "no writable VMA"), 1, 0x10000L);
        t.method(AmdKfd.class, "freeUserptr(KfdUserptr)", f -> f.kfd, f -> args(f.userptr))
                .bad("a userptr freed already", ise("freed already"), 0, f -> f.freedUserptr);
        t.method(AmdKfd.class, "createQueue(Process)", f -> f.kfd, f -> args(f.kp))
                .bad("a process of another kernel", iae(OTHER_KERNEL), 0, f -> f.b)
                .bad("an exited process", ise(DEAD), 0, f -> f.dead);
        t.method(AmdKfd.class, "dispatchWrite(KfdQueue,long,byte[])", f -> f.kfd, f -> args(f.queue, f.kbuf, new byte[16]))
                .bad("no bytes", iae("at least one byte"), 2, new byte[0])
                .bad("a range that wraps", iae("wraps"), 1, -8L);
        t.method(AmdKfd.class, "dispatchRead(KfdQueue,long,int)", f -> f.kfd, f -> args(f.queue, f.kbuf, 16))
                .bad("length 0", iae("at least one byte"), 2, 0)
                .bad("length -1", iae("at least one byte"), 2, -1);
        t.method(AmdKfd.class, "restoreUserptrs(Process)", f -> f.kfd, f -> args(f.kp))
                .bad("a process of another kernel", iae(OTHER_KERNEL), 0, f -> f.b)
                .bad("an exited process", ise(DEAD), 0, f -> f.dead);
        t.method(AmdKfd.class, "svmSetAttr(Process,long,long)", f -> f.kfd, f -> args(f.kp, f.kbuf + 2L * PAGE, (long) PAGE))
                .bad("a process of another kernel", iae(OTHER_KERNEL), 0, f -> f.b)
                .bad("an exited process", ise(DEAD), 0, f -> f.dead)
                .bad("an unaligned start", errno(EINVAL, "page-aligned"), 1, f -> f.kbuf + 1)
                .bad("length 0", errno(EINVAL, "page-aligned"), 2, 0L)
                .bad("an unmapped range", errno(EFAULT, "svm_range_is_valid"), 1, 0x10000L)
                .bad("a range over a userptr", errno(EADDRINUSE, "svm_range_check_vm_userptr"), 1, f -> f.kbuf);
        t.method(AmdKfd.class, "gpuFrameAt(Process,long)", f -> f.kfd, f -> args(f.kp, f.kbuf))
                .bad("a process of another kernel", iae(OTHER_KERNEL), 0, f -> f.b)
                .bad("an address the GPU does not map", ok("null"), 1, 0x10000L);
        t.method(KfdDispatch.class, "readData()", f -> f.kfd.dispatchRead(f.queue, f.kbuf, 1), f -> args())
                .on("a write dispatch", ise("is a write"), f -> f.kfd.dispatchWrite(f.queue, f.kbuf, new byte[1]))
                .on("a read that VM-faulted", ise("VM_FAULT"), f -> f.kfd.dispatchRead(f.queue, 0x10000L, 1));
    }

    static void nvme(BadInputTable<DeviceBadInputFixture> t) {
        t.type(NvmeDisk.class);
        t.noInput(NvmeDisk.class, "name()", "inflight()", "completeAll()");
        t.method(NvmeDisk.class, "<init>(Kernel,String)", f -> args(f.k, "nvme1n1"))
                .bad("a name taken on the kernel", iae("already attached"), 1, "nvme0n1")
                .bad("a blank name", iae("name the device"), 1, " ");
        t.method(NvmeDisk.class, "submit(Bio)", f -> f.disk, f -> args(f.flyingDio.bio()))
                .bad("a bio that is done", iae("already complete"), 0, f -> {
                    f.flyingDio.complete();
                    return f.flyingDio.bio();
                });
        t.method(NvmeDisk.class, "completeNext()", f -> f.disk, f -> args())
                .on("a disk with nothing in flight", ise("no bio in flight"), f -> new NvmeDisk(f.k, "nvme1n1"));
        t.method(NvmeDisk.class, "complete(int)", f -> f.disk, f -> args(f.flyingDio.bio().id()))
                .bad("an id not in flight", iae("no bio#99 in flight"), 0, 99);
    }
}
