package io.pinsim.runtime.explore;

import io.pinsim.runtime.Kernel;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * Explores the interleavings of several threads of kernel operations: a setup that runs on a fresh
 * kernel, threads that each run a list of {@link Op}s step by step, and {@link Check}s of the state
 * every schedule reaches. Each schedule replays from scratch (stateless): a new kernel from the
 * builder, the setup, then the steps in the schedule's order; so the same builder (and seed) gives
 * the same schedules, reports and traces, byte for byte.
 *
 * <pre>{@code
 * Explorer<Race> explorer = Explorer.on(Kernel.builder().model(KernelModel.LINUX_5_8), Race::new)
 *         .thread("fork", Op.steps("fork()", r -> r.a.mainThread().forkSteps("B")))
 *         .thread("pin", Op.steps("pin_user_pages_fast()", r -> r.pin = r.t2.pinUserPagesFastSteps(r.buf, 1, Foll.WRITE | Foll.LONGTERM, "rdma0")))
 *         .check("the pin follows the parent", Race::pinFollowsTheParent);
 * Report report = explorer.explore(Search.preemptionBounded(2));
 * ScheduleRun again = explorer.replay(report.smallestFailure().orElseThrow().schedule().toString());
 * }</pre>
 *
 * <p>Configure it before exploring; the builder is built once per schedule, so do not change it
 * while an exploration runs. An explorer is not thread-safe; explorers share nothing.
 *
 * @param <S> what the setup returns and the operations and checks use: the processes, addresses
 *            and handles of the scenario, and the results the operations store
 */
public final class Explorer<S> {
    /** A thread: its name and its operations. */
    record ThreadSpec<S>(String name, List<Op<S>> ops) {
    }

    /** A named check. */
    record NamedCheck<S>(String name, Check<S> check) {
    }

    private final Kernel.Builder kernel;
    private final Function<Kernel, S> setup;
    private final List<ThreadSpec<S>> threads = new ArrayList<>();
    private final List<NamedCheck<S>> checks = new ArrayList<>();
    private final List<NamedCheck<S>> stepChecks = new ArrayList<>();
    private boolean invariants;
    private boolean noLeaks;

    private Explorer(Kernel.Builder kernel, Function<Kernel, S> setup) {
        this.kernel = Objects.requireNonNull(kernel, "kernel builder");
        this.setup = Objects.requireNonNull(setup, "setup");
    }

    /**
     * An explorer whose every schedule starts from {@code kernel.build()} and then {@code setup} on
     * that kernel: spawn the processes, map and write the memory, start the threads.
     */
    public static <S> Explorer<S> on(Kernel.Builder kernel, Function<Kernel, S> setup) {
        return new Explorer<>(kernel, setup);
    }

    /**
     * Adds a thread that runs these operations in order; threads are {@code T1}, {@code T2}, ... in
     * the order they are added, and {@code name} heads the thread's column in the trace table.
     */
    @SafeVarargs
    public final Explorer<S> thread(String name, Op<S>... ops) {
        Objects.requireNonNull(name, "name");
        if (ops.length == 0) {
            throw new IllegalArgumentException("thread \"" + name + "\" needs at least one operation");
        }
        for (Op<S> op : ops) {
            Objects.requireNonNull(op, "operation of thread \"" + name + "\"");
        }
        threads.add(new ThreadSpec<>(name, List.of(ops)));
        return this;
    }

    /** Checks a property of the state at the end of every schedule, once every thread is done. */
    public Explorer<S> check(String name, Check<S> check) {
        checks.add(new NamedCheck<>(Objects.requireNonNull(name, "name"), Objects.requireNonNull(check, "check")));
        return this;
    }

    /**
     * Checks a property after every step. Partial-order reduction keeps the states at the end of
     * schedules but skips intermediate ones, so an explorer with such a check explores without it.
     */
    public Explorer<S> checkAfterEveryStep(String name, Check<S> check) {
        stepChecks.add(new NamedCheck<>(Objects.requireNonNull(name, "name"), Objects.requireNonNull(check, "check")));
        return this;
    }

    /** Also runs {@link Kernel#checkInvariants()} (every frame, every address space) at the end of every schedule. */
    public Explorer<S> checkInvariants() {
        this.invariants = true;
        return this;
    }

    /** Also runs {@link Kernel#checkNoLeaks()} (the model's kmemleak) at the end of every schedule. */
    public Explorer<S> checkNoLeaks() {
        this.noLeaks = true;
        return this;
    }

    /** Explores the schedules as {@code search} says and reports what it found. */
    public Report explore(Search search) {
        Objects.requireNonNull(search, "search");
        requireThreads();
        return search.kind() == Search.Kind.PCT ? new PctSearch<>(this, search).run() : new BoundedSearch<>(this, search).run();
    }

    /**
     * Runs exactly one schedule, as {@link Report} printed it ({@code T2,T1*3,T2,T1,T2,T1*6}), on a
     * fresh kernel, and records its trace table: the same schedule gives the same run, byte for byte.
     *
     * @throws IllegalArgumentException if the schedule names a thread that does not exist or cannot
     *                                  run at that step, or ends while a thread can still run
     */
    public ScheduleRun replay(String schedule) {
        requireThreads();
        return Execution.replay(this, Schedule.parse(schedule), schedule);
    }

    private void requireThreads() {
        if (threads.isEmpty()) {
            throw new IllegalStateException("nothing to explore: add threads with thread(name, ops...)");
        }
    }

    Kernel.Builder kernelBuilder() {
        return kernel;
    }

    Function<Kernel, S> setup() {
        return setup;
    }

    List<ThreadSpec<S>> threads() {
        return threads;
    }

    List<NamedCheck<S>> checks() {
        return checks;
    }

    List<NamedCheck<S>> stepChecks() {
        return stepChecks;
    }

    boolean invariantsAtEnd() {
        return invariants;
    }

    boolean noLeaksAtEnd() {
        return noLeaks;
    }
}
