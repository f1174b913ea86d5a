package io.pinsim.runtime;

import static io.pinsim.runtime.Fixtures.PAGE;
import static io.pinsim.runtime.Fixtures.buffer;
import static io.pinsim.runtime.Fixtures.kernel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pinsim.runtime.explore.Explorer;
import io.pinsim.runtime.explore.Op;
import io.pinsim.runtime.explore.Report;
import io.pinsim.runtime.explore.Search;
import io.pinsim.runtime.model.KernelModel;
import io.pinsim.runtime.spi.DriverContext;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * munmap() and MADV_DONTNEED as steps (Task.munmapSteps, Task.madviseSteps): mmap_lock, the
 * invalidation's start, one step per interval callback (which waits for the driver's lock), one
 * zap per page table, the end; and what other threads see in between.
 */
class ZapStepsTest {
    /** A driver "nic0" with an interval over the buffer whose callback takes notifier_lock. */
    private static final class Driver {
        final DriverContext ctx;
        final MmuIntervalNotifier sub;
        final List<String> calls = new ArrayList<>();

        Driver(Kernel k, Process a, long buf, int pages) {
            ctx = DriverContext.attach(k, "nic0");
            sub = ctx.insertIntervalNotifier(a, buf, (long) pages * PAGE, (s, range, cur) -> {
                ctx.lock("notifier_lock");
                s.setSeq(cur);
                calls.add(range.event().name());
                ctx.unlock("notifier_lock");
                return true;
            }, "mirror", "notifier_lock");
        }
    }

    private static List<String> run(Steppable s) {
        List<String> steps = new ArrayList<>();
        while (!s.isDone()) {
            steps.add(s.nextStep());
            s.step();
        }
        return steps;
    }

    @Test
    void munmapStepsTakeTheLockStartCallZapPerPageTableEndAndUnlock() {
        Kernel k = kernel(KernelModel.LINUX_6_6);
        Process a = k.spawn("A");
        long buf = buffer(a, 2, 'A');
        Driver d = new Driver(k, a, buf, 2);

        List<String> steps = run(a.mainThread().munmapSteps(buf, 2L * PAGE));

        assertThat(steps).containsExactly("munmap(0x7f0000000000, 8192): mmap_write_lock, detach the VMAs, mmap_write_downgrade()", "mmu_notifier_invalidate_range_start(UNMAP)",
                "invalidate_range_start: nic0 mirror->invalidate() takes dev:nic0:notifier_lock", "zap_pte_range() under the PTL at 0x7f0000000000",
                "mmu_notifier_invalidate_range_end(UNMAP)", "remove_mt(), mmap_read_unlock");
        assertThat(d.calls).containsExactly("UNMAP");
        assertThat(a.vmas()).isEmpty();
        assertThat(a.populatedPtes()).isZero();
        k.checkInvariants();
    }

    /**
     * The callback's step waits while the driver (another actor) holds its lock; between the
     * callback and invalidate_range_end mmu_interval_read_begin() would sleep (readBeginWaits),
     * and a plain call says so.
     */
    @Test
    void theCallbackWaitsForTheDriverLockAndReadBeginWaitsUntilTheEnd() {
        Kernel k = kernel(KernelModel.LINUX_6_6);
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        Driver d = new Driver(k, a, buf, 1);
        Steppable zap = a.mainThread().madviseSteps(buf, PAGE, Advice.DONTNEED);
        zap.step();
        zap.step();
        d.ctx.lock("notifier_lock");

        assertThat(zap.isBlocked()).isTrue();
        assertThat(zap.waitsFor()).isEqualTo("dev:nic0:notifier_lock");
        assertThat(zap.holds()).contains("mm:1:mmap_lock", "mm:1:notifiers");
        assertThatThrownBy(zap::step).isInstanceOf(IllegalStateException.class).hasMessageContaining("waits for dev:nic0:notifier_lock");

        d.ctx.unlock("notifier_lock");
        assertThat(zap.isBlocked()).isFalse();
        zap.step();
        assertThat(d.sub.readBeginWaits()).as("the callback set the sequence; the invalidation has not ended").isTrue();
        assertThatThrownBy(d.sub::readBegin).isInstanceOf(IllegalStateException.class).hasMessageContaining("would sleep until the invalidation");
        zap.step();
        zap.step();
        assertThat(d.sub.readBeginWaits()).isFalse();
        long seq = d.sub.readBegin();
        zap.step();
        assertThat(zap.isDone()).isTrue();
        assertThat(d.sub.readRetry(seq)).isFalse();
        assertThat(a.read(buf, 1)[0]).as("MADV_DONTNEED of private anonymous memory: zero-fill on the next touch").isZero();
    }

    /** A fork waits for munmap's mmap_lock and munmap for fork's: every schedule serializes them, none deadlocks. */
    @Test
    void forkAndMunmapSerializeOnMmapLockInEverySchedule() {
        for (KernelModel model : KernelModel.all()) {
            Report report = Explorer.on(Kernel.builder().model(model), kk -> {
                Process a = kk.spawn("A");
                return new Object[] {a, buffer(a, 2, 'A')};
            }).thread("fork", Op.steps("fork()", st -> ((Process) st[0]).mainThread().forkSteps("B")))
                    .thread("munmap", Op.steps("munmap()", st -> ((Process) st[0]).mainThread().munmapSteps((long) st[1], PAGE)))
                    .checkInvariants().explore(Search.preemptionBounded(2).exhaustive());
            assertThat(report.passed()).as(model + "\n" + report.render()).isTrue();
        }
    }
}
