package io.pinsim.devices;

import static io.pinsim.devices.RdmaNicTest.PAGE;
import static io.pinsim.devices.RdmaNicTest.buffer;
import static io.pinsim.devices.RdmaNicTest.fill;
import static io.pinsim.devices.RdmaNicTest.kernel;
import static io.pinsim.devices.RdmaNicTest.seen;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pinsim.runtime.Advice;
import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.KernelBugException;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.trace.TraceKind;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** On-demand paging MRs: device-semantics §10 T7 - T9, the ODP fork case, and a failing invalidation. */
class OdpTest {
    static final int ODP = IbAccess.ON_DEMAND | IbAccess.LOCAL_WRITE | IbAccess.REMOTE_WRITE | IbAccess.REMOTE_READ;

    /** T7: fork invalidates the parent's range (PROTECTION_PAGE); the next NIC write refaults and breaks COW for the parent. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"LINUX_4_19", "LINUX_5_8", "LINUX_5_10", "LINUX_6_1", "LINUX_6_6"})
    void t7OdpFollowsTheParentAcrossFork(String model) {
        Kernel k = kernel(model);
        RdmaNic nic = new RdmaNic(k, "mlx5_0");
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        MemoryRegion mr = nic.regMr(nic.allocPd(a), buf, PAGE, ODP);
        nic.advise(mr, 0, PAGE, true);
        assertThat(mr.deviceTable().size()).isEqualTo(1);
        assertThat(a.pinnedVm()).as("ODP pins nothing").isZero();
        Process child = a.fork();
        assertThat(mr.deviceTable().size()).as("fork's PROTECTION_PAGE invalidation zapped the device entry").isZero();
        nic.postWrite(mr, 0, fill('D', 8));
        nic.processAll();
        assertThat(nic.cq().poll()).extracting(Completion::status).containsExactly(WcStatus.SUCCESS);
        assertThat(seen(a, buf)).isEqualTo('D');
        assertThat(seen(child, buf)).isEqualTo('A');
        assertThat(mr.isCoherent(0)).isTrue();
        assertThat(k.trace().events(e -> e.kind() == TraceKind.NOTIFIER && e.message().contains("PROTECTION_PAGE"))).isNotEmpty();
    }

    /**
     * ibv_dereg_mr() of an ODP MR: ib_umem_odp_release() drops the device entries
     * (ib_umem_odp_unmap_dma_pages()) and removes the notifier; after it the MR's key is dead for
     * every verb. (That the unmap also dirties the pages the device could write is not observable
     * here: the model marks a page dirty at its write fault already.)
     */
    @Test
    void deregistrationDropsTheDeviceEntriesAndKillsTheKey() {
        Kernel k = kernel("LINUX_6_6");
        RdmaNic nic = new RdmaNic(k, "mlx5_0");
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        MemoryRegion mr = nic.regMr(nic.allocPd(a), buf, PAGE, ODP);
        nic.advise(mr, 0, PAGE, true);
        assertThat(mr.deviceTable().size()).isEqualTo(1);

        nic.deregMr(mr);

        assertThat(mr.deviceTable().size()).isZero();
        assertThatThrownBy(() -> nic.advise(mr, 0, PAGE, false)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("is deregistered; register it again before advising");
        assertThatThrownBy(() -> nic.postWrite(mr, 0, fill('D', 8))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("register it again before posting");
        a.munmap(buf, PAGE);
        assertThat(k.trace().events(e -> e.kind() == TraceKind.NOTIFIER && e.actor().startsWith("MR#"))).as("the notifier is gone").noneMatch(
                e -> e.message().contains("UNMAP"));
    }

    /** T8: munmap invalidates (UNMAP); the next access faults with EFAULT and completes with an error. */
    @Test
    void t8MunmapThenAccessCompletesWithAnError() {
        Kernel k = kernel("LINUX_6_6");
        RdmaNic nic = new RdmaNic(k, "mlx5_0");
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        MemoryRegion mr = nic.regMr(nic.allocPd(a), buf, PAGE, ODP);
        nic.advise(mr, 0, PAGE, false);
        a.munmap(buf, PAGE);
        assertThat(mr.deviceTable().size()).isZero();
        WorkRequest wr = nic.postWrite(mr, 0, fill('D', 8));
        nic.processAll();
        assertThat(wr.completion().status()).isEqualTo(WcStatus.REM_ACCESS_ERR);
        assertThat(wr.completion().detail()).contains("EFAULT");
        assertThat(k.trace().events(e -> e.kind() == TraceKind.NOTIFIER && e.message().contains("UNMAP"))).isNotEmpty();
    }

    /** T9: the OOM reaper's non-blockable invalidation: mlx5 returns false, the reaper skips the VMA. */
    @Test
    void t9TheOomReaperCannotReapAnOdpRange() {
        Kernel k = kernel("LINUX_6_6");
        RdmaNic nic = new RdmaNic(k, "mlx5_0");
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        MemoryRegion mr = nic.regMr(nic.allocPd(a), buf, PAGE, ODP);
        nic.advise(mr, 0, PAGE, true);
        assertThat(k.oomKill(a)).isFalse();
        assertThat(k.log().contains("oom_reaper: unable to reap")).isTrue();
        assertThat(k.trace().events(e -> e.message().contains("refuses the non-blockable"))).hasSize(1);
        assertThat(mr.deviceTable().size()).as("exit_mmap's blockable invalidation zapped it afterwards").isZero();
    }

    @Test
    void readsOfUntouchedMemoryMapTheZeroPageAndWritesBreakIt() {
        Kernel k = kernel("LINUX_6_6");
        RdmaNic nic = new RdmaNic(k, "mlx5_0");
        Process a = k.spawn("A");
        long buf = a.mmap(PAGE, RdmaNicTest.RW, io.pinsim.runtime.MapFlags.PRIVATE | io.pinsim.runtime.MapFlags.ANONYMOUS);
        MemoryRegion mr = nic.regMr(nic.allocPd(a), buf, PAGE, ODP);
        WorkRequest r = nic.postRead(mr, 0, 4);
        nic.processAll();
        assertThat(r.readData()).containsOnly(0);
        assertThat(mr.deviceFrame(0).isZeroPage()).isTrue();
        nic.postWrite(mr, 0, fill('D', 4));
        nic.processAll();
        assertThat(mr.deviceFrame(0).isZeroPage()).isFalse();
        assertThat(seen(a, buf)).isEqualTo('D');
    }

    @Test
    void adviseChecksItsArguments() {
        Kernel k = kernel("LINUX_6_6");
        RdmaNic nic = new RdmaNic(k, "mlx5_0");
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        ProtectionDomain pd = nic.allocPd(a);
        MemoryRegion ro = nic.regMr(pd, buf, PAGE, IbAccess.ON_DEMAND | IbAccess.REMOTE_READ);
        assertThatThrownBy(() -> nic.advise(ro, 0, PAGE, true)).isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EPERM));
        MemoryRegion pinned = nic.regMr(pd, buf, PAGE, IbAccess.LOCAL_WRITE);
        assertThatThrownBy(() -> nic.advise(pinned, 0, PAGE, false)).isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EOPNOTSUPP));
        a.madvise(buf, PAGE, Advice.DONTNEED);
        nic.deregMr(ro);
        assertThat(ro.isDeregistered()).isTrue();
    }

    /**
     * "What is the backup plan if the mmu notifier invalidation fails?": a driver whose invalidation
     * cannot allocate its translation buffer. Without mlx5's emergency page the invalidation fails
     * in a blockable context: the kernel WARNs and frees the page anyway, and the device, which still
     * maps it, writes into freed memory. With the emergency page the same injection is harmless.
     */
    @ParameterizedTest(name = "emergency page: {0}")
    @CsvSource({"false", "true"})
    void anInvalidationThatCannotAllocate(boolean emergencyPage) {
        Kernel k = kernel("LINUX_6_6");
        RdmaNic nic = new RdmaNic(k, "mlx5_0", emergencyPage) {
            @Override
            protected boolean allocateXlt(int entries, boolean atomic) {
                return false;
            }
        };
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        MemoryRegion mr = nic.regMr(nic.allocPd(a), buf, PAGE, ODP);
        nic.advise(mr, 0, PAGE, true);
        a.madvise(buf, PAGE, Advice.DONTNEED);
        nic.postWrite(mr, 0, fill('D', 4));
        if (emergencyPage) {
            nic.processAll();
            assertThat(seen(a, buf)).isEqualTo('D');
            assertThat(k.log().contains("failed an invalidation")).isFalse();
        } else {
            assertThat(k.log().contains("failed an invalidation")).isTrue();
            assertThat(mr.deviceTable().size()).as("the device kept its stale entry").isEqualTo(1);
            assertThatThrownBy(nic::processAll).isInstanceOfSatisfying(KernelBugException.class,
                    e -> assertThat(e.invariant()).isEqualTo("dma-to-freed-frame"));
        }
    }
}
