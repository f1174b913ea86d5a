package io.pinsim.junit;

import io.pinsim.dsl.Exploration;
import java.util.Map;

/** {@link Explore} as an {@link Exploration}, and an exploration's counts as report entries. */
final class Explorations {
    private Explorations() {
    }

    /**
     * The exploration {@code @Explore} configures (two preemptions without one): a schedule to
     * replay, PCT, or a preemption bound.
     *
     * @throws IllegalArgumentException for a schedule together with PCT, or a bad bound
     */
    static Exploration of(Explore explore) {
        if (explore == null) {
            return Exploration.preemptionBounded(2);
        }
        if (!explore.schedule().isEmpty()) {
            if (explore.pct().runs() > 0) {
                throw new IllegalArgumentException("@Explore(schedule = \"" + explore.schedule() + "\", pct = @Pct(runs = " + explore.pct().runs()
                        + ")): a replay runs one schedule; drop pct to replay it, or the schedule to explore with PCT");
            }
            return Exploration.replaying(explore.schedule());
        }
        return explore.pct().runs() > 0 ? Exploration.pct(explore.pct().depth(), explore.pct().runs()) : Exploration.preemptionBounded(explore.preemptions());
    }

    /** Adds the counts of an exploration that ran: schedules explored, failed, and how. */
    static void addEntries(Exploration exploration, Map<String, String> entry) {
        if (exploration == null || !exploration.ran()) {
            return;
        }
        entry.put(ReportEntries.EXPLORED, Long.toString(exploration.schedules()));
        entry.put(ReportEntries.EXPLORE_FAILED, Long.toString(exploration.failed()));
        entry.put(ReportEntries.EXPLORE_SEARCH, exploration.describe());
    }
}
