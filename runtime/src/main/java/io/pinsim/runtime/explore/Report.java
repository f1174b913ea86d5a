package io.pinsim.runtime.explore;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What an exploration did and found: how many schedules it checked, how many the partial-order
 * reduction pruned, every failing schedule, and the smallest one (fewest preemptions, then fewest
 * steps) replayed with its trace table. {@link #render()} prints it all; it contains no time, so
 * the same explorer and seed give the same report, byte for byte.
 */
public final class Report {
    /**
     * A failing schedule.
     *
     * @param schedule         the schedule, replayable with {@link Explorer#replay}
     * @param preemptions      its preemptions
     * @param outcome          FAILED or DEADLOCK
     * @param message          what failed
     * @param equivalenceClass its class of equivalent schedules (those that only reorder steps with
     *                         disjoint footprints), named by its least member in thread order (the
     *                         lexicographic normal form)
     */
    public record Failure(Schedule schedule, int preemptions, ScheduleRun.Outcome outcome, String message, Schedule equivalenceClass) {
    }

    /**
     * One round of the preemption-bounded search: the schedules with exactly {@code bound}
     * preemptions (every schedule in an unbounded search).
     *
     * @param bound     the preemption bound of the round
     * @param schedules the schedules checked in it
     * @param failed    those that failed
     * @param pruned    the branches sleep sets cut in it: each would only have reordered steps with
     *                  disjoint footprints of a schedule explored elsewhere
     */
    public record Round(int bound, long schedules, long failed, long pruned) {
    }

    /** What the search counted. */
    record Counts(long schedules, long distinct, long executions, long steps, long pruned) {
    }

    private final String subject;
    private final Search search;
    private final String how;
    private final List<Round> rounds;
    private final String stopped;
    private final Counts counts;
    private final List<Failure> failures;
    private final ScheduleRun smallest;
    private final String foundBy;

    Report(String subject, Search search, String how, List<Round> rounds, String stopped, Counts counts, List<Failure> failures, ScheduleRun smallest, String foundBy) {
        this.subject = subject;
        this.search = search;
        this.how = how;
        this.rounds = List.copyOf(rounds);
        this.stopped = stopped;
        this.counts = counts;
        this.failures = List.copyOf(failures);
        this.smallest = smallest;
        this.foundBy = foundBy;
    }

    /** The search that produced this report. */
    public Search search() {
        return search;
    }

    /** The schedules checked (each once: the rounds of a bounded search count disjoint schedules). */
    public long schedules() {
        return counts.schedules();
    }

    /** The different schedules among them (PCT may draw one twice). */
    public long distinctSchedules() {
        return counts.distinct();
    }

    /** The fresh kernels built: one per schedule, plus the replays of prefixes a depth-first search backtracks to. */
    public long executions() {
        return counts.executions();
    }

    /** The steps run, replays included. */
    public long steps() {
        return counts.steps();
    }

    /** The branches the partial-order reduction (sleep sets) cut. */
    public long pruned() {
        return counts.pruned();
    }

    /** The failing schedules, in the order they were found. */
    public List<Failure> failures() {
        return failures;
    }

    /** The number of classes of equivalent schedules among the failures. */
    public long failingClasses() {
        Set<Schedule> classes = new HashSet<>();
        for (Failure f : failures) {
            classes.add(f.equivalenceClass());
        }
        return classes.size();
    }

    /** The rounds of a preemption-bounded search; empty for PCT. */
    public List<Round> rounds() {
        return rounds;
    }

    /** Why the search stopped. */
    public String stopReason() {
        return stopped;
    }

    /** Whether every schedule passed. */
    public boolean passed() {
        return failures.isEmpty();
    }

    /** The failing schedule with the fewest preemptions, then the fewest steps, replayed with its trace. */
    public Optional<ScheduleRun> smallestFailure() {
        return Optional.ofNullable(smallest);
    }

    /** Which mode found the first failure, with its bound: {@code preemption-bounded search at bound 1}, {@code PCT (depth 2), run 17 of 1000, seed 0}. */
    public Optional<String> foundBy() {
        return Optional.ofNullable(foundBy);
    }

    /**
     * Returns this report if every schedule passed; otherwise throws an {@link AssertionError} whose
     * message is {@link #render()}.
     */
    public Report assertPassed() {
        if (!passed()) {
            throw new AssertionError(render());
        }
        return this;
    }

    /** The whole report: what was explored, how, the counts, and the smallest failing schedule with its trace table. */
    public String render() {
        StringBuilder sb = new StringBuilder();
        sb.append("explored ").append(subject).append('\n');
        sb.append("search: ").append(how).append('\n');
        for (Round r : rounds) {
            sb.append("  ").append(r.bound() == Search.UNBOUNDED ? "all schedules" : Search.plural(r.bound(), "preemption")).append(": ")
                    .append(Search.plural(r.schedules(), "schedule")).append(", ").append(r.failed()).append(" failed, ")
                    .append(r.pruned()).append(" pruned by sleep sets\n");
        }
        sb.append(stopped).append('\n');
        sb.append("total: ").append(Search.plural(counts.schedules(), "schedule"));
        if (counts.distinct() != counts.schedules()) {
            sb.append(" (").append(counts.distinct()).append(" different)");
        }
        sb.append(", ").append(failures.size()).append(" failed");
        if (!failures.isEmpty()) {
            sb.append(" (").append(Search.plural(failingClasses(), "class")).append(" of equivalent schedules)");
        }
        sb.append(", ").append(counts.pruned()).append(" pruned; ").append(Search.plural(counts.executions(), "execution")).append(", ")
                .append(Search.plural(counts.steps(), "step")).append('\n');
        if (smallest == null) {
            sb.append("every schedule passed\n");
            return sb.toString();
        }
        sb.append("found by: ").append(foundBy).append('\n');
        sb.append("smallest failing schedule: ").append(smallest.schedule()).append(" (").append(Search.plural(smallest.preemptions(), "preemption"))
                .append(", ").append(Search.plural(smallest.length(), "step")).append("); replay it with explorer.replay(\"")
                .append(smallest.schedule()).append("\")\n\n");
        sb.append(smallest.render());
        return sb.toString();
    }

    @Override
    public String toString() {
        return render();
    }
}
