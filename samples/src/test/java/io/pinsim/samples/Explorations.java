package io.pinsim.samples;

import io.pinsim.dsl.PinsimAssertionError;
import io.pinsim.runtime.explore.Explorer;
import io.pinsim.runtime.explore.Report;
import io.pinsim.runtime.explore.ScheduleRun;
import io.pinsim.runtime.explore.Search;

/**
 * For the samples that explore with the runtime's {@link Explorer} directly: every schedule must
 * pass its checks, which assert with {@code PinsimAssertions}; the smallest failing schedule's
 * assertion is rethrown with the report (the counts, the replayable schedule and its interleaving)
 * as its message, so that {@code @KnownBug} sees the kind of the failure and the reader sees how.
 */
final class Explorations {
    private Explorations() {
    }

    static Report assertEverySchedulePasses(Explorer<?> explorer, Search search) {
        Report report = explorer.explore(search);
        ScheduleRun smallest = report.smallestFailure().orElse(null);
        if (smallest == null) {
            return report;
        }
        Throwable cause = smallest.cause().orElse(null);
        if (cause instanceof PinsimAssertionError e) {
            throw e.withMessage(e.getMessage() + "\n\n" + report.render());
        }
        throw new AssertionError(report.render(), cause);
    }
}
