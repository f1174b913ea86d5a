package io.pinsim.dsl;

import static io.pinsim.dsl.Pinsim.dmaData;
import static io.pinsim.dsl.Pinsim.kernel;
import static io.pinsim.dsl.Pinsim.pages;
import static io.pinsim.dsl.Pinsim.rdma;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pinsim.runtime.model.GupFastVsFork;
import io.pinsim.runtime.model.KernelModel;
import org.junit.jupiter.api.Test;

/** forkRacingPin(..) explores the interleavings of fork() and pin_user_pages_fast() and goes on from the smallest failing one. */
class ForkRacingPinExploreTest {
    private static final KernelModel LINUX_5_9 = KernelModel.LINUX_5_10.with(GupFastVsFork.UNSERIALIZED);

    private static void race(Scenario s, int pages) {
        s.process("A").malloc(pages(pages)).write('A').forkRacingPin(rdma).parentWrites('P').dmaCompletes().assertParentSees(dmaData());
    }

    private static PinsimAssertionError failure(Runnable r) {
        try {
            r.run();
        } catch (PinsimAssertionError e) {
            return e;
        }
        throw new AssertionError("expected a PinsimAssertionError");
    }

    @Test
    void onTheUnserializedModelTheSmallestFailingScheduleNeedsAPreemption() {
        PinsimAssertionError e = failure(() -> race(kernel(LINUX_5_9), 1));
        assertThat(e.kind()).isEqualTo(BugKind.DEVICE_DATA_LOST);
        assertThat(e.because()).contains("rdma0 still holds frame #1 while \"A\" maps frame #2")
                .contains("smallest failing schedule T1*3,T2*3,T1*4").contains("schedules, 0 pruned, ")
                .contains("rerun it with @Explore(schedule = \"T1*3,T2*3,T1*4\")").contains("copy_present_pte(): share 0x7f0000000000");
    }

    @Test
    void beforeTheFixForkSharesThePinnedPageWithoutAPreemption() {
        assertThat(failure(() -> race(kernel(KernelModel.LINUX_5_8), 1)).because()).contains("smallest failing schedule T2*3,T1*7");
    }

    /** PCT from the chain: its random schedules come from the kernel seed, so the same seed finds the same failure, byte for byte. */
    @Test
    void pctFromTheChainIsDeterministicForASeed() {
        String[] seen = new String[2];
        long[] runs = new long[2];
        for (int i = 0; i < 2; i++) {
            Exploration pct = Exploration.pct(3, 40);
            Scenario s = Pinsim.scenario(io.pinsim.runtime.Kernel.builder().model(LINUX_5_9).seed(11).build()).exploring(pct);
            seen[i] = failure(() -> race(s, 2)).because();
            runs[i] = pct.schedules();
            assertThat(pct.schedules()).as("PCT stops at its first failing run").isBetween(1L, 40L);
            assertThat(pct.failed()).isEqualTo(1);
        }
        assertThat(runs[1]).isEqualTo(runs[0]);
        assertThat(seen[0]).contains("with PCT depth 3, 40 runs").contains("smallest failing schedule").isEqualTo(seen[1]);
    }

    @Test
    void writeProtectSeqPassesEverySchedule() {
        race(kernel(KernelModel.LINUX_5_10), 2);
        race(kernel(KernelModel.LATEST), 1);
    }

    @Test
    void twoPagesFailOnTheUnserializedModel() {
        assertThat(failure(() -> race(kernel(LINUX_5_9), 2)).because()).contains("smallest failing schedule ");
    }

    @Test
    void exploringReplaysExactlyOneSchedule() {
        assertThat(failure(() -> race(kernel(LINUX_5_9).exploring(2, "T1*3,T2*3,T1*4"), 1)).because())
                .contains("replayed the schedule T1*3,T2*3,T1*4").contains("FAILED");
        race(kernel(LINUX_5_9).exploring(2, "T2*3,T1*7"), 1);
        race(kernel(LINUX_5_9).exploring(0, ""), 1);
    }

    @Test
    void aStepThatCannotBeRedoneComesFirst() {
        assertThatThrownBy(() -> kernel().process("A").malloc(pages(1)).pin(rdma).forkRacingPin(rdma)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("pin(rdma) cannot be redone");
    }
}
