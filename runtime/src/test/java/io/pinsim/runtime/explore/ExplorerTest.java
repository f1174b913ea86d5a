package io.pinsim.runtime.explore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Footprint;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.KernelBugException;
import io.pinsim.runtime.Steppable;
import io.pinsim.runtime.model.GupFastVsFork;
import io.pinsim.runtime.model.KernelModel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The explorer's contract: determinism, replay, deadlocks, failures, checks, limits and PCT. */
class ExplorerTest {
    private static final KernelModel LINUX_5_9 = KernelModel.LINUX_5_10.with(GupFastVsFork.UNSERIALIZED);

    @Test
    void theSameSeedGivesTheSameSchedulesAndReportByteForByte() {
        for (Search search : List.of(Search.preemptionBounded(2).exhaustive(), Search.pct(3, 50).exhaustive())) {
            Report a = GupFastForkRace.explorer(Kernel.builder().model(LINUX_5_9).seed(7), 2).explore(search);
            Report b = GupFastForkRace.explorer(Kernel.builder().model(LINUX_5_9).seed(7), 2).explore(search);

            assertThat(a.render()).isEqualTo(b.render());
            assertThat(a.failures()).isEqualTo(b.failures());
            assertThat(a.failures()).isNotEmpty();
        }
    }

    @Test
    void theSeedDrivesPct() {
        Report a = GupFastForkRace.explorer(Kernel.builder().model(LINUX_5_9).seed(1), 2).explore(Search.pct(3, 50).exhaustive());
        Report b = GupFastForkRace.explorer(Kernel.builder().model(LINUX_5_9).seed(2), 2).explore(Search.pct(3, 50).exhaustive());

        assertThat(a.render()).startsWith("explored 2 threads (T1 fork, T2 pin) on LINUX_5_10+GupFastVsFork.UNSERIALIZED, seed 1");
        assertThat(a.failures()).isNotEqualTo(b.failures());
    }

    @Test
    void pctFindsTheRaceAndSaysWithWhichDepthAndRun() {
        Report report = GupFastForkRace.explorer(LINUX_5_9, 1).explore(Search.pct(2, 500));

        assertThat(report.passed()).isFalse();
        assertThat(report.foundBy().orElseThrow()).matches("PCT \\(depth 2\\), run \\d+ of 500, seed 0");
        assertThat(report.schedules()).isEqualTo(Long.parseLong(report.foundBy().orElseThrow().replaceAll(".*run (\\d+) of.*", "$1")));
        assertThat(report.stopReason()).isEqualTo("stopped at the first failing run (exhaustive() runs them all)");
        assertThat(report.smallestFailure().orElseThrow().render()).contains("copy_present_pte(): share");
    }

    @Test
    void pctFindsNothingWhereTheKernelIsRight() {
        Report report = GupFastForkRace.explorer(KernelModel.LINUX_6_6, 2).explore(Search.pct(3, 200));

        assertThat(report.passed()).isTrue();
        assertThat(report.schedules()).isEqualTo(200);
        assertThat(report.distinctSchedules()).isBetween(2L, 200L);
        assertThat(report.stopReason()).startsWith("ran 200 runs with up to 2 priority change points over about ");
    }

    @Test
    void aReplayedScheduleReproducesTheReportedFailureByteForByte() {
        Report report = GupFastForkRace.explorer(LINUX_5_9, 2).explore(Search.preemptionBounded(2));
        ScheduleRun reported = report.smallestFailure().orElseThrow();

        ScheduleRun again = GupFastForkRace.explorer(LINUX_5_9, 2).replay(reported.schedule().toString());

        assertThat(again.failed()).isTrue();
        assertThat(again.render()).isEqualTo(reported.render());
        assertThat(again.kernel().trace().render()).isEqualTo(reported.kernel().trace().render());
        assertThat(report.render()).contains(reported.render());
    }

    @Test
    void replayRefusesASchedulesThatCannotRun() {
        Explorer<GupFastForkRace.Race> explorer = GupFastForkRace.explorer(KernelModel.LINUX_6_6, 1);

        assertThatThrownBy(() -> explorer.replay("T3")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("names T3 but the explorer has 2 threads");
        assertThatThrownBy(() -> explorer.replay("T1*2")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ends after 2 steps but T1, T2 can still run");
        assertThatThrownBy(() -> explorer.replay("T1*3,T2,T2")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("schedule \"T1*3,T2,T2\": T2 cannot run step 5: it is blocked (slow path for pages 0..0 (waits for mmap_lock)); threads that can run: T1");
        assertThatThrownBy(() -> explorer.replay("T1,X2")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"X2\" in schedule \"T1,X2\" is not a step");
    }

    @Test
    void aDeadlockIsReportedWithItsWaitForGraph() {
        Explorer<Locks> explorer = Explorer.on(Kernel.builder(), k -> new Locks())
                .thread("ab", Op.steps("lock A, then B", (Locks l) -> new TakeBoth(l, "A", "B")))
                .thread("ba", Op.steps("lock B, then A", (Locks l) -> new TakeBoth(l, "B", "A")));

        Report report = explorer.explore(Search.preemptionBounded(2));

        ScheduleRun run = report.smallestFailure().orElseThrow();
        assertThat(run.outcome()).isEqualTo(ScheduleRun.Outcome.DEADLOCK);
        assertThat(run.schedule()).hasToString("T1,T2");
        assertThat(run.preemptions()).isEqualTo(1);
        assertThat(run.failure().orElseThrow()).isEqualTo("""
                deadlock: 2 threads blocked, none can run (wait-for graph):
                  T1 ab (AB)  blocked in "lock B"
                                waits for lock:B, held by T2 (lock A is its next step)
                  T2 ba (BA)  blocked in "lock A"
                                waits for lock:A, held by T1 (lock B is its next step)
                  cycle: T1 -> T2 -> T1""");
        assertThat(report.failures()).extracting(Report.Failure::outcome).containsOnly(ScheduleRun.Outcome.DEADLOCK);
        assertThat(report.failures()).hasSize(2);
    }

    @Test
    void aStepThatThrowsFailsTheScheduleAndSaysWhere() {
        Explorer<int[]> explorer = Explorer.on(Kernel.builder(), k -> new int[1])
                .thread("a", Op.atomic("mmap(0)", s -> {
                    throw new ErrnoException(Errno.EINVAL, "mmap", "length is 0");
                }))
                .thread("b", Op.atomic("nothing", s -> { }));

        ScheduleRun run = explorer.explore(Search.preemptionBounded(0)).smallestFailure().orElseThrow();

        assertThat(run.schedule()).hasToString("T1");
        assertThat(run.failure().orElseThrow()).isEqualTo("T1 (a) failed in step 1 \"mmap(0)\": ErrnoException: mmap: EINVAL: length is 0");
        assertThat(run.cause().orElseThrow()).isInstanceOf(ErrnoException.class);
    }

    @Test
    void aKernelBugInAStepIsReportedWithoutTheTraceItCarriesSinceTheTableShowsIt() {
        Explorer<int[]> explorer = Explorer.on(Kernel.builder(), k -> new int[1])
                .thread("a", Op.atomic("unpin twice", s -> {
                    throw new KernelBugException("refcount-underflow", "frame #1 unpinned twice", "   1  A  CALL  ...");
                }));

        ScheduleRun run = explorer.replay("T1");

        assertThat(run.failure().orElseThrow()).isEqualTo("T1 (a) failed in step 1 \"unpin twice\": KernelBugException: kernel BUG: refcount-underflow: frame #1 unpinned twice");
    }

    @Test
    void anOperationThatNeverFinishesFailsItsScheduleInsteadOfRunningForever() {
        Explorer<int[]> explorer = Explorer.on(Kernel.builder(), k -> new int[1])
                .thread("spin", Op.steps("spin", (int[] s) -> new Steppable() {
                    public void step() {
                        s[0]++;
                    }

                    public boolean isDone() {
                        return false;
                    }

                    public boolean isBlocked() {
                        return false;
                    }

                    public String nextStep() {
                        return "spin " + s[0];
                    }

                    public String actor() {
                        return "spinner";
                    }
                }));

        Report report = explorer.explore(Search.preemptionBounded(0));

        assertThat(report.failures()).singleElement().satisfies(f -> assertThat(f.message())
                .isEqualTo("the schedule ran 10000 steps: an operation seems never to finish (T1 is in \"spin\", whose Steppable does not report isDone())"));
    }

    @Test
    void aCheckAfterEveryStepSeesEveryStateSoTheReductionIsOff() {
        List<Integer> seen = new ArrayList<>();
        Explorer<int[]> explorer = Explorer.on(Kernel.builder(), k -> new int[1])
                .thread("a", Op.atomic("x++", Footprint.writes("x"), s -> s[0]++), Op.atomic("y", Footprint.writes("y"), s -> { }))
                .thread("b", Op.atomic("z", Footprint.writes("z"), s -> { }))
                .checkAfterEveryStep("x stays below 2", (k, s) -> {
                    seen.add(s[0]);
                    if (s[0] > 1) {
                        throw new AssertionError("x = " + s[0]);
                    }
                });

        Report report = explorer.explore(Search.preemptionBounded(2));

        assertThat(report.pruned()).isZero();
        assertThat(report.render()).contains("search: preemption-bounded search, up to 2 preemptions, no reduction (a check after every step turns the reduction off)");
        assertThat(report.passed()).isTrue();
        assertThat(seen).isNotEmpty().containsOnly(0, 1);
        assertThat(Explorer.on(Kernel.builder(), k -> new int[1])
                .thread("a", Op.atomic("x++", Footprint.writes("x"), s -> s[0]++), Op.atomic("x++", Footprint.writes("x"), s -> s[0]++))
                .checkAfterEveryStep("x stays below 2", (k, s) -> {
                    if (s[0] > 1) {
                        throw new AssertionError("x = " + s[0]);
                    }
                })
                .replay("T1*2").failure()).contains("check \"x stays below 2\" failed after step 2: AssertionError: x = 2");
    }

    @Test
    void theKernelsOwnChecksCanRunAtTheEndOfEverySchedule() {
        Report report = GupFastForkRace.explorer(KernelModel.LINUX_6_6, 1).checkInvariants().checkNoLeaks().explore(Search.preemptionBounded(1));

        assertThat(report.passed()).as(report.render()).isTrue();
    }

    @Test
    void theLimitStopsTheSearchAndTheReportSaysSo() {
        Report report = GupFastForkRace.explorer(KernelModel.LINUX_6_6, 2).explore(Search.preemptionBounded(2).maxSchedules(5));

        assertThat(report.schedules()).isEqualTo(5);
        assertThat(report.stopReason()).isEqualTo("stopped at the limit of 5 schedules");
    }

    @Test
    void anExplorerNeedsThreadsAndASearchNeedsSenseBounds() {
        assertThatThrownBy(() -> Explorer.on(Kernel.builder(), k -> k).explore(Search.unbounded())).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("add threads");
        assertThatThrownBy(() -> Search.preemptionBounded(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Search.pct(0, 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Search.pct(2, 10).withoutReduction()).isInstanceOf(IllegalStateException.class);
        assertThat(Search.preemptionBounded(2).exhaustive().withoutReduction()).hasToString("preemption-bounded search, up to 2 preemptions, no reduction, exhaustive");
        assertThat(Search.pct(3, 1000)).hasToString("PCT, depth 3, 1000 runs");
    }

    /** Two named locks, and who holds each. */
    static final class Locks {
        final List<String> names = new ArrayList<>(List.of("A", "B"));
        final String[] owner = new String[2];

        String ownerOf(String lock) {
            return owner[names.indexOf(lock)];
        }

        void set(String lock, String who) {
            owner[names.indexOf(lock)] = who;
        }
    }

    /** A test-only operation: lock one, lock the other, unlock both; it blocks while a lock it needs is held. */
    static final class TakeBoth implements Steppable {
        private final Locks locks;
        private final String first;
        private final String second;
        private int phase;

        TakeBoth(Locks locks, String first, String second) {
            this.locks = locks;
            this.first = first;
            this.second = second;
        }

        private String wanted() {
            return phase == 0 ? first : phase == 1 ? second : null;
        }

        @Override
        public void step() {
            switch (phase++) {
                case 0 -> locks.set(first, first + second);
                case 1 -> locks.set(second, first + second);
                case 2 -> {
                    locks.set(first, null);
                    locks.set(second, null);
                }
                default -> throw new IllegalStateException("done");
            }
        }

        @Override
        public boolean isDone() {
            return phase == 3;
        }

        @Override
        public boolean isBlocked() {
            return wanted() != null && locks.ownerOf(wanted()) != null;
        }

        @Override
        public String nextStep() {
            return wanted() != null ? "lock " + wanted() : "unlock " + first + " and " + second;
        }

        @Override
        public String actor() {
            return first + second;
        }

        @Override
        public Footprint nextFootprint() {
            return wanted() != null ? Footprint.writes("lock:" + wanted()) : Footprint.writes("lock:" + first, "lock:" + second);
        }

        @Override
        public String waitsFor() {
            return isBlocked() ? "lock:" + wanted() : null;
        }

        @Override
        public List<String> holds() {
            return phase == 1 ? List.of("lock:" + first) : phase == 2 ? List.of("lock:" + first, "lock:" + second) : List.of();
        }
    }
}
