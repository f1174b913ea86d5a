package io.pinsim.runtime;

import static io.pinsim.runtime.Fixtures.ANON_PRIVATE;
import static io.pinsim.runtime.Fixtures.PAGE;
import static io.pinsim.runtime.Fixtures.RW;
import static io.pinsim.runtime.Fixtures.kernel;
import static org.assertj.core.api.Assertions.assertThat;

import io.pinsim.runtime.lockdep.LockdepReport;
import io.pinsim.runtime.model.KernelModel;
import io.pinsim.runtime.spi.DmaFence;
import io.pinsim.runtime.spi.DmaResv;
import io.pinsim.runtime.spi.DmaResvUsage;
import io.pinsim.runtime.spi.DriverContext;
import io.pinsim.runtime.spi.Gfp;
import io.pinsim.runtime.trace.KernelLog;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The dma-fence rules of the prime patch ("dma-fence: prime lockdep annotations", Vetter 2020;
 * device-semantics §5.3), each as lockdep sees it on a primed model, and the canonical deadlock of
 * §5.4: a fence-signalling section that allocates with GFP_KERNEL.
 */
class FenceLockdepTest {
    static final List<String> CANONICAL = List.of("dma_fence_map", "fs_reclaim", "mmu_notifier_invalidate_range_start", "dma_fence_map");

    private final Kernel k = kernel(KernelModel.LINUX_6_6);
    private final DriverContext gpu = DriverContext.attach(k, "gpu0");

    private LockdepReport onlyReport() {
        assertThat(k.lockdep().reports()).hasSize(1);
        return k.lockdep().reports().get(0);
    }

    // ------------------------------------------------------------ the canonical deadlock (§5.4)

    /** The first GFP_KERNEL allocation in a signalling section closes the primed cycle: no pressure, no userptr, no wait needed. */
    @Test
    void gfpKernelInASignallingSectionIsReportedOnTheFirstAllocation() {
        boolean cookie = gpu.dmaFenceBeginSignalling();
        gpu.allocate(Gfp.KERNEL, "run_job: kmalloc");
        gpu.dmaFenceEndSignalling(cookie);
        LockdepReport r = onlyReport();
        assertThat(r.cycle()).containsExactlyElementsOf(CANONICAL);
        assertThat(r.actor()).isEqualTo("gpu0");
        assertThat(r.chain()).allSatisfy(d -> assertThat(d.step()).isZero());
        assertThat(k.freeFrames()).isEqualTo(Kernel.DEFAULT_FRAMES);
        assertThat(k.log().contains("WARNING: possible circular locking dependency detected")).isTrue();
    }

    @Test
    void theSameDriverOnAnUnprimedModelIsNotReported() {
        for (KernelModel m : List.of(KernelModel.LINUX_4_19, KernelModel.LINUX_5_8)) {
            Kernel old = kernel(m);
            DriverContext dev = DriverContext.attach(old, "gpu0");
            boolean cookie = dev.dmaFenceBeginSignalling();
            dev.allocate(Gfp.KERNEL, "run_job: kmalloc");
            dev.dmaFenceEndSignalling(cookie);
            assertThat(old.lockdep().reports()).as(m.name()).isEmpty();
        }
    }

    /**
     * The runtime's page allocator is annotated too: a device thread that faults user pages in
     * allocates. On its own task, with no lock held but the signalling section, it closes the
     * canonical cycle.
     */
    @Test
    void theRuntimePageAllocatorTakesFsReclaimInTheAllocatingTask() {
        Process a = k.spawn("A");
        long buf = a.mmap(PAGE, RW, ANON_PRIVATE);
        boolean cookie = gpu.dmaFenceBeginSignalling();
        gpu.call("run_job", () -> {
            a.write(buf, new byte[] {1});
            return null;
        });
        gpu.dmaFenceEndSignalling(cookie);
        assertThat(onlyReport().cycle()).containsExactlyElementsOf(CANONICAL);
    }

    /** Rule 3: GUP from a signalling section takes mmap_lock, which the priming orders before dma_resv and the fence wait. */
    @Test
    void rule3GupFromASignallingSectionTakesMmapLockAndIsReported() {
        Process a = k.spawn("A");
        long buf = a.mmap(PAGE, RW, ANON_PRIVATE);
        a.write(buf, new byte[] {1});
        boolean cookie = gpu.dmaFenceBeginSignalling();
        gpu.pinUserPages(a, buf, 1, Foll.WRITE, "userptr").unpin(false);
        gpu.dmaFenceEndSignalling(cookie);
        assertThat(onlyReport().cycle()).startsWith("dma_fence_map", "&mm->mmap_lock").endsWith("dma_fence_map");
    }

    @Test
    void lockdepOffRecordsAndReportsNothing() {
        Kernel off = Kernel.builder().model(KernelModel.LINUX_6_6).lockdep(false).build();
        DriverContext dev = DriverContext.attach(off, "gpu0");
        boolean cookie = dev.dmaFenceBeginSignalling();
        dev.allocate(Gfp.KERNEL, null);
        dev.dmaFenceEndSignalling(cookie);
        assertThat(off.lockdep().enabled()).isFalse();
        assertThat(off.lockdep().dependencies()).isEmpty();
        assertThat(off.lockdep().reports()).isEmpty();
    }

    // ------------------------------------------------------------ rule 1: waiting under dma_resv is allowed

    @Test
    void rule1WaitingForAFenceUnderTheReservationLockIsAllowed() {
        DmaResv bo = gpu.dmaResv("bo0");
        DmaFence f = gpu.fenceContext("gfx").createFence();
        bo.lock();
        bo.addFence(f, DmaResvUsage.BOOKKEEP);
        f.signal();
        assertThat(bo.waitTimeout(DmaResvUsage.BOOKKEEP, 100)).isPositive();
        gpu.allocate(Gfp.KERNEL, "eviction: allocate under the reservation");
        bo.unlock();
        assertThat(k.lockdep().reports()).isEmpty();
    }

    // ------------------------------------------------------------ rule 2: waiting in shrinkers and notifiers is allowed

    @Test
    void rule2TheFenceWaitInReclaimAndInNotifiersIsPrimed() {
        assertThat(k.lockdep().dependencies().stream().map(Object::toString))
                .contains("fs_reclaim -> mmu_notifier_invalidate_range_start", "mmu_notifier_invalidate_range_start -> dma_fence_map");
        assertThat(k.lockdep().reports()).isEmpty();
    }

    // ------------------------------------------------------------ rule 3: what a signalling section must not do

    @Test
    void rule3ReclaimingAllocationsOfEveryKindAreReportedInASignallingSection() {
        for (Gfp gfp : List.of(Gfp.KERNEL, Gfp.NOFS, Gfp.NOIO)) {
            Kernel fresh = kernel(KernelModel.LINUX_6_6);
            DriverContext dev = DriverContext.attach(fresh, "gpu0");
            boolean cookie = dev.dmaFenceBeginSignalling();
            dev.allocate(gfp, null);
            dev.dmaFenceEndSignalling(cookie);
            assertThat(fresh.lockdep().reports()).as("GFP_%s", gfp).hasSize(1);
            assertThat(fresh.lockdep().reports().get(0).cycle()).as("GFP_%s", gfp).startsWith("dma_fence_map").endsWith("dma_fence_map");
        }
    }

    @Test
    void rule3AtomicAndNowaitAllocationsAreAllowedInASignallingSection() {
        boolean cookie = gpu.dmaFenceBeginSignalling();
        gpu.allocate(Gfp.ATOMIC, null);
        gpu.allocate(Gfp.NOWAIT, null);
        gpu.dmaFenceEndSignalling(cookie);
        assertThat(k.lockdep().reports()).isEmpty();
    }

    @Test
    void rule3TakingTheReservationLockInASignallingSectionIsReported() {
        DmaResv bo = gpu.dmaResv("bo0");
        boolean cookie = gpu.dmaFenceBeginSignalling();
        bo.lock();
        bo.unlock();
        gpu.dmaFenceEndSignalling(cookie);
        assertThat(onlyReport().cycle()).startsWith("dma_fence_map", "reservation_ww_class_mutex").endsWith("dma_fence_map");
    }

    @Test
    void rule3TakingALockHeldAroundAFenceWaitInASignallingSectionIsReported() {
        DmaFence f = gpu.fenceContext("gfx").createFence();
        f.signal();
        gpu.lock("notifier_lock");
        f.waitTimeout(10);
        gpu.unlock("notifier_lock");
        assertThat(k.lockdep().reports()).isEmpty();
        boolean cookie = gpu.dmaFenceBeginSignalling();
        gpu.lock("notifier_lock");
        gpu.unlock("notifier_lock");
        gpu.dmaFenceEndSignalling(cookie);
        assertThat(onlyReport().cycle()).containsExactly("dma_fence_map", "&gpu0->notifier_lock", "dma_fence_map");
    }

    /** Cycle B of §5.5: amdgpu_cs.c "No memory allocation is allowed while holding the notifier lock". */
    @Test
    void rule3TakingALockHeldAroundAnAllocationInASignallingSectionIsReported() {
        gpu.lock("notifier_lock");
        gpu.allocate(Gfp.KERNEL, "cs: allocates under the notifier lock");
        gpu.unlock("notifier_lock");
        boolean cookie = gpu.dmaFenceBeginSignalling();
        gpu.lock("notifier_lock");
        gpu.unlock("notifier_lock");
        gpu.dmaFenceEndSignalling(cookie);
        assertThat(onlyReport().cycle()).startsWith("dma_fence_map", "&gpu0->notifier_lock").endsWith("dma_fence_map");
    }

    /**
     * Cycle B again, closed by a real invalidation: munmap runs the interval notifier under
     * __mmu_notifier_invalidate_range_start_map, and its callback takes the lock the driver
     * allocated under. The callback runs in the munmapping task, so the edge is A's.
     */
    @Test
    void anInvalidateCallbackTakingALockHeldAroundAnAllocationIsReported() {
        Process a = k.spawn("A");
        long buf = a.mmap(PAGE, RW, ANON_PRIVATE);
        a.write(buf, new byte[] {1});
        gpu.insertIntervalNotifier(a, buf, PAGE, (sub, range, cur) -> {
            gpu.lock("notifier_lock");
            sub.setSeq(cur);
            gpu.unlock("notifier_lock");
            return true;
        }, "userptr");
        gpu.lock("notifier_lock");
        gpu.allocate(Gfp.KERNEL, "cs: kmalloc under the notifier lock");
        gpu.unlock("notifier_lock");
        assertThat(k.lockdep().reports()).isEmpty();
        a.munmap(buf, PAGE);
        LockdepReport r = onlyReport();
        assertThat(r.cycle()).containsExactly("mmu_notifier_invalidate_range_start", "&gpu0->notifier_lock", "fs_reclaim", "mmu_notifier_invalidate_range_start");
        assertThat(r.actor()).isEqualTo("A");
    }

    @Test
    void rule3AWaitForAFenceThatNothingSignalsIsAnIndefiniteFence() {
        DmaFence f = gpu.fenceContext("gfx").createFence();
        assertThat(f.waitTimeout(DmaFence.MAX_SCHEDULE_TIMEOUT)).isZero();
        assertThat(f.isIndefinite()).isTrue();
        assertThat(k.log().lines()).anyMatch(l -> l.level() == KernelLog.Level.WARN && l.text().contains("indefinite fence"));
    }

    // ------------------------------------------------------------ rule 4: bounded time

    @Test
    void rule4ABoundedWaitTimesOutAndLeavesTheFenceDefinite() {
        DmaFence f = gpu.fenceContext("gfx").createFence();
        assertThat(f.waitTimeout(100)).isZero();
        assertThat(f.isIndefinite()).isFalse();
        f.setError(-110);
        assertThat(f.signal()).isTrue();
        assertThat(f.error()).isEqualTo(-110);
        assertThat(f.waitTimeout(100)).isEqualTo(100);
    }

    // ------------------------------------------------------------ correct patterns: no false report

    @Test
    void theDocumentedCorrectPatternsAreNotReported() {
        DmaResv bo = gpu.dmaResv("bo0");
        var gfx = gpu.fenceContext("gfx");
        DmaFence job = gfx.createFence();
        // submission: allocate and lock before the fence is published
        gpu.allocate(Gfp.KERNEL, "job");
        bo.lock();
        bo.addFence(job, DmaResvUsage.WRITE);
        bo.unlock();
        // run_job: a signalling section that nests, preallocated memory only, signals
        boolean outer = gpu.dmaFenceBeginSignalling();
        boolean inner = gpu.dmaFenceBeginSignalling();
        assertThat(inner).isTrue();
        gpu.allocate(Gfp.ATOMIC, "ring entry");
        int[] called = new int[1];
        assertThat(job.addCallback(() -> called[0]++)).isTrue();
        assertThat(job.signal()).isTrue();
        gpu.dmaFenceEndSignalling(inner);
        gpu.dmaFenceEndSignalling(outer);
        // a notifier-like waiter: waits for the job under its lock
        gpu.lock("notifier_lock");
        assertThat(bo.waitTimeout(DmaResvUsage.BOOKKEEP, 10)).isPositive();
        gpu.unlock("notifier_lock");
        assertThat(called[0]).isEqualTo(1);
        assertThat(job.signal()).isFalse();
        assertThat(k.lockdep().reports()).isEmpty();
    }

    /** __dma_fence_might_wait() drops the read hold first: a wait inside a section is not "recursive locking". */
    @Test
    void aWaitInsideASignallingSectionIsNotRecursiveLocking() {
        DmaFence f = gpu.fenceContext("gfx").createFence();
        f.signal();
        boolean cookie = gpu.dmaFenceBeginSignalling();
        f.waitTimeout(1);
        gpu.dmaFenceEndSignalling(cookie);
        assertThat(k.lockdep().reports()).isEmpty();
    }

    // ------------------------------------------------------------ the report

    @Test
    void theReportReadsLikeLockdepWithStepsAndActors() {
        int held = k.trace().step();
        boolean cookie = gpu.dmaFenceBeginSignalling();
        gpu.allocate(Gfp.KERNEL, "run_job: kmalloc");
        gpu.dmaFenceEndSignalling(cookie);
        LockdepReport r = onlyReport();
        int s = r.step();
        assertThat(r.text()).isEqualTo(""
                + "======================================================\n"
                + "WARNING: possible circular locking dependency detected\n"
                + "------------------------------------------------------\n"
                + "gpu0 is trying to acquire lock:\n"
                + "  (fs_reclaim), at: step " + s + "\n"
                + "\n"
                + "but task is already holding lock:\n"
                + "  (dma_fence_map) (read), at: step " + held + "\n"
                + "\n"
                + "which lock already depends on the new lock.\n"
                + "\n"
                + "the existing dependency chain (in reverse order) is:\n"
                + "\n"
                + "-> #2 (dma_fence_map):\n"
                + "       taken after mmu_notifier_invalidate_range_start, first primed at boot by dma_resv_lockdep\n"
                + "-> #1 (mmu_notifier_invalidate_range_start):\n"
                + "       taken after fs_reclaim, first primed at boot by dma_resv_lockdep\n"
                + "-> #0 (fs_reclaim):\n"
                + "       taken after dma_fence_map, step " + s + " by gpu0\n"
                + "\n"
                + "other info that might help us debug this:\n"
                + "\n"
                + "Chain exists of:\n"
                + "  fs_reclaim --> mmu_notifier_invalidate_range_start --> dma_fence_map\n"
                + "\n"
                + " Possible unsafe locking scenario:\n"
                + "\n"
                + "       CPU0 (gpu0)                      CPU1 (dma_resv_lockdep)\n"
                + "       ----                             ----\n"
                + "  rlock(dma_fence_map);  [step " + held + "]\n"
                + "                                        lock(mmu_notifier_invalidate_range_start);  [primed at boot by dma_resv_lockdep]\n"
                + "                                        lock(dma_fence_map);  [primed at boot by dma_resv_lockdep]\n"
                + "  lock(fs_reclaim);  [step " + s + "]\n"
                + "\n"
                + " *** DEADLOCK ***\n");
        assertThat(k.trace().render()).contains("lockdep: possible circular locking dependency detected: dma_fence_map -> fs_reclaim");
    }
}
