package io.pinsim.dsl;

import io.pinsim.runtime.lockdep.Lockdep;
import io.pinsim.runtime.lockdep.LockdepReport;
import java.util.List;
import org.assertj.core.api.AbstractAssert;

/**
 * Assertions on a kernel's lockdep (what it reported: "possible circular locking dependency
 * detected"); start with {@link PinsimAssertions#assertThatLockdep(Lockdep)}. A failure is a
 * {@link BugKind#LOCKDEP_REPORT}.
 */
public final class LockdepAssert extends AbstractAssert<LockdepAssert, Lockdep> {
    LockdepAssert(Lockdep actual) {
        super(actual, LockdepAssert.class);
    }

    /**
     * Lockdep reported a cycle through exactly these lock classes, in the order of
     * {@link LockdepReport#cycle()} (the held lock first, the same lock last).
     * <pre>{@code assertThatLockdep(k.lockdep()).reportsCycle("dma_fence_map", "fs_reclaim", "mmu_notifier_invalidate_range_start", "dma_fence_map");}</pre>
     *
     * @throws IllegalArgumentException for fewer than two lock classes, or a cycle that does not end where it starts
     */
    public LockdepAssert reportsCycle(String... cycle) {
        List<String> want = requireCycle("reportsCycle", cycle);
        isNotNull();
        List<LockdepReport> reports = actual.reports();
        if (reports.stream().noneMatch(r -> r.cycle().equals(want))) {
            String because = !actual.enabled() ? "lockdep is off on this kernel (Kernel.builder().lockdep(false))"
                    : reports.isEmpty() ? "lockdep reported nothing: the kernel recorded no dependency that closes it"
                    : "lockdep reported " + reports.stream().map(r -> String.join(" -> ", r.cycle())).toList();
            throw Failures.failure(info, BugKind.LOCKDEP_REPORT, String.format("%nExpecting lockdep to report the cycle:%n  %s%nbut %s", String.join(" -> ", want), because),
                    because, String.join(" -> ", want), reports.isEmpty() ? "no report" : reports.get(0).text());
        }
        return myself;
    }

    /** The lock classes of a cycle, checked: at least two, the first and the last the same. */
    static List<String> requireCycle(String call, String... cycle) {
        java.util.Objects.requireNonNull(cycle, "cycle");
        List<String> want = List.of(cycle);
        if (want.size() < 2 || !want.get(0).equals(want.get(want.size() - 1))) {
            throw new IllegalArgumentException(call + "(" + want + "): name the lock classes around the cycle, starting and ending with the same one");
        }
        return want;
    }

    /** Lockdep reported nothing. <pre>{@code assertThatLockdep(k.lockdep()).hasNoReport();}</pre> */
    public LockdepAssert hasNoReport() {
        isNotNull();
        List<LockdepReport> reports = actual.reports();
        if (!reports.isEmpty()) {
            LockdepReport r = reports.get(0);
            String because = "lockdep reported " + String.join(" -> ", r.cycle()) + " at step " + r.step() + " by " + r.actor();
            throw Failures.failure(info, BugKind.LOCKDEP_REPORT, String.format("%nExpecting no lockdep report, but:%n%s", r.text()), because, null, null);
        }
        return myself;
    }
}
