package io.pinsim.runtime.explore;

/**
 * How {@link Explorer#explore} searches the schedules: systematically with a preemption bound, or
 * at random with PCT. Immutable; the modifiers return a new search.
 *
 * <ul>
 * <li>{@link #preemptionBounded(int)}: CHESS's iterative preemption bounding (Musuvathi and Qadeer,
 *     PLDI 2007): every schedule with 0 preemptions, then 1, ... up to the bound, depth first, with
 *     sleep-set partial-order reduction (Godefroid 1996) over the steps' footprints. A preemption
 *     is a switch away from a thread that could still run. It stops after the first bound at which a
 *     schedule fails, unless {@link #exhaustive()}.</li>
 * <li>{@link #unbounded()}: every schedule, in one depth-first search with sleep sets.</li>
 * <li>{@link #pct(int, int)}: PCT (Burckhardt, Kothari, Musuvathi, Nagarakatte, ASPLOS 2010): each
 *     run gives the threads random priorities and lowers the running thread's priority at d-1
 *     random steps; a run finds a bug of depth d with probability at least 1/(n k^(d-1)) for n
 *     threads and k steps. The kernel's seed ({@code Kernel.Builder.seed}) drives the choices. It
 *     stops at the first failing run, unless {@link #exhaustive()}.</li>
 * </ul>
 */
public final class Search {
    /** A bound that bounds nothing. */
    static final int UNBOUNDED = Integer.MAX_VALUE;

    enum Kind { PREEMPTION_BOUNDED, PCT }

    private final Kind kind;
    private final int bound;
    private final int runs;
    private final boolean reduction;
    private final boolean exhaustive;
    private final long maxSchedules;

    private Search(Kind kind, int bound, int runs, boolean reduction, boolean exhaustive, long maxSchedules) {
        this.kind = kind;
        this.bound = bound;
        this.runs = runs;
        this.reduction = reduction;
        this.exhaustive = exhaustive;
        this.maxSchedules = maxSchedules;
    }

    /** Every schedule with at most this many preemptions, fewest first, with sleep-set reduction. */
    public static Search preemptionBounded(int maxPreemptions) {
        if (maxPreemptions < 0) {
            throw new IllegalArgumentException("the preemption bound must be 0 or more, was " + maxPreemptions);
        }
        return new Search(Kind.PREEMPTION_BOUNDED, maxPreemptions, 0, true, false, Long.MAX_VALUE);
    }

    /** Every schedule, whatever its preemptions, with sleep-set reduction: for small spaces. */
    public static Search unbounded() {
        return new Search(Kind.PREEMPTION_BOUNDED, UNBOUNDED, 0, true, false, Long.MAX_VALUE);
    }

    /** PCT with bug depth {@code depth} (1 or more: d-1 priority change points per run) for {@code runs} runs. */
    public static Search pct(int depth, int runs) {
        if (depth < 1 || runs < 1) {
            throw new IllegalArgumentException("PCT needs a depth of 1 or more and 1 run or more, was depth " + depth + ", " + runs + " runs");
        }
        return new Search(Kind.PCT, depth, runs, false, false, Long.MAX_VALUE);
    }

    /** The same search without partial-order reduction: every schedule within the bound (to check the reduction, or a footprint). */
    public Search withoutReduction() {
        requireSystematic("withoutReduction()");
        return new Search(kind, bound, runs, false, exhaustive, maxSchedules);
    }

    /** Does not stop at the first failure: explores every bound (or runs every PCT run) and reports every failing schedule. */
    public Search exhaustive() {
        return new Search(kind, bound, runs, reduction, true, maxSchedules);
    }

    /** Stops after this many schedules; the report says so. */
    public Search maxSchedules(long max) {
        if (max < 1) {
            throw new IllegalArgumentException("maxSchedules must be 1 or more, was " + max);
        }
        return new Search(kind, bound, runs, reduction, exhaustive, max);
    }

    private void requireSystematic(String what) {
        if (kind != Kind.PREEMPTION_BOUNDED) {
            throw new IllegalStateException(what + " applies to preemptionBounded(..) and unbounded(), not to PCT, which reduces nothing");
        }
    }

    Kind kind() {
        return kind;
    }

    /** The preemption bound, or the PCT depth. */
    int bound() {
        return bound;
    }

    int runs() {
        return runs;
    }

    boolean reduction() {
        return reduction;
    }

    boolean isExhaustive() {
        return exhaustive;
    }

    long maxSchedules() {
        return maxSchedules;
    }

    /** What the search does, in a line: {@code preemption-bounded search, up to 2 preemptions, sleep-set reduction}. */
    @Override
    public String toString() {
        String what = switch (kind) {
            case PREEMPTION_BOUNDED -> (bound == UNBOUNDED ? "every schedule (no preemption bound)" : "preemption-bounded search, up to " + plural(bound, "preemption"))
                    + (reduction ? ", sleep-set reduction" : ", no reduction");
            case PCT -> "PCT, depth " + bound + ", " + plural(runs, "run");
        };
        return what + (exhaustive ? ", exhaustive" : "") + (maxSchedules != Long.MAX_VALUE ? ", at most " + plural(maxSchedules, "schedule") : "");
    }

    static String plural(long n, String what) {
        return n + " " + what + (n == 1 ? "" : what.endsWith("s") ? "es" : "s");
    }
}
