package io.pinsim.runtime.explore;

import io.pinsim.runtime.Footprint;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * PCT, probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi, Nagarakatte, ASPLOS
 * 2010). Each run gives the n threads distinct random priorities d .. d+n-1 and picks d-1 random
 * change points among the k steps; it always runs the highest-priority thread that can run, and at
 * the i-th change point lowers the running thread's priority to i. A bug that needs d ordering
 * constraints shows in a run with probability at least 1/(n k^(d-1)). k is the longest run so
 * far, starting from a first run without preemptions. The random choices come from the first
 * kernel's {@code random()}, so from the builder's seed.
 */
final class PctSearch<S> {
    private final Explorer<S> explorer;
    private final Search search;

    PctSearch(Explorer<S> explorer, Search search) {
        this.explorer = explorer;
        this.search = search;
    }

    Report run() {
        int depth = search.bound();
        Execution<S> probe = new Execution<>(explorer, false);
        String subject = probe.subject();
        long seed = probe.kernel().seed();
        SplittableRandom random = probe.kernel().random().split();
        long executions = 1;
        long steps = 0;
        while (!probe.terminal()) {
            probe.step(nonPreemptive(probe));
            steps++;
        }
        int k = Math.max(1, probe.steps());
        List<Report.Failure> failures = new ArrayList<>();
        Set<Schedule> distinct = new HashSet<>();
        long runs = 0;
        String foundBy = null;
        int n = probe.threads();
        while (runs < search.runs() && runs < search.maxSchedules()) {
            SplittableRandom g = random.split();
            int[] priority = new int[n];
            for (int t = 0; t < n; t++) {
                priority[t] = depth + t;
            }
            for (int t = n - 1; t > 0; t--) {
                int j = g.nextInt(t + 1);
                int x = priority[t];
                priority[t] = priority[j];
                priority[j] = x;
            }
            int[] change = new int[depth - 1];
            for (int i = 0; i < change.length; i++) {
                change[i] = 1 + g.nextInt(k);
            }
            Execution<S> ex = new Execution<>(explorer, false);
            executions++;
            runs++;
            List<Integer> threads = new ArrayList<>();
            List<Footprint> fps = new ArrayList<>();
            while (!ex.terminal()) {
                int stepNo = ex.steps() + 1;
                int t = highest(ex, priority);
                for (int i = 0; i < change.length; i++) {
                    if (change[i] == stepNo) {
                        priority[t] = i + 1;
                        t = highest(ex, priority);
                    }
                }
                Footprint fp = ex.footprint(t);
                fps.add(ex.step(t) ? Footprint.ALL : fp);
                threads.add(t);
                steps++;
            }
            k = Math.max(k, ex.steps());
            ex.finish();
            int[] sched = threads.stream().mapToInt(Integer::intValue).toArray();
            Schedule schedule = Schedule.of(sched);
            distinct.add(schedule);
            if (ex.outcome() != ScheduleRun.Outcome.PASSED) {
                if (foundBy == null) {
                    foundBy = "PCT (depth " + depth + "), run " + runs + " of " + search.runs() + ", seed " + seed;
                }
                failures.add(new Report.Failure(schedule, ex.preemptions(), ex.outcome(), ex.failure(), NormalForm.of(sched, fps.toArray(new Footprint[0]))));
                if (!search.isExhaustive()) {
                    break;
                }
            }
        }
        ScheduleRun run = Execution.replaySmallest(explorer, failures);
        String stopped = !failures.isEmpty() && !search.isExhaustive() ? "stopped at the first failing run (exhaustive() runs them all)"
                : "ran " + Search.plural(runs, "run") + (runs < search.runs() ? " (the limit)" : "") + " with up to " + Search.plural(depth - 1, "priority change point") + " over about "
                        + Search.plural(k, "step");
        Report.Counts counts = new Report.Counts(runs, distinct.size(), executions, steps, 0);
        return new Report(subject, search, search.toString(), List.of(), stopped, counts, failures, run, foundBy);
    }

    /** The thread that ran last if it can still run, else the first that can: no preemption. */
    private static int nonPreemptive(Execution<?> ex) {
        int last = ex.lastThread();
        if (last >= 0 && ex.enabled(last)) {
            return last;
        }
        for (int t = 0; t < ex.threads(); t++) {
            if (ex.enabled(t)) {
                return t;
            }
        }
        throw new IllegalStateException("no thread can run");
    }

    /** The thread with the highest priority among those that can run. */
    private static int highest(Execution<?> ex, int[] priority) {
        int best = -1;
        for (int t = 0; t < ex.threads(); t++) {
            if (ex.enabled(t) && (best < 0 || priority[t] > priority[best])) {
                best = t;
            }
        }
        return best;
    }
}
