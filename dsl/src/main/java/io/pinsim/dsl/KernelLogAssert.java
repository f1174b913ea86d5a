package io.pinsim.dsl;

import io.pinsim.runtime.trace.KernelLog;
import org.assertj.core.api.AbstractAssert;

/** Assertions on a kernel's log (dmesg); start with {@link PinsimAssertions#assertThatKernelLog(KernelLog)}. */
public final class KernelLogAssert extends AbstractAssert<KernelLogAssert, KernelLog> {
    KernelLogAssert(KernelLog actual) {
        super(actual, KernelLogAssert.class);
    }

    /**
     * A line contains the text; a failure is a {@link BugKind#MISSING_KERNEL_LOG}.
     * <pre>{@code assertThatKernelLog(k.log()).contains("Page cache invalidation failure on direct I/O.");}</pre>
     */
    public KernelLogAssert contains(String text) {
        isNotNull();
        if (!actual.contains(text)) {
            String because = actual.lines().isEmpty() ? "it is empty" : "it has:\n" + actual.render();
            throw Failures.failure(info, BugKind.MISSING_KERNEL_LOG, String.format("%nExpecting the kernel log to contain:%n  %s%nbut %s", text, because), because,
                    text, actual.render());
        }
        return myself;
    }

    /** No WARN, CRIT or BUG line; a failure is a {@link BugKind#KERNEL_WARNING}. <pre>{@code assertThatKernelLog(k.log()).hasNoWarnings();}</pre> */
    public KernelLogAssert hasNoWarnings() {
        isNotNull();
        var bad = actual.lines().stream().filter(l -> l.level() != KernelLog.Level.INFO).toList();
        if (!bad.isEmpty()) {
            String because = String.valueOf(bad.get(0));
            throw Failures.failure(info, BugKind.KERNEL_WARNING, String.format("%nExpecting the kernel log to have no warnings but it has:%n  %s", because), because,
                    null, null);
        }
        return myself;
    }

    /**
     * No line contains the text; a failure is a {@link BugKind#KERNEL_WARNING}.
     * <pre>{@code assertThatKernelLog(k.log()).doesNotContain("failed an invalidation");}</pre>
     */
    public KernelLogAssert doesNotContain(String text) {
        isNotNull();
        var found = actual.lines().stream().filter(l -> l.text().contains(text)).toList();
        if (!found.isEmpty()) {
            String because = String.valueOf(found.get(0));
            throw Failures.failure(info, BugKind.KERNEL_WARNING, String.format("%nExpecting the kernel log not to contain:%n  %s%nbut it has:%n  %s", text, because),
                    because, null, null);
        }
        return myself;
    }
}
