package io.pinsim.runtime;

import static io.pinsim.runtime.Fixtures.PAGE;
import static io.pinsim.runtime.Fixtures.buffer;
import static io.pinsim.runtime.Fixtures.kernel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pinsim.runtime.explore.Explorer;
import io.pinsim.runtime.explore.Op;
import io.pinsim.runtime.explore.Report;
import io.pinsim.runtime.explore.ScheduleRun;
import io.pinsim.runtime.explore.Search;
import io.pinsim.runtime.model.KernelModel;
import org.junit.jupiter.api.Test;

/**
 * A plain call that needs mmap_lock while a stepped operation holds it between its steps: called
 * directly it throws {@link WouldBlockException} before it changes anything; as an
 * {@code Op.atomic} of the explorer its thread is blocked until the lock is free, then it runs.
 */
class PlainOpsVsSteppedLocksTest {

    @Test
    void aPlainMunmapDuringASteppedForkWouldSleepAndChangesNothing() {
        Kernel k = kernel(KernelModel.LINUX_6_6);
        Process a = k.spawn("A");
        long buf = buffer(a, 2, 'A');
        ForkSteps fork = a.mainThread().forkSteps("B");
        fork.step(); // mmap_lock for write
        int vmas = a.vmas().size();
        assertThatThrownBy(() -> a.munmap(buf, PAGE)).isInstanceOf(WouldBlockException.class)
                .hasMessageContaining("munmap(").hasMessageContaining("would sleep in mmap_write_lock()").hasMessageContaining("fork")
                .satisfies(e -> assertThat(((WouldBlockException) e).lockId()).isEqualTo("mm:" + a.pid() + ":mmap_lock"));
        assertThat(a.vmas()).hasSize(vmas);
        assertThatThrownBy(() -> a.pinUserPages(buf, 1, Foll.WRITE, "x")).isInstanceOf(WouldBlockException.class).hasMessageContaining("mmap_read_lock()");
        assertThatThrownBy(() -> a.madvise(buf, PAGE, Advice.DONTNEED)).isInstanceOf(WouldBlockException.class);
        assertThatThrownBy(() -> a.fork()).isInstanceOf(WouldBlockException.class);
        fork.run();
        a.munmap(buf, PAGE);
        k.checkInvariants();
    }

    /** 4.20+: munmap's zap holds mmap_lock for read only, so the fault runs and finds the VMA detached. */
    @Test
    void aCpuAccessDuringADowngradedZapFaultsAndFindsNoVma() {
        Kernel k = kernel(KernelModel.LINUX_6_6);
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        long other = a.mmap(PAGE, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS); // not faulted in
        Steppable unmap = a.spawnThread("T2").munmapSteps(other, PAGE);
        unmap.step(); // 6.6: mmap_lock downgraded to read: faults may run
        assertThatThrownBy(() -> a.write(other, new byte[] {'x'})).isInstanceOf(SignalException.class).hasMessageContaining("SEGV_MAPERR");
    }

    @Test
    void aWriteThatWouldFaultSleepsWhileMunmapHoldsTheLockForWrite() {
        Kernel k = kernel(KernelModel.LINUX_4_19);
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        long fresh = a.mmap(PAGE, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
        long gone = a.mmap(PAGE, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
        Steppable unmap = a.spawnThread("T2").munmapSteps(gone, PAGE);
        unmap.step(); // 4.19: mmap_lock held for write through the zap
        a.write(buf, new byte[] {'w'}); // a present, writable PTE: no fault, no lock
        assertThat(a.read(buf, 1)[0]).isEqualTo((byte) 'w');
        assertThatThrownBy(() -> a.write(fresh, new byte[] {'x'})).isInstanceOf(WouldBlockException.class).hasMessageContaining("page fault");
        assertThat(a.frameAt(fresh)).isNull();
        while (!unmap.isDone()) {
            unmap.step();
        }
        a.write(fresh, new byte[] {'x'});
        assertThat(a.read(fresh, 1)[0]).isEqualTo((byte) 'x');
    }

    /** The setup of the explored race: a process with two pages. */
    static final class Two {
        final Process a;
        final long buf;

        Two(Kernel k) {
            a = k.spawn("A");
            buf = buffer(a, 2, 'A');
        }
    }

    @Test
    void anAtomicMunmapInAnExplorationWaitsForASteppedForkInsteadOfRunningInsideIt() {
        Explorer<Two> explorer = Explorer.on(Kernel.builder().model(KernelModel.LINUX_6_6), Two::new)
                .thread("fork", Op.steps("fork()", t -> t.a.mainThread().forkSteps("B")))
                .thread("munmap", Op.atomic("munmap(buf + 4096)", t -> t.a.munmap(t.buf + PAGE, PAGE)))
                .checkInvariants()
                .checkNoLeaks();
        Report report = explorer.explore(Search.preemptionBounded(2).exhaustive());
        assertThat(report.passed()).as(report.render()).isTrue();
        Two alone = new Two(Kernel.builder().model(KernelModel.LINUX_6_6).build());
        ForkSteps fork = alone.a.mainThread().forkSteps("B");
        int forkSteps = 0;
        for (; !fork.isDone(); forkSteps++) {
            fork.step();
        }
        // fork takes mmap_lock, the munmap tries and sleeps, fork runs to the end, the munmap runs
        ScheduleRun run = explorer.replay("T1,T2,T1*" + (forkSteps - 1) + ",T2");
        String sleepsTwice = "T1,T2,T2,T1*" + (forkSteps - 1);
        assertThat(run.failed()).as(run.render()).isFalse();
        assertThat(run.table()).contains("munmap(buf + 4096)");
        assertThatThrownBy(() -> explorer.replay(sleepsTwice)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("it is blocked");
    }

    /** The kernel's invariants hold after every step of a 6.6 munmap (VMAs detached, PTEs not yet zapped) against GUP. */
    @Test
    void invariantsHoldAfterEveryStepOfADowngradedMunmap() {
        Explorer<Two> explorer = Explorer.on(Kernel.builder().model(KernelModel.LINUX_6_6), Two::new)
                .thread("munmap", Op.steps("munmap()", t -> t.a.mainThread().munmapSteps(t.buf, 2L * PAGE)))
                .thread("pin", Op.atomic("pin_user_pages()", t -> {
                    try {
                        t.a.pinUserPages(t.buf + PAGE, 1, Foll.WRITE, "x").unpin(false);
                    } catch (ErrnoException expected) {
                        // the VMA is detached or gone: EFAULT
                    }
                }))
                .checkAfterEveryStep("invariants", (k, t) -> k.checkInvariants())
                .checkNoLeaks();
        Report report = explorer.explore(Search.preemptionBounded(2).exhaustive());
        assertThat(report.passed()).as(report.render()).isTrue();
    }
}
