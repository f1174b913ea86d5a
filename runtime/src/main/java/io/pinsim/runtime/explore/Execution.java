package io.pinsim.runtime.explore;

import io.pinsim.runtime.Footprint;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.KernelBugException;
import io.pinsim.runtime.Steppable;
import io.pinsim.runtime.trace.TraceEvent;
import io.pinsim.runtime.trace.TraceKind;
import java.util.ArrayList;
import java.util.List;

/**
 * One schedule in progress: a fresh kernel, the setup's state, and per thread the operation it is
 * in and that operation's steppable. The searches drive it step by step; a recording run also keeps
 * the trace table that {@link ScheduleRun} renders.
 */
final class Execution<S> {
    /** A schedule this long has an operation that never finishes. */
    static final int MAX_STEPS = 10_000;

    private final Explorer<S> explorer;
    private final List<Explorer.ThreadSpec<S>> specs;
    private final Kernel kernel;
    private final S state;
    private final int n;
    private final Steppable[] current;
    private final int[] opIndex;
    private final String[] actors;
    private int last = -1;
    private int preemptions;
    private int steps;
    private ScheduleRun.Outcome outcome;
    private String failure;
    private Throwable cause;
    private final boolean record;
    private final List<ScheduleRun.Row> rows;
    private List<TraceEvent> endEvents = List.of();

    Execution(Explorer<S> explorer, boolean record) {
        this.explorer = explorer;
        this.specs = explorer.threads();
        this.record = record;
        this.rows = record ? new ArrayList<>() : null;
        this.n = specs.size();
        this.current = new Steppable[n];
        this.opIndex = new int[n];
        this.actors = new String[n];
        this.kernel = explorer.kernelBuilder().build();
        try {
            this.state = explorer.setup().apply(kernel);
        } catch (RuntimeException | AssertionError e) {
            throw new IllegalStateException("the explorer's setup failed (it runs on a fresh kernel before every schedule): " + e, e);
        }
        for (int t = 0; t < n; t++) {
            if (outcome == null) {
                startOp(t);
            }
            actors[t] = current[t] != null ? current[t].actor() : specs.get(t).name();
        }
    }

    /** Replays one schedule with recording, strictly: every named thread must be able to run. */
    static <S> ScheduleRun replay(Explorer<S> explorer, Schedule schedule, String text) {
        Execution<S> ex = new Execution<>(explorer, true);
        for (int i = 0; i < schedule.length(); i++) {
            int t = schedule.thread(i);
            if (t >= ex.n) {
                throw new IllegalArgumentException("schedule \"" + text + "\" names T" + (t + 1) + " but the explorer has " + Search.plural(ex.n, "thread"));
            }
            if (ex.outcome != null) {
                throw new IllegalArgumentException("schedule \"" + text + "\" goes on after step " + i + ", where the run already ended: " + ex.failure);
            }
            if (!ex.enabled(t)) {
                throw new IllegalArgumentException("schedule \"" + text + "\": T" + (t + 1) + " cannot run step " + (i + 1) + ": "
                        + (ex.current[t] == null ? "it is done" : "it is blocked (" + ex.current[t].nextStep() + ")") + "; threads that can run: " + ex.runnable());
            }
            ex.step(t);
        }
        if (!ex.terminal()) {
            throw new IllegalArgumentException("schedule \"" + text + "\" ends after " + Search.plural(schedule.length(), "step") + " but " + ex.runnable()
                    + " can still run: a schedule names every step until every thread is done");
        }
        ex.finish();
        return ex.toRun(schedule);
    }

    /**
     * Replays the failure with the fewest preemptions, then the fewest steps (the first found among
     * equals), with its trace; null if there is none.
     */
    static <S> ScheduleRun replaySmallest(Explorer<S> explorer, List<Report.Failure> failures) {
        Report.Failure smallest = null;
        for (Report.Failure f : failures) {
            if (smallest == null || f.preemptions() < smallest.preemptions()
                    || (f.preemptions() == smallest.preemptions() && f.schedule().length() < smallest.schedule().length())) {
                smallest = f;
            }
        }
        if (smallest == null) {
            return null;
        }
        ScheduleRun run = replay(explorer, smallest.schedule(), smallest.schedule().toString());
        if (!run.failed()) {
            throw new IllegalStateException("schedule " + smallest.schedule() + " failed while exploring but passed when replayed: the setup, an operation or a check "
                    + "is not deterministic (it must depend on nothing but the kernel it is given)");
        }
        return run;
    }

    private String runnable() {
        List<String> out = new ArrayList<>();
        for (int t = 0; t < n; t++) {
            if (enabled(t)) {
                out.add("T" + (t + 1));
            }
        }
        return out.isEmpty() ? "none" : String.join(", ", out);
    }

    /** Creates the steppable of thread t's current operation, skipping operations that are done at once. */
    private void startOp(int t) {
        List<Op<S>> ops = specs.get(t).ops();
        while (opIndex[t] < ops.size()) {
            Op<S> op = ops.get(opIndex[t]);
            Steppable s;
            try {
                s = op.start(state, specs.get(t).name());
            } catch (RuntimeException | AssertionError e) {
                current[t] = null;
                fail("T" + (t + 1) + " could not start \"" + op.name() + "\": " + describe(e), e);
                return;
            }
            if (!s.isDone()) {
                current[t] = s;
                return;
            }
            opIndex[t]++;
        }
        current[t] = null;
    }

    int threads() {
        return n;
    }

    Kernel kernel() {
        return kernel;
    }

    /** Whether thread t has operations left and its next step does not wait. */
    boolean enabled(int t) {
        Steppable s = current[t];
        return s != null && !s.isBlocked();
    }

    /** What thread t's next step touches (it must have one). */
    Footprint footprint(int t) {
        return current[t].nextFootprint();
    }

    /** The thread that ran the last step, or -1. */
    int lastThread() {
        return last;
    }

    int preemptions() {
        return preemptions;
    }

    int steps() {
        return steps;
    }

    /**
     * Runs thread t's next step. Returns whether the step also started the thread's next operation
     * with a steppable whose creation may read the state: then the step touched more than its
     * footprint says.
     */
    boolean step(int t) {
        Steppable s = current[t];
        boolean preempted = last >= 0 && last != t && enabled(last);
        if (preempted) {
            preemptions++;
        }
        String text = record ? s.nextStep() : null;
        int before = record ? kernel.trace().events().size() : 0;
        last = t;
        steps++;
        boolean started = false;
        try {
            s.step();
            if (s.isDone()) {
                opIndex[t]++;
                List<Op<S>> ops = specs.get(t).ops();
                started = opIndex[t] < ops.size() && !ops.get(opIndex[t]).startsPurely();
                startOp(t);
            }
        } catch (RuntimeException | AssertionError e) {
            fail("T" + (t + 1) + " (" + specs.get(t).name() + ") failed in step " + steps + (text != null ? " \"" + text + "\"" : "") + ": " + describe(e), e);
        }
        if (record) {
            rows.add(new ScheduleRun.Row(steps, t, text, preempted, events(before, text)));
        }
        if (outcome == null && steps >= MAX_STEPS) {
            fail("the schedule ran " + steps + " steps: an operation seems never to finish (T" + (t + 1) + " is in \"" + specs.get(t).ops().get(Math.min(opIndex[t], specs.get(t).ops().size() - 1)).name()
                    + "\", whose Steppable does not report isDone())", null);
        }
        if (outcome == null && !explorer.stepChecks().isEmpty()) {
            runChecks(explorer.stepChecks(), " after step " + steps);
        }
        return started;
    }

    private List<TraceEvent> events(int from, String stepText) {
        List<TraceEvent> all = kernel.trace().events();
        List<TraceEvent> out = new ArrayList<>();
        for (int i = from; i < all.size(); i++) {
            TraceEvent e = all.get(i);
            if (!(e.kind() == TraceKind.CALL && e.message().equals(stepText))) {
                out.add(e);
            }
        }
        return out;
    }

    /** Whether the schedule is over: it failed, every thread is done, or none can run (a deadlock). */
    boolean terminal() {
        if (outcome != null) {
            return true;
        }
        for (int t = 0; t < n; t++) {
            if (enabled(t)) {
                return false;
            }
        }
        return true;
    }

    /** At a terminal state: runs the end checks, or reports the deadlock. */
    void finish() {
        if (outcome != null) {
            return;
        }
        for (int t = 0; t < n; t++) {
            if (current[t] != null) {
                outcome = ScheduleRun.Outcome.DEADLOCK;
                failure = WaitForGraph.describe(specs, actors, current);
                return;
            }
        }
        int before = record ? kernel.trace().events().size() : 0;
        if (explorer.invariantsAtEnd()) {
            attempt("kernel invariants", kernel::checkInvariants);
        }
        if (outcome == null && explorer.noLeaksAtEnd()) {
            attempt("no leaks", kernel::checkNoLeaks);
        }
        if (outcome == null) {
            runChecks(explorer.checks(), "");
        }
        if (outcome == null) {
            outcome = ScheduleRun.Outcome.PASSED;
        }
        if (record) {
            endEvents = events(before, null);
        }
    }

    private void attempt(String what, Runnable check) {
        try {
            check.run();
        } catch (RuntimeException | AssertionError e) {
            fail(what + " failed: " + describe(e), e);
        }
    }

    private void runChecks(List<Explorer.NamedCheck<S>> checks, String when) {
        for (Explorer.NamedCheck<S> c : checks) {
            try {
                c.check().check(kernel, state);
            } catch (Exception | AssertionError e) {
                fail("check \"" + c.name() + "\" failed" + when + ": " + describe(e), e);
                return;
            }
        }
    }

    private void fail(String message, Throwable e) {
        if (outcome == null) {
            outcome = ScheduleRun.Outcome.FAILED;
            failure = message;
            cause = e;
        }
    }

    /** An exception as the report says it: its class and message, a KernelBugException without the trace it appends (the run's table shows it). */
    private static String describe(Throwable e) {
        String m = e instanceof KernelBugException bug ? bug.summary() : e.getMessage();
        return e.getClass().getSimpleName() + (m != null ? ": " + m : "");
    }

    /** What is explored, for the report's first line: the threads, the kernel model and the seed. */
    String subject() {
        List<String> names = new ArrayList<>(n);
        for (int t = 0; t < n; t++) {
            names.add("T" + (t + 1) + " " + specs.get(t).name());
        }
        return Search.plural(n, "thread") + " (" + String.join(", ", names) + ") on " + kernel.model().name() + ", seed " + kernel.seed();
    }

    ScheduleRun.Outcome outcome() {
        return outcome;
    }

    String failure() {
        return failure;
    }

    ScheduleRun toRun(Schedule schedule) {
        List<String> headers = new ArrayList<>(n);
        for (int t = 0; t < n; t++) {
            String name = specs.get(t).name();
            headers.add("T" + (t + 1) + " " + name + (actors[t].equals(name) ? "" : " (" + actors[t] + ")"));
        }
        return new ScheduleRun(schedule, preemptions, outcome, failure, cause, kernel, headers, rows, endEvents);
    }
}
