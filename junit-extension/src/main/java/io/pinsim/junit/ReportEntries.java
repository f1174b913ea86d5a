package io.pinsim.junit;

/**
 * The keys of the report entries the extension publishes (JUnit's reporting API) for every test
 * it runs, read by listeners such as the samples' catalogue.
 */
public final class ReportEntries {
    /** The {@link Outcome} of the run, by its name. */
    public static final String OUTCOME = "pinsim.outcome";
    /** For {@link Outcome#BUG_REPRODUCED}: the {@link io.pinsim.dsl.BugKind} of the failing assertion, by its name. */
    public static final String BUG_KIND = "pinsim.bug.kind";
    /** For {@link Outcome#BUG_REPRODUCED}: the failing assertion's {@code because:} line. */
    public static final String BUG_BECAUSE = "pinsim.bug.because";
    /** For {@link Outcome#UNEXPECTED_FAILURE}: what failed, a {@link io.pinsim.dsl.BugKind} name or an exception's simple class name. */
    public static final String FAILURE = "pinsim.failure";
    /** For {@link Outcome#BUG_REPRODUCED}: one line for a report, {@code [LINUX_5_8] known bug reproduced (70e806e4e645)}. */
    public static final String SUMMARY = "pinsim.summary";
    /** The absolute path of the run's timeline.html, when one was written. */
    public static final String TIMELINE = "pinsim.timeline";

    /** For a test that explored interleavings ({@link Explore}): how many schedules it explored (or replayed), over all its explorations. */
    public static final String EXPLORED = "pinsim.explore.schedules";
    /** For a test that explored interleavings: how many of its schedules failed. */
    public static final String EXPLORE_FAILED = "pinsim.explore.failed";
    /** For a test that explored interleavings: how, e.g. {@code up to 2 preemptions}, {@code PCT depth 2, 1000 runs}, {@code replaying T1*2,T2}. */
    public static final String EXPLORE_SEARCH = "pinsim.explore.search";

    private ReportEntries() {
    }
}
