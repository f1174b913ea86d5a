package io.pinsim.runtime.explore;

import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.trace.TraceEvent;
import java.util.List;
import java.util.Optional;

/**
 * One schedule run to its end with its trace recorded: what {@link Explorer#replay} returns and
 * what {@link Report#smallestFailure()} shows. {@link #render()} prints the outcome, the
 * interleaving as a table with a column per thread and a row per step (each step's
 * {@code nextStep()} text, Lincheck-style), and what the kernel did in each step.
 */
public final class ScheduleRun {
    /** How a schedule ended. */
    public enum Outcome {
        /** Every thread finished and every check held. */
        PASSED,
        /** A check failed, or a step threw (a kernel BUG, an errno, a misuse). */
        FAILED,
        /** No thread could run while some were not done: they wait for each other. */
        DEADLOCK
    }

    /** One step of the table: its number (from 1), its thread (from 0), its text, whether it preempted, the kernel's events. */
    record Row(int step, int thread, String text, boolean preempted, List<TraceEvent> events) {
    }

    private final Schedule schedule;
    private final int preemptions;
    private final Outcome outcome;
    private final String failure;
    private final Throwable cause;
    private final Kernel kernel;
    private final List<String> headers;
    private final List<Row> rows;
    private final List<TraceEvent> endEvents;

    ScheduleRun(Schedule schedule, int preemptions, Outcome outcome, String failure, Throwable cause, Kernel kernel, List<String> headers, List<Row> rows,
            List<TraceEvent> endEvents) {
        this.schedule = schedule;
        this.preemptions = preemptions;
        this.outcome = outcome;
        this.failure = failure;
        this.cause = cause;
        this.kernel = kernel;
        this.headers = List.copyOf(headers);
        this.rows = List.copyOf(rows);
        this.endEvents = List.copyOf(endEvents);
    }

    /** The schedule that ran. */
    public Schedule schedule() {
        return schedule;
    }

    /** How many switches away from a thread that could still run the schedule makes. */
    public int preemptions() {
        return preemptions;
    }

    /** The number of steps. */
    public int length() {
        return schedule.length();
    }

    /** Whether the schedule passed, failed its checks or deadlocked. */
    public Outcome outcome() {
        return outcome;
    }

    /** Whether a check failed, a step threw, or the threads deadlocked. */
    public boolean failed() {
        return outcome != Outcome.PASSED;
    }

    /** What failed, in a sentence (for a deadlock: the wait-for graph); empty if the schedule passed. */
    public Optional<String> failure() {
        return Optional.ofNullable(failure);
    }

    /** The exception a check or a step threw, if one did. */
    public Optional<Throwable> cause() {
        return Optional.ofNullable(cause);
    }

    /** The kernel in the state the schedule left it (after the checks), with its whole trace. */
    public Kernel kernel() {
        return kernel;
    }

    /** The interleaving: a column per thread, a row per step; {@code *} marks a preemption. */
    public String table() {
        int[] width = new int[headers.size()];
        for (int t = 0; t < width.length; t++) {
            width[t] = headers.get(t).length();
        }
        for (Row r : rows) {
            width[r.thread()] = Math.max(width[r.thread()], r.text().length());
        }
        StringBuilder sb = new StringBuilder(" step ");
        StringBuilder rule = new StringBuilder("------");
        for (int t = 0; t < width.length; t++) {
            sb.append("| ").append(pad(headers.get(t), width[t])).append(' ');
            rule.append('+').append("-".repeat(width[t] + 2));
        }
        sb.append('\n').append(rule).append('\n');
        for (Row r : rows) {
            sb.append(String.format("%5d", r.step())).append(r.preempted() ? '*' : ' ');
            for (int t = 0; t < width.length; t++) {
                sb.append("| ").append(pad(t == r.thread() ? r.text() : "", width[t])).append(' ');
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private static String pad(String s, int width) {
        return s.length() >= width ? s : s + " ".repeat(width - s.length());
    }

    /** The outcome, the failure, the table and what the kernel did in each step and in the checks. */
    public String render() {
        StringBuilder sb = new StringBuilder();
        sb.append("schedule ").append(schedule).append(": ").append(Search.plural(preemptions, "preemption")).append(", ")
                .append(Search.plural(length(), "step")).append(": ").append(outcome).append('\n');
        if (failure != null) {
            sb.append(failure).append('\n');
        }
        sb.append(failed() ? "The following interleaving leads to the failure" : "The interleaving")
                .append(" (* marks a preemption: a switch away from a thread that could still run):\n");
        sb.append(table());
        sb.append("What the kernel did in each step (#: the kernel trace's own step, setup included, as its messages cite it):\n");
        for (Row r : rows) {
            for (TraceEvent e : r.events()) {
                sb.append(String.format("%5d  %-7s %-9s %s%n", r.step(), "T" + (r.thread() + 1) + " #" + e.step(), e.kind(), e.message()));
            }
        }
        for (TraceEvent e : endEvents) {
            sb.append(String.format("  end  %-7s %-9s %s: %s%n", "#" + e.step(), e.kind(), e.actor(), e.message()));
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return render();
    }
}
