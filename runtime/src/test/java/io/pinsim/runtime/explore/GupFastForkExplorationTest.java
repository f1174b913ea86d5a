package io.pinsim.runtime.explore;

import static org.assertj.core.api.Assertions.assertThat;

import io.pinsim.runtime.model.GupFastVsFork;
import io.pinsim.runtime.model.KernelModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * S7 explored: pin_user_pages_fast() in one thread against fork() in another, every interleaving
 * with up to two preemptions. Without write_protect_seq (4.19, 5.8, and 5.9 / 5.10.0) GUP-fast can
 * pin the page after fork decided to share it and before fork write-protects it, and the parent's
 * next write moves the parent away from the pin; 57efa1fe5957 (5.11, 5.10.y) closes the window.
 */
class GupFastForkExplorationTest {
    private static final KernelModel LINUX_5_9 = KernelModel.LINUX_5_10.with(GupFastVsFork.UNSERIALIZED)
            .named("5.9", "5.9 / 5.10.0: early COW at fork without write_protect_seq");

    /**
     * 4.19 and 5.8 lose the pin even without a race: fork shares a pinned page
     * (ForkPinned.SHARE_WRPROTECT), so pinning first and forking after already fails, with no
     * preemption. The race shows as well, with one.
     */
    @ParameterizedTest
    @ValueSource(strings = {"LINUX_4_19", "LINUX_5_8"})
    void beforeEarlyCowAtForkThePinIsLostEvenWithoutARace(String model) {
        Report report = GupFastForkRace.explorer(KernelModel.byName(model), 1).explore(Search.preemptionBounded(2).exhaustive());

        ScheduleRun smallest = report.smallestFailure().orElseThrow();
        assertThat(smallest.preemptions()).isZero();
        assertThat(smallest.schedule()).hasToString("T2*3,T1*7");
        assertThat(smallest.failure().orElseThrow()).contains("check \"the pin follows the parent\" failed").contains("moved page 0 away from the pin");
        assertThat(report.foundBy().orElseThrow()).startsWith("preemption-bounded search at bound 0");
        assertThat(report.failures()).anySatisfy(f -> assertThat(f.schedule().toString()).isEqualTo(RACE));
    }

    /** Fork decides to share the page (3 steps), GUP-fast pins it (3 steps), fork write-protects and finishes. */
    private static final String RACE = "T1*3,T2*3,T1*4";

    @Test
    void onLinux59TheRaceNeedsOnePreemptionBetweenForksDecisionAndItsWriteProtect() {
        Report report = GupFastForkRace.explorer(LINUX_5_9, 1).explore(Search.preemptionBounded(2));

        assertThat(report.rounds()).extracting(Report.Round::bound).containsExactly(0, 1);
        assertThat(report.rounds().get(0).failed()).isZero();
        ScheduleRun smallest = report.smallestFailure().orElseThrow();
        assertThat(smallest.schedule()).hasToString(RACE);
        assertThat(smallest.preemptions()).isEqualTo(1);
        assertThat(report.foundBy().orElseThrow()).startsWith("preemption-bounded search at bound 1 with sleep sets");
        String table = smallest.table();
        assertThat(table.indexOf("copy_present_pte(): decide")).isLessThan(table.indexOf("lockless walk of page 0"));
        assertThat(table.indexOf("lockless walk of page 0")).isLessThan(table.indexOf("copy_present_pte(): share 0x7f0000000000"));
        assertThat(smallest.render()).contains("4*|").contains("COW_COPY").contains("rdma0 DMAs 'D' into frame #1, the parent maps frame #2 and reads 'P'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"LINUX_5_10", "LINUX_6_1", "LINUX_6_6"})
    void writeProtectSeqClosesTheRaceOnEveryInterleaving(String model) {
        for (int pages = 1; pages <= 2; pages++) {
            Report report = GupFastForkRace.explorer(KernelModel.byName(model), pages).explore(Search.preemptionBounded(2));

            assertThat(report.passed()).as(report.render()).isTrue();
            assertThat(report.stopReason()).isIn("explored every schedule with up to 2 preemptions", "complete: no schedule needs more than 2 preemptions");
            assertThat(report.render()).contains("every schedule passed");
        }
    }

    @Test
    void withWriteProtectSeqTheRacingPinRetriesInTheSlowPathAfterTheFork() {
        Explorer<GupFastForkRace.Race> explorer = GupFastForkRace.explorer(KernelModel.LINUX_5_10, 1);

        ScheduleRun run = explorer.replay("T2,T1*3,T2*2,T1*4,T2");

        assertThat(run.failed()).as(run.render()).isFalse();
        assertThat(run.render()).contains("write_protect_seq changed (0 -> 1)").contains("slow path for pages 0..0");
    }

    @Test
    void theReportSaysWhatWasExploredAndHow() {
        Report report = GupFastForkRace.explorer(LINUX_5_9, 1).explore(Search.preemptionBounded(2));

        assertThat(report.render()).startsWith("""
                explored 2 threads (T1 fork, T2 pin) on 5.9, seed 0
                search: preemption-bounded search, up to 2 preemptions, sleep-set reduction
                  0 preemptions: 2 schedules, 0 failed, 0 pruned by sleep sets
                """)
                .contains("stopped after 1 preemption: a schedule failed")
                .contains("smallest failing schedule: " + RACE + " (1 preemption, 10 steps); replay it with explorer.replay(\"" + RACE + "\")")
                .contains(" step | T1 fork (A) ");
    }
}
