package io.pinsim.devices;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.FsKind;
import io.pinsim.runtime.Inode;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MapFlags;
import io.pinsim.runtime.OpenFlags;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.Prot;
import io.pinsim.runtime.Signal;
import io.pinsim.runtime.SignalException;
import io.pinsim.runtime.model.ForkPinned;
import io.pinsim.runtime.model.KernelModel;
import io.pinsim.runtime.model.LongtermFileWritePin;
import io.pinsim.runtime.trace.TraceKind;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Pinned RDMA memory regions: device-semantics §10 T1 - T5. */
class RdmaNicTest {
    static final int PAGE = Kernel.PAGE_SIZE;
    static final int RW = Prot.READ | Prot.WRITE;
    static final int ACCESS = IbAccess.LOCAL_WRITE | IbAccess.REMOTE_WRITE | IbAccess.REMOTE_READ;

    static byte[] fill(char c, int n) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) c);
        return b;
    }

    static Kernel kernel(String model) {
        return Kernel.builder().model(KernelModel.byName(model)).build();
    }

    static long buffer(Process p, int pages, char c) {
        long a = p.mmap((long) pages * PAGE, RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
        p.write(a, fill(c, pages * PAGE));
        return a;
    }

    static char seen(Process p, long a) {
        return (char) p.read(a, 1)[0];
    }

    /** T1: register, fork, the parent writes the buffer, the NIC writes 8 bytes; returns the MR. */
    private static MemoryRegion t1(Kernel k, Process a, long buf, Process[] child) {
        RdmaNic nic = new RdmaNic(k, "mlx5_0");
        MemoryRegion mr = nic.regMr(nic.allocPd(a), buf, PAGE, ACCESS);
        child[0] = a.fork();
        a.write(buf + 100, fill('P', 1));
        nic.postWrite(mr, 0, fill('D', 8));
        nic.processAll();
        assertThat(nic.cq().poll()).extracting(Completion::status).containsExactly(WcStatus.SUCCESS);
        assertThat(seen(a, buf + 100)).isEqualTo('P');
        return mr;
    }

    /**
     * T1 where fork shares pinned pages (SHARE_WRPROTECT): the parent's write copies the parent off
     * the MR's frame and the NIC's data lands in the page the child keeps. (Which models do this is
     * the rdma-mr-fork-parent-writes sample's to say.)
     */
    @Test
    void t1ShareWrprotectTheNicWritesThePageTheChildKeeps() {
        Kernel k = Kernel.builder().model(KernelModel.LINUX_5_10.with(ForkPinned.SHARE_WRPROTECT)).build();
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        Process[] child = new Process[1];
        MemoryRegion mr = t1(k, a, buf, child);
        assertThat(k.trace().lastAt(buf, TraceKind.COW_COPY).actor()).isEqualTo("A");
        assertThat(child[0].frameAt(buf)).as("the child kept the MR's frame").isSameAs(mr.pins().frame(0));
        assertThat(mr.isCoherent(0)).isFalse();
        assertThat(seen(child[0], buf)).isEqualTo('D');
        assertThat(seen(a, buf)).isEqualTo('A');
    }

    /** T1 with the early copy at fork (70e806e4e645): the child gets a copy, the parent keeps the MR's frame and sees the NIC's data. */
    @Test
    void t1EarlyCopyTheChildGetsACopyAndTheParentSeesTheNicsData() {
        Kernel k = Kernel.builder().model(KernelModel.LINUX_5_8.with(ForkPinned.EARLY_COPY_ANY_PAGE)).build();
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        Process[] child = new Process[1];
        MemoryRegion mr = t1(k, a, buf, child);
        assertThat(k.trace().events(e -> e.kind() == TraceKind.FORK && e.message().contains("copied for the child now"))).hasSize(1);
        assertThat(mr.isCoherent(0)).isTrue();
        assertThat(seen(a, buf)).isEqualTo('D');
        assertThat(seen(child[0], buf)).isEqualTo('A');
    }

    /** T2: ibv_fork_init(): MADV_DONTFORK on the MR, the child has no mapping; unneeded where the kernel reports copy-on-fork. */
    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({"LINUX_4_19, ENABLED", "LINUX_5_10, ENABLED", "LINUX_6_1, UNNEEDED", "LINUX_6_6, UNNEEDED"})
    void t2IbvForkInit(String model, ForkStatus expected) {
        Kernel k = kernel(model);
        RdmaNic nic = new RdmaNic(k, "mlx5_0");
        Process a = k.spawn("A");
        assertThat(nic.ibvForkInit(a)).isEqualTo(expected);
        long buf = buffer(a, 2, 'A');
        MemoryRegion mr = nic.regMr(nic.allocPd(a), buf + 10, PAGE, ACCESS);
        Process child = a.fork();
        a.write(buf, fill('P', 1));
        nic.postWrite(mr, 0, fill('D', 8));
        nic.processAll();
        assertThat(seen(a, buf + 10)).isEqualTo('D');
        if (expected == ForkStatus.ENABLED) {
            assertThat(a.vmaAt(buf).isDontCopy()).isTrue();
            assertThatThrownBy(() -> child.read(buf + PAGE, 1)).as("MADV_DONTFORK is page granular: the neighbour page is gone too")
                    .isInstanceOfSatisfying(SignalException.class, e -> assertThat(e.signal()).isEqualTo(Signal.SIGSEGV));
            nic.deregMr(mr);
            assertThat(a.vmaAt(buf).isDontCopy()).as("ibv_dereg_mr() undoes it").isFalse();
        } else {
            assertThat(a.vmaAt(buf).isDontCopy()).isFalse();
            assertThat(seen(child, buf + 10)).isEqualTo('A');
        }
    }

    /** TruncatePinnedPage.PROPOSAL_NOTIFY_THEN_DUMMY_PAGE: the NIC is told, then its MR uses the dummy page; the file keeps truncate semantics. */
    @Test
    void aTruncatedPageOfAnMrIsRevokedAfterAnAsyncEventAndTheNicIsRedirectedToItsDummyPage() {
        Kernel k = kernel("PROPOSAL_TRUNCATE_NOTIFY_THEN_DUMMY_PAGE");
        RdmaNic nic = new RdmaNic(k, "mlx5_0");
        Process a = k.spawn("A");
        Inode file = k.mount(FsKind.EXT4).create("export", fill('O', PAGE));
        var f = a.open(file, OpenFlags.RDWR);
        long map = a.mmap(0, PAGE, RW, MapFlags.SHARED, f, 0);
        MemoryRegion mr = nic.regMr(nic.allocPd(a), map, PAGE, ACCESS);
        io.pinsim.runtime.TruncateOp t = f.startTruncate(0);
        assertThat(nic.asyncEvents()).extracting(AsyncEvent::type).containsExactly(AsyncEvent.Type.MR_REVOKE_SOON);
        assertThat(nic.asyncEvents().get(0).mr()).isSameAs(mr);
        assertThat(mr.isRedirected()).isFalse();
        for (int i = 0; i < 3; i++) {
            a.mmap(PAGE, RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
        }
        assertThat(t.isDone()).isTrue();
        assertThat(nic.asyncEvents()).extracting(AsyncEvent::type).containsExactly(AsyncEvent.Type.MR_REVOKE_SOON, AsyncEvent.Type.MR_REDIRECTED);
        assertThat(mr.isRedirected()).as("device redirected to a dummy page").isTrue();
        nic.postWrite(mr, 0, fill('D', 8));
        nic.processAll();
        f.ftruncate(PAGE);
        assertThat(file.read(0, 8)).as("the NIC's write lands in the dummy page").containsOnly((byte) 0);
        nic.deregMr(mr);
        assertThat(mr.isRedirected()).isFalse();
        k.checkInvariants();
    }

    @Test
    void forkInitAfterARegistrationIsTooLate() {
        Kernel k = kernel("LINUX_5_10");
        RdmaNic nic = new RdmaNic(k, "mlx5_0");
        Process a = k.spawn("A");
        nic.regMr(nic.allocPd(a), buffer(a, 1, 'A'), PAGE, ACCESS);
        assertThatThrownBy(() -> nic.ibvForkInit(a)).isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
    }

    /** T3: munmap and a new mapping at the same address: the NIC keeps writing the old pinned page. */
    @Test
    void t3MunmapAndRemapTheNicStillWritesTheOldPage() {
        Kernel k = kernel("LINUX_6_6");
        RdmaNic nic = new RdmaNic(k, "mlx5_0");
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        MemoryRegion mr = nic.regMr(nic.allocPd(a), buf, PAGE, ACCESS);
        a.munmap(buf, PAGE);
        long again = a.mmap(buf, PAGE, RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.FIXED);
        nic.postWrite(mr, 0, fill('D', 8));
        nic.processAll();
        assertThat(seen(a, again)).isEqualTo('\0');
        assertThat(mr.pins().frame(0).read(0, 1)).containsExactly('D');
        assertThat(a.pinnedVm()).isEqualTo(1);
        nic.deregMr(mr);
        assertThat(a.pinnedVm()).isZero();
        assertThat(mr.pins().frame(0).isFree()).isTrue();
    }

    /** T4 / S10: a writable MR on an ext4 MAP_SHARED mapping, where the kernel allows long-term write pins of it; tmpfs is fine either way. */
    @Test
    void t4WritableMrOnExt4SharedMappingWhereAllowed() {
        Kernel k = Kernel.builder().model(KernelModel.LINUX_6_6.with(LongtermFileWritePin.ALLOWED)).build();
        RdmaNic nic = new RdmaNic(k, "mlx5_0");
        Process a = k.spawn("A");
        ProtectionDomain pd = nic.allocPd(a);
        assertThat(nic.regMr(pd, ext4SharedMapping(k, a), PAGE, ACCESS).isWritable()).isTrue();
        assertThat(nic.regMr(pd, tmpfsSharedMapping(k, a), PAGE, ACCESS).isWritable()).isTrue();
    }

    /** T4 where long-term write pins of dirty-tracked file mappings are refused (8ac268436e6d): EFAULT, nothing charged; read-only MRs and tmpfs are fine. */
    @Test
    void t4WritableMrOnExt4SharedMappingWhereRefused() {
        // on 6.6's base, whose read-only MRs pin without FOLL_WRITE (IbUmemGupFlags.WRITE_IF_WRITABLE)
        Kernel k = Kernel.builder().model(KernelModel.LINUX_6_6.with(LongtermFileWritePin.REFUSED)).build();
        RdmaNic nic = new RdmaNic(k, "mlx5_0");
        Process a = k.spawn("A");
        ProtectionDomain pd = nic.allocPd(a);
        long map = ext4SharedMapping(k, a);
        assertThatThrownBy(() -> nic.regMr(pd, map, PAGE, ACCESS)).isInstanceOfSatisfying(ErrnoException.class,
                e -> assertThat(e.errno()).isEqualTo(Errno.EFAULT));
        assertThat(a.pinnedVm()).as("nothing stays charged").isZero();
        assertThat(nic.regMr(pd, map, PAGE, IbAccess.REMOTE_READ).isWritable()).as("a read-only MR is fine").isFalse();
        assertThat(nic.regMr(pd, tmpfsSharedMapping(k, a), PAGE, ACCESS).isWritable()).isTrue();
    }

    private static long ext4SharedMapping(Kernel k, Process a) {
        Inode file = k.mount(FsKind.EXT4).create("data", fill('F', PAGE));
        return a.mmap(0, PAGE, RW, MapFlags.SHARED, a.open(file, OpenFlags.RDWR), 0);
    }

    private static long tmpfsSharedMapping(Kernel k, Process a) {
        Inode shm = k.mount(FsKind.TMPFS).create("shm", fill('S', PAGE));
        return a.mmap(0, PAGE, RW, MapFlags.SHARED, a.open(shm, OpenFlags.RDWR), 0);
    }

    /** T5: past RLIMIT_MEMLOCK: ENOMEM, unless CAP_IPC_LOCK. */
    @Test
    void t5RegistrationBeyondRlimitMemlock() {
        Kernel k = kernel("LINUX_6_6");
        RdmaNic nic = new RdmaNic(k, "mlx5_0");
        Process a = k.spawn("A");
        a.setRlimitMemlock(2L * PAGE);
        long buf = buffer(a, 3, 'A');
        ProtectionDomain pd = nic.allocPd(a);
        assertThatThrownBy(() -> nic.regMr(pd, buf, 3L * PAGE, ACCESS)).isInstanceOfSatisfying(ErrnoException.class, e -> {
            assertThat(e.errno()).isEqualTo(Errno.ENOMEM);
            assertThat(e.reason()).contains("RLIMIT_MEMLOCK");
        });
        assertThat(a.pinnedVm()).isZero();
        assertThat(a.frameAt(buf).refcount()).as("nothing pinned").isEqualTo(1);
        a.setCapIpcLock(true);
        assertThat(nic.regMr(pd, buf, 3L * PAGE, ACCESS).pins().count()).isEqualTo(3);
    }

    /**
     * A read-only MR of a fork-shared page: before 6.2 ib_umem_get() pins it with FOLL_WRITE|FOLL_FORCE,
     * a write fault that breaks COW and leaves the PTE writable; from 6.2 (b40656aa7d55) it pins
     * read-only and the pin unshares the page (FAULT_FLAG_UNSHARE), leaving the PTE read-only. Either
     * way the pin holds the process's own copy.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"LINUX_5_10, true", "LINUX_6_6, false"})
    void readOnlyMrsOfASharedPageGetAPrivateCopy(String model, boolean pteWritable) {
        Kernel k = kernel(model);
        RdmaNic nic = new RdmaNic(k, "mlx5_0");
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        a.fork();
        var shared = a.frameAt(buf);
        MemoryRegion mr = nic.regMr(nic.allocPd(a), buf, PAGE, IbAccess.REMOTE_READ);
        assertThat(mr.pins().frame(0)).isNotSameAs(shared);
        assertThat(mr.isCoherent(0)).isTrue();
        assertThat(a.isMappedWritable(buf)).isEqualTo(pteWritable);
    }

    @Test
    void badRegistrationsAndWorkRequestsFailCleanly() {
        Kernel k = kernel("LINUX_6_6");
        RdmaNic nic = new RdmaNic(k, "mlx5_0");
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        ProtectionDomain pd = nic.allocPd(a);
        assertThatThrownBy(() -> nic.regMr(pd, buf, 0, ACCESS)).isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
        assertThatThrownBy(() -> nic.regMr(pd, Long.MAX_VALUE - 10, 100, ACCESS)).isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
        assertThatThrownBy(() -> nic.regMr(pd, 0x10000, PAGE, ACCESS)).isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EFAULT));
        long none = a.mmap(PAGE, Prot.NONE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
        assertThatThrownBy(() -> nic.regMr(pd, none, PAGE, ACCESS)).isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EFAULT));
        assertThatThrownBy(() -> nic.regMr(pd, buf, PAGE + 1, ACCESS)).as("a range running into unmapped memory")
                .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EFAULT));
        assertThat(a.pinnedVm()).isZero();
        assertThat(a.frameAt(buf).refcount()).isEqualTo(1);

        MemoryRegion mr = nic.regMr(pd, buf, 100, IbAccess.LOCAL_WRITE);
        WorkRequest beyond = nic.postWrite(mr, 90, fill('X', 20));
        nic.processAll();
        assertThat(beyond.completion().status()).isEqualTo(WcStatus.LOC_PROT_ERR);
        assertThat(seen(a, buf + 95)).as("no data written anywhere").isEqualTo('A');
        MemoryRegion ro = nic.regMr(pd, buf, 100, IbAccess.REMOTE_READ);
        WorkRequest w = nic.postWrite(ro, 0, fill('X', 4));
        nic.process(w);
        assertThat(w.completion().status()).isEqualTo(WcStatus.REM_ACCESS_ERR);
        nic.deregMr(mr);
        assertThatThrownBy(() -> nic.deregMr(mr)).isInstanceOf(IllegalStateException.class).hasMessageContaining("use-after-free");
        assertThatThrownBy(() -> nic.postWrite(mr, 0, fill('x', 1))).isInstanceOf(IllegalStateException.class);

        Kernel other = kernel("LINUX_6_6");
        Process stranger = other.spawn("S");
        assertThatThrownBy(() -> nic.allocPd(stranger)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("create a device per kernel");
        assertThatThrownBy(() -> new RdmaNic(k, "mlx5_0")).isInstanceOf(IllegalArgumentException.class);
    }
}
