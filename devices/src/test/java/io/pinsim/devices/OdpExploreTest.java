package io.pinsim.devices;

import static org.assertj.core.api.Assertions.assertThat;

import io.pinsim.runtime.Advice;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MapFlags;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.Prot;
import io.pinsim.runtime.explore.Explorer;
import io.pinsim.runtime.explore.Op;
import io.pinsim.runtime.explore.Report;
import io.pinsim.runtime.explore.ScheduleRun;
import io.pinsim.runtime.explore.Search;
import io.pinsim.runtime.model.KernelModel;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/**
 * A device page fault of an ODP MR against an invalidation (MADV_DONTNEED, munmap) of its range,
 * explored: mlx5's interval-notifier protocol never leaves the device a page the process no longer
 * maps, a driver that skips mmu_interval_read_retry() does in some schedule, and a driver that
 * holds its notifier lock across hmm_range_fault() deadlocks with munmap.
 */
class OdpExploreTest {
    static final int PAGE = 4096;
    static final String PROPERTY = "the NIC maps no page the process does not map there";

    /** One schedule's world: the process, its buffer, the NIC and its ODP MR. */
    static final class Odp {
        final Process a;
        final long buf;
        final RdmaNic nic;
        final MemoryRegion mr;

        Odp(Kernel k, BiFunction<Kernel, String, RdmaNic> device) {
            a = k.spawn("A");
            buf = a.mmap(PAGE, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
            a.write(buf, new byte[] {'A'});
            nic = device.apply(k, "mlx5_0");
            mr = nic.regMr(nic.allocPd(a), buf, PAGE, IbAccess.ON_DEMAND | IbAccess.LOCAL_WRITE | IbAccess.REMOTE_WRITE);
        }

        void noStaleDevicePage() {
            if (mr.deviceFrame(0) != null && !mr.isCoherent(0)) {
                throw new AssertionError("the NIC maps frame #" + mr.deviceFrame(0).pfn() + " at " + Kernel.hex(buf) + ", which \"A\" "
                        + (a.frameAt(buf) == null ? "no longer maps" : "maps as frame #" + a.frameAt(buf).pfn() + " now"));
            }
        }
    }

    static Explorer<Odp> explorer(KernelModel model, BiFunction<Kernel, String, RdmaNic> device, boolean unmap) {
        return Explorer.on(Kernel.builder().model(model).seed(1), k -> new Odp(k, device))
                .thread("fault", Op.steps("ibv_advise_mr(PREFETCH_WRITE)", o -> o.nic.adviseSteps(o.mr, 0, PAGE, true)))
                .thread("zap", unmap ? Op.steps("munmap()", o -> o.a.mainThread().munmapSteps(o.buf, PAGE))
                        : Op.steps("madvise(DONTNEED)", o -> o.a.mainThread().madviseSteps(o.buf, PAGE, Advice.DONTNEED)))
                .check(PROPERTY, (k, o) -> o.noStaleDevicePage())
                .checkInvariants();
    }

    @Test
    void mlx5sProtocolNeverLeavesTheDeviceAStalePageOnAnyModel() {
        for (KernelModel model : KernelModel.all()) {
            for (boolean unmap : new boolean[] {false, true}) {
                Report report = explorer(model, RdmaNic::new, unmap).explore(Search.preemptionBounded(3).exhaustive());
                assertThat(report.passed()).as(model.name() + (unmap ? " munmap" : " DONTNEED") + "\n" + report.render()).isTrue();
                assertThat(report.schedules()).isGreaterThan(3);
            }
        }
    }

    /**
     * read_begin and hmm_range_fault() run, then the whole MADV_DONTNEED: its invalidation takes
     * umem_mutex and moves the interval's sequence, so read_retry under umem_mutex sees it and
     * the fault starts over, faulting in the page the process maps now.
     */
    @Test
    void theFaultRetriesWhenAnInvalidationRanBetweenReadBeginAndReadRetry() {
        ScheduleRun run = explorer(KernelModel.LINUX_6_6, RdmaNic::new, false).replay("T1*2,T2*6,T1*7");

        assertThat(run.failed()).as(run.render()).isFalse();
        assertThat(run.render()).contains("mmu_interval_read_retry), retrying").contains("MR#");
        Odp o = null;
        assertThat(run.kernel().trace().render()).contains("an invalidation ran during the fault");
    }

    @Test
    void aDriverThatSkipsReadRetryMapsAStalePageInSomeSchedule() {
        Report report = explorer(KernelModel.LINUX_6_6, NaiveOdpNic::new, false).explore(Search.preemptionBounded(3).exhaustive());

        assertThat(report.passed()).isFalse();
        ScheduleRun smallest = report.smallestFailure().orElseThrow();
        assertThat(smallest.failure().orElseThrow()).contains(PROPERTY).contains("no longer maps");
        assertThat(smallest.table()).contains("map the device page").contains("(no read_retry)").contains("->invalidate()");
    }

    /** 4.19: munmap holds mmap_lock for write through its invalidation ({@code MunmapLock.HELD_FOR_WRITE}). */
    @Test
    void aDriverHoldingUmemMutexAcrossHmmRangeFaultDeadlocksWithMunmap() {
        BiFunction<Kernel, String, RdmaNic> lockAcross = (k, n) -> new RdmaNic(k, n, true, OdpFaultProtocol.LOCK_ACROSS_FAULT) { };
        Report report = explorer(KernelModel.LINUX_4_19, lockAcross, true).explore(Search.preemptionBounded(3));

        ScheduleRun smallest = report.smallestFailure().orElseThrow();
        assertThat(smallest.outcome()).as(smallest.render()).isEqualTo(ScheduleRun.Outcome.DEADLOCK);
        assertThat(smallest.failure().orElseThrow()).contains("cycle: T1 -> T2 -> T1").contains("umem_mutex").contains("mm:1:");
    }

    /**
     * From 4.20 munmap detaches the VMAs and downgrades mmap_lock to read before its invalidation
     * (dd2283f2605e, {@code MunmapLock.DOWNGRADED_FOR_ZAP}): the fault's hmm_range_fault() then
     * gets mmap_lock for read, finds no VMA and fails with EFAULT, dropping umem_mutex, so the same
     * driver does not deadlock with munmap (it still can with a writer that invalidates under the
     * write lock, e.g. mprotect()).
     */
    @Test
    void theSameDriverDoesNotDeadlockWithAMunmapThatDowngradesMmapLock() {
        BiFunction<Kernel, String, RdmaNic> lockAcross = (k, n) -> new RdmaNic(k, n, true, OdpFaultProtocol.LOCK_ACROSS_FAULT) { };
        Report report = explorer(KernelModel.LINUX_6_6, lockAcross, true).explore(Search.preemptionBounded(3).exhaustive());

        assertThat(report.passed()).as(report.render()).isTrue();
    }
}
