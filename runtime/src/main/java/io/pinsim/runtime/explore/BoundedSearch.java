package io.pinsim.runtime.explore;

import io.pinsim.runtime.Footprint;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Stateless depth-first search of the schedules with iterative preemption bounding (CHESS) and
 * sleep-set partial-order reduction (Godefroid). Round c explores, depth first, every schedule
 * with at most c preemptions and checks those with exactly c (the others were checked in an
 * earlier round); going back to a branch point replays its prefix on a fresh kernel.
 *
 * <p>At each state the thread that ran last goes first (continuing it costs no preemption), then
 * the others in thread order. A sleep set holds the steps of earlier siblings whose exploration
 * already covered the schedules that would run them next: a step in the sleep set is not taken
 * until a step that conflicts with it runs. Sleep sets and a preemption bound do not combine
 * naively (Coons, Musuvathi, McKinley, OOPSLA 2013): moving the sleeping step t of thread T to the
 * front of a schedule w gives an equivalent w' that may need more preemptions than w, so w' may lie
 * outside the bound. Taking sibling b after sibling t at state s (last thread L) changes the
 * preemptions of every such w' by d = pre(L-&gt;T at s) + [T can still run after t] -
 * pre(L-&gt;B at s), the same for every continuation; so t goes to sleep only where d &lt;= 0,
 * which keeps every equivalence class that has a member within the bound (with no bound, always).
 */
final class BoundedSearch<S> {
    private final Explorer<S> explorer;
    private final Search search;
    private final boolean reduction;
    private final boolean iterative;
    private final List<Report.Failure> failures = new ArrayList<>();
    private final List<Report.Round> rounds = new ArrayList<>();
    private long schedules;
    private long executions;
    private long steps;
    private long pruned;
    private long firstFailureAt;
    private boolean cutByBound;
    private boolean limitReached;
    private String subject;

    BoundedSearch(Explorer<S> explorer, Search search) {
        this.explorer = explorer;
        this.search = search;
        this.reduction = search.reduction() && explorer.stepChecks().isEmpty();
        this.iterative = search.bound() != Search.UNBOUNDED;
    }

    /** A state on the current path and the choices made there. */
    private static final class Node {
        final int last;
        final boolean lastEnabled;
        final int preemptions;
        /** The threads that can run here, in the order they are tried. */
        final int[] order;
        /** Per choice, once taken: its step's effective footprint, and whether its thread could still run after it. */
        final Footprint[] footprints;
        final boolean[] enabledAfter;
        final boolean[] taken;
        final int[] sleepThreads;
        final Footprint[] sleepFootprints;
        int cursor;
        int current = -1;

        Node(int last, boolean lastEnabled, int preemptions, int[] order, int[] sleepThreads, Footprint[] sleepFootprints) {
            this.last = last;
            this.lastEnabled = lastEnabled;
            this.preemptions = preemptions;
            this.order = order;
            this.footprints = new Footprint[order.length];
            this.enabledAfter = new boolean[order.length];
            this.taken = new boolean[order.length];
            this.sleepThreads = sleepThreads;
            this.sleepFootprints = sleepFootprints;
        }

        /** Whether running thread t here is a preemption. */
        int cost(int t) {
            return last >= 0 && last != t && lastEnabled ? 1 : 0;
        }

        boolean asleep(int t) {
            for (int s : sleepThreads) {
                if (s == t) {
                    return true;
                }
            }
            return false;
        }

        int thread() {
            return order[current];
        }

        Footprint footprint() {
            return footprints[current];
        }
    }

    Report run() {
        int bound = iterative ? 0 : Search.UNBOUNDED;
        String stopped;
        while (true) {
            long s0 = schedules;
            long f0 = failures.size();
            long p0 = pruned;
            cutByBound = false;
            round(bound);
            rounds.add(new Report.Round(bound, schedules - s0, failures.size() - f0, pruned - p0));
            if (limitReached) {
                stopped = "stopped at the limit of " + Search.plural(search.maxSchedules(), "schedule");
                break;
            }
            if (!cutByBound) {
                stopped = iterative ? "complete: no schedule needs more than " + Search.plural(bound, "preemption") : "complete: every schedule explored";
                break;
            }
            if (!failures.isEmpty() && !search.isExhaustive()) {
                stopped = "stopped after " + Search.plural(bound, "preemption") + ": a schedule failed (exhaustive() goes on to the bound)";
                break;
            }
            if (bound == search.bound()) {
                stopped = "explored every schedule with up to " + Search.plural(bound, "preemption");
                break;
            }
            bound++;
        }
        ScheduleRun run = Execution.replaySmallest(explorer, failures);
        String foundBy = run == null ? null
                : (iterative ? "preemption-bounded search at bound " + run.preemptions() : "unbounded search") + (reduction ? " with sleep sets" : "")
                        + ", first failure at schedule " + firstFailureAt + " of " + schedules;
        Report.Counts counts = new Report.Counts(schedules, schedules, executions, steps, pruned);
        String how = search.reduction() && !reduction ? search.withoutReduction() + " (a check after every step turns the reduction off)" : search.toString();
        return new Report(subject, search, how, rounds, stopped, counts, failures, run, foundBy);
    }

    private Execution<S> fresh() {
        executions++;
        Execution<S> ex = new Execution<>(explorer, false);
        if (subject == null) {
            subject = ex.subject();
        }
        return ex;
    }

    private void round(int bound) {
        List<Node> stack = new ArrayList<>();
        Execution<S> ex = fresh();
        if (ex.terminal()) {
            leaf(ex, stack, 0, bound);
            return;
        }
        stack.add(expand(ex, -1, 0, new int[0], new Footprint[0]));
        boolean atTop = true;
        while (!stack.isEmpty() && !limitReached) {
            Node node = stack.get(stack.size() - 1);
            int i = next(node, bound);
            if (i < 0) {
                stack.remove(stack.size() - 1);
                atTop = false;
                continue;
            }
            if (!atTop) {
                ex = replay(stack);
            }
            int t = node.order[i];
            Footprint fp = ex.footprint(t);
            boolean started = ex.step(t);
            steps++;
            node.footprints[i] = started ? Footprint.ALL : fp;
            node.enabledAfter[i] = ex.enabled(t);
            node.taken[i] = true;
            node.current = i;
            int p = node.preemptions + node.cost(t);
            if (ex.terminal()) {
                leaf(ex, stack, p, bound);
                atTop = false;
                continue;
            }
            stack.add(reduction ? child(ex, node, i, p) : expand(ex, t, p, new int[0], new Footprint[0]));
            atTop = true;
        }
    }

    /** The next choice at this node within the bound and not asleep, or -1. */
    private int next(Node node, int bound) {
        while (node.cursor < node.order.length) {
            int i = node.cursor++;
            int t = node.order[i];
            if (iterative && node.preemptions + node.cost(t) > bound) {
                cutByBound = true;
                continue;
            }
            if (node.asleep(t)) {
                pruned++;
                continue;
            }
            return i;
        }
        return -1;
    }

    /** The state after choice i at node, with its sleep set. */
    private Node child(Execution<S> ex, Node node, int i, int p) {
        int b = node.order[i];
        Footprint fb = node.footprints[i];
        int max = node.sleepThreads.length + i;
        int[] threads = new int[max];
        Footprint[] fps = new Footprint[max];
        int k = 0;
        for (int s = 0; s < node.sleepThreads.length; s++) {
            if (node.sleepThreads[s] != b && !node.sleepFootprints[s].conflictsWith(fb)) {
                threads[k] = node.sleepThreads[s];
                fps[k++] = node.sleepFootprints[s];
            }
        }
        for (int j = 0; j < i; j++) {
            if (!node.taken[j] || node.footprints[j].conflictsWith(fb)) {
                continue;
            }
            int t = node.order[j];
            int d = node.cost(t) + (node.enabledAfter[j] ? 1 : 0) - node.cost(b);
            if (!iterative || d <= 0) {
                threads[k] = t;
                fps[k++] = node.footprints[j];
            }
        }
        return expand(ex, b, p, Arrays.copyOf(threads, k), Arrays.copyOf(fps, k));
    }

    /** A node for the execution's current state: the threads that can run, the last one first. */
    private static <S> Node expand(Execution<S> ex, int last, int p, int[] sleepThreads, Footprint[] sleepFootprints) {
        int n = ex.threads();
        int[] order = new int[n];
        int k = 0;
        boolean lastEnabled = last >= 0 && ex.enabled(last);
        if (lastEnabled) {
            order[k++] = last;
        }
        for (int t = 0; t < n; t++) {
            if (t != last && ex.enabled(t)) {
                order[k++] = t;
            }
        }
        return new Node(last, lastEnabled, p, k == n ? order : Arrays.copyOf(order, k), sleepThreads, sleepFootprints);
    }

    /** A fresh execution brought to the state of the top of the stack by the choices below it. */
    private Execution<S> replay(List<Node> stack) {
        Execution<S> ex = fresh();
        for (int k = 0; k < stack.size() - 1; k++) {
            ex.step(stack.get(k).thread());
            steps++;
        }
        Node top = stack.get(stack.size() - 1);
        for (int t : top.order) {
            if (!ex.enabled(t) || ex.terminal()) {
                throw new IllegalStateException("replaying the prefix " + prefix(stack, stack.size() - 1) + " reached another state than the first time (T" + (t + 1)
                        + " cannot run): the setup, an operation or a check is not deterministic (it must depend on nothing but the kernel it is given)");
            }
        }
        return ex;
    }

    private static Schedule prefix(List<Node> stack, int length) {
        int[] threads = new int[length];
        for (int k = 0; k < length; k++) {
            threads[k] = stack.get(k).thread();
        }
        return Schedule.of(threads);
    }

    /** A schedule ended at a terminal state reached with p preemptions. */
    private void leaf(Execution<S> ex, List<Node> stack, int p, int bound) {
        if (iterative && p < bound) {
            return;
        }
        ex.finish();
        schedules++;
        if (ex.outcome() != ScheduleRun.Outcome.PASSED) {
            if (failures.isEmpty()) {
                firstFailureAt = schedules;
            }
            int n = stack.size();
            int[] threads = new int[n];
            Footprint[] fps = new Footprint[n];
            for (int k = 0; k < n; k++) {
                threads[k] = stack.get(k).thread();
                fps[k] = stack.get(k).footprint();
            }
            failures.add(new Report.Failure(Schedule.of(threads), p, ex.outcome(), ex.failure(), NormalForm.of(threads, fps)));
        }
        if (schedules >= search.maxSchedules()) {
            limitReached = true;
        }
    }
}
