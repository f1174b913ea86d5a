package io.pinsim.dsl;

import io.pinsim.runtime.explore.Explorer;
import io.pinsim.runtime.explore.Report;
import io.pinsim.runtime.explore.Schedule;
import io.pinsim.runtime.explore.ScheduleRun;
import io.pinsim.runtime.explore.Search;
import java.util.Objects;
import java.util.Optional;

/**
 * How a test explores the interleavings of its threads, and what it explored: a preemption bound
 * (CHESS's iterative context bounding), PCT (random priorities with {@code depth - 1} change
 * points, seeded by the explorer's kernel seed), or exactly one schedule to replay. The JUnit
 * extension makes one from {@code @Explore} and passes it to a test that takes an
 * {@code Exploration} parameter and to the scenario's racing steps ({@code forkRacingPin(..)}); it
 * publishes the counts ({@link #schedules()}, {@link #failed()}) as report entries, which the
 * catalogue shows per cell.
 *
 * <pre>{@code
 * Exploration exploration = Exploration.preemptionBounded(3);
 * exploration.assertEverySchedulePasses(explorer);   // a PinsimAssertionError of the check's BugKind, with the smallest failing schedule
 * Exploration.pct(2, 1000).explore(explorer);        // PCT: 1000 runs, bug depth 2, the kernel builder's seed
 * Exploration.replaying("T1*2,T2*6,T1*3").explore(explorer);
 * }</pre>
 *
 * <p>Not thread-safe: one per test.
 */
public final class Exploration {
    private final int preemptions;
    private final int pctDepth;
    private final int pctRuns;
    private final String schedule;
    private long schedules;
    private long failed;
    private int runs;

    private Exploration(int preemptions, int pctDepth, int pctRuns, String schedule) {
        this.preemptions = preemptions;
        this.pctDepth = pctDepth;
        this.pctRuns = pctRuns;
        this.schedule = schedule;
    }

    /**
     * Every schedule with up to {@code preemptions} preemptions, fewest first, with partial-order
     * reduction.
     *
     * @throws IllegalArgumentException for a negative bound
     */
    public static Exploration preemptionBounded(int preemptions) {
        if (preemptions < 0) {
            throw new IllegalArgumentException("preemptionBounded(" + preemptions + "): the preemption bound must be 0 or more");
        }
        return new Exploration(preemptions, 0, 0, "");
    }

    /**
     * PCT (Burckhardt et al. 2010): {@code runs} random schedules, each with random thread
     * priorities and {@code depth - 1} priority change points, drawn from the explorer's kernel
     * seed: the same seed gives the same schedules.
     *
     * @throws IllegalArgumentException for a depth or a number of runs below 1
     */
    public static Exploration pct(int depth, int runs) {
        Search.pct(depth, runs);
        return new Exploration(0, depth, runs, "");
    }

    /**
     * Exactly this schedule ({@code "T1*3,T2*3,T1*4"}), as a failure printed it.
     *
     * @throws IllegalArgumentException for a schedule that does not parse, or an empty one
     */
    public static Exploration replaying(String schedule) {
        Objects.requireNonNull(schedule, "schedule");
        if (schedule.isBlank()) {
            throw new IllegalArgumentException("replaying(\"\"): name the schedule to replay, as a failure printed it (\"T1*3,T2*3,T1*4\")");
        }
        Schedule.parse(schedule);
        return new Exploration(0, 0, 0, schedule);
    }

    /** The schedule to replay, or empty if this explores. */
    public String schedule() {
        return schedule;
    }

    /** The search this explores with (preemption-bounded or PCT); for a replay, the preemption bound 0. */
    public Search search() {
        return pctRuns > 0 ? Search.pct(pctDepth, pctRuns) : Search.preemptionBounded(preemptions);
    }

    /** What this does, in a few words: {@code up to 2 preemptions}, {@code PCT depth 2, 1000 runs}, {@code replaying T1*2,T2}. */
    public String describe() {
        if (!schedule.isEmpty()) {
            return "replaying " + schedule;
        }
        return pctRuns > 0 ? "PCT depth " + pctDepth + ", " + pctRuns + " runs" : "up to " + preemptions + " preemption" + (preemptions == 1 ? "" : "s");
    }

    /** The bound as the racing steps' because: line names it: {@code up to 2 preemption(s)}, {@code with PCT depth 2, 1000 runs}. */
    String bound() {
        return pctRuns > 0 ? "with " + describe() : "up to " + preemptions + " preemption(s)";
    }

    /**
     * Explores the explorer as configured (a replay counts as one schedule), adds the counts, and
     * returns the failing run: the smallest failing schedule, or the replayed one if it failed.
     */
    public Optional<ScheduleRun> explore(Explorer<?> explorer) {
        Objects.requireNonNull(explorer, "explorer");
        if (!schedule.isEmpty()) {
            return Optional.of(replay(explorer)).filter(ScheduleRun::failed);
        }
        Report report = explorer.explore(search());
        count(report);
        return report.smallestFailure();
    }

    /** Replays {@link #schedule()} and counts it; for the DSL's racing steps, which go on from it whether or not it failed. */
    ScheduleRun replay(Explorer<?> explorer) {
        ScheduleRun run = explorer.replay(schedule);
        runs++;
        schedules++;
        failed += run.failed() ? 1 : 0;
        return run;
    }

    /** Adds a report's counts. */
    void count(Report report) {
        runs++;
        schedules += report.schedules();
        failed += report.failures().size();
    }

    /**
     * {@link #explore} and fail as the smallest failing schedule failed: a check that threw a
     * {@link PinsimAssertionError} gives one of the same {@link BugKind} and because: line, its
     * message the schedule, the counts and how to replay it; a deadlock or any other failure gives
     * an {@link AssertionError} with the whole run.
     *
     * @throws PinsimAssertionError if a schedule's check failed with a pinsim assertion
     * @throws AssertionError       if a schedule deadlocked or failed otherwise
     */
    public void assertEverySchedulePasses(Explorer<?> explorer) {
        Optional<ScheduleRun> failure = explore(explorer);
        if (failure.isEmpty()) {
            return;
        }
        ScheduleRun run = failure.get();
        String message = "schedule " + run.schedule() + " of " + schedules + " explored (" + describe() + ", " + failed + " failed) fails; replay it with "
                + "@Explore(schedule = \"" + run.schedule() + "\") or Exploration.replaying(\"" + run.schedule() + "\")\n" + run.render();
        if (run.cause().orElse(null) instanceof PinsimAssertionError e) {
            throw new PinsimAssertionError(e.kind(), message, e.because() + "; in schedule " + run.schedule());
        }
        throw new AssertionError(message, run.cause().orElse(null));
    }

    /** Whether anything was explored or replayed. */
    public boolean ran() {
        return runs > 0;
    }

    /** The schedules explored (or replayed) so far, over every exploration. */
    public long schedules() {
        return schedules;
    }

    /** The schedules that failed so far, over every exploration. */
    public long failed() {
        return failed;
    }

    @Override
    public String toString() {
        return "Exploration(" + describe() + (ran() ? ": " + schedules + " explored, " + failed + " failed" : "") + ")";
    }
}
