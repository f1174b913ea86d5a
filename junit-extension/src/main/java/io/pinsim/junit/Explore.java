package io.pinsim.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * How the test explores interleavings, for a {@link PinsimTest} or {@link PinsimModels} method that
 * takes a {@link io.pinsim.dsl.Scenario} (its racing steps, {@code forkRacingPin(..)}) or an
 * {@link io.pinsim.dsl.Exploration} (which it passes its own {@code Explorer}s to): every schedule
 * with up to {@link #preemptions()} preemptions, or {@link #pct()} PCT runs seeded by the test
 * kernel's seed; the extension publishes the schedules explored and failed as report entries
 * ({@link ReportEntries#EXPLORED}, {@link ReportEntries#EXPLORE_FAILED}) for the catalogue. For a
 * scenario: the
 * chain going on from the smallest one that breaks the step's property; or exactly the
 * {@link #schedule()} a failure printed, to rerun it. A failure's {@code because:} line names the
 * schedule, the counts and the interleaving, and says how to rerun it:
 * {@code @Explore(schedule = "T1*3,T2*3,T1*4")}. With {@link KnownBug} the bug counts as reproduced
 * when the chain, going on from the failing schedule, fails as documented.
 *
 * <pre>{@code
 * @PinsimModels
 * @Explore(preemptions = 2)
 * @KnownBug(models = {"LINUX_4_19", "LINUX_5_8"}, reference = "57efa1fe5957", expect = BugKind.DEVICE_DATA_LOST)
 * void thePinFollowsTheParent(Scenario s) {
 *     s.process("A").malloc(pages(2)).write('A').forkRacingPin(rdma).parentWrites('P').dmaCompletes().assertParentSees(dmaData());
 * }
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Explore {
    /** The most preemptions a schedule may make (a switch away from a thread that could still run). */
    int preemptions() default 2;

    /** Exactly this schedule ({@code "T1*3,T2*3,T1*4"}), as a failure printed it; empty to explore. */
    String schedule() default "";

    /**
     * PCT instead of the preemption bound, e.g. {@code pct = @Pct(depth = 2, runs = 1000)}: random
     * schedules drawn from the test kernel's seed. Off by default ({@code runs = 0}); not with a
     * {@link #schedule()}.
     */
    Pct pct() default @Pct;
}
