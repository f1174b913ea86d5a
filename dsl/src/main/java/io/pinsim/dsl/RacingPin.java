package io.pinsim.dsl;

import io.pinsim.runtime.ForkSteps;
import io.pinsim.runtime.Foll;
import io.pinsim.runtime.GupFast;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.Steppable;
import io.pinsim.runtime.Task;
import io.pinsim.runtime.explore.Explorer;
import io.pinsim.runtime.explore.Op;
import io.pinsim.runtime.explore.Report;
import io.pinsim.runtime.explore.Schedule;
import io.pinsim.runtime.explore.ScheduleRun;
import io.pinsim.runtime.explore.Search;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * {@code forkRacingPin(..)}: explores fork() in one thread against pin_user_pages_fast() in another
 * on fresh kernels that redo the chain's steps so far, then runs the schedule it chose on the
 * scenario's own kernel, whose state is the same, so that the chain goes on from it.
 */
final class RacingPin {
    /** The property every schedule is checked for. */
    static final String PROPERTY = "the pin follows the parent after the parent writes";

    /** What the explorer's setup builds on a fresh kernel; the pin operation stores its steppable in {@code pin}. */
    private static final class Race {
        final Process parent;
        final Task t2;
        final Buffer buffer;
        GupFast pin;

        Race(Process parent, Buffer buffer) {
            this.parent = parent;
            this.t2 = parent.spawnThread("T2");
            this.buffer = buffer;
        }
    }

    private RacingPin() {
    }

    /** The run's interleaving table, without the blanks that pad its last column. */
    private static String table(ScheduleRun run) {
        return run.table().lines().map(String::stripTrailing).collect(java.util.stream.Collectors.joining("\n"));
    }

    /** Explores (or replays the configured schedule), then runs the chosen schedule on the scenario's kernel. */
    static void run(ScenarioState state, Process p, Buffer b, DeviceKind device) {
        List<Consumer<Scenario>> replay = List.copyOf(state.replay);
        String child = p.name() + "-child";
        String dev = device.deviceName();
        Explorer<Race> explorer = Explorer.on(Kernel.builder().model(state.kernel.model()).seed(state.kernel.seed()), k -> {
            ScenarioState fresh = new ScenarioState(k);
            Scenario s = new Scenario(fresh);
            replay.forEach(r -> r.accept(s));
            return new Race(fresh.current, fresh.buffer);
        }).thread("fork", Op.steps("fork()", r -> r.parent.mainThread().forkSteps(child)))
                .thread("pin", Op.steps("pin_user_pages_fast()",
                        r -> r.pin = r.t2.pinUserPagesFastSteps(r.buffer.address(), r.buffer.pages(), Foll.WRITE | Foll.LONGTERM, dev)))
                .check(PROPERTY, (k, r) -> {
                    byte[] fill = new byte[(int) r.buffer.length()];
                    Arrays.fill(fill, (byte) 'P');
                    r.parent.write(r.buffer.address(), fill);
                    for (int i = 0; i < r.buffer.pages(); i++) {
                        if (!r.pin.result().isCoherent(i)) {
                            throw new AssertionError("the parent's write moved page " + i + " away from the pin");
                        }
                    }
                });
        String chosen;
        Exploration explore = state.explore;
        if (!explore.schedule().isEmpty()) {
            ScheduleRun one = explore.replay(explorer);
            chosen = explore.schedule();
            state.exploration = "replayed the schedule " + chosen + " of forkRacingPin(" + device + ") (@Explore(schedule = \"" + chosen + "\")): "
                    + one.outcome() + one.failure().map(f -> " (" + f + ")").orElse("") + "\n" + table(one);
        } else {
            Report report = explorer.explore(explore.search());
            explore.count(report);
            String counts = "explored forkRacingPin(" + device + ") on " + state.kernel.model().name() + " " + explore.bound()
                    + ": " + report.schedules() + " schedules, " + report.pruned() + " pruned, " + report.failures().size() + " failed";
            ScheduleRun smallest = report.smallestFailure().orElse(null);
            if (smallest != null) {
                chosen = smallest.schedule().toString();
                state.exploration = counts + "; smallest failing schedule " + chosen + ": " + smallest.failure().orElse("")
                        + "; rerun it with @Explore(schedule = \"" + chosen + "\")\n" + table(smallest);
            } else {
                chosen = null;
                state.exploration = counts + "; none failed \"" + PROPERTY + "\", the chain goes on from the first schedule (fork, then the pin)";
            }
        }
        Task t2 = p.spawnThread("T2");
        ForkSteps fork = p.mainThread().forkSteps(child);
        GupFast gup = t2.pinUserPagesFastSteps(b.address(), b.pages(), Foll.WRITE | Foll.LONGTERM, dev);
        Steppable[] threads = {fork, gup};
        if (chosen != null) {
            Schedule schedule = Schedule.parse(chosen);
            for (int i = 0; i < schedule.length(); i++) {
                threads[schedule.thread(i)].step();
            }
        }
        while (!fork.isDone() || !gup.isDone()) {
            boolean progress = false;
            for (Steppable t : threads) {
                while (!t.isDone() && !t.isBlocked()) {
                    t.step();
                    progress = true;
                }
            }
            if (!progress) {
                throw new IllegalStateException("forkRacingPin: fork() and pin_user_pages_fast() wait for each other after the schedule " + chosen);
            }
        }
        state.parent = p;
        state.child = fork.child();
        state.registration = new ScenarioState.Registration(dev, gup.run(), null, null, 0, null);
    }
}
