package io.pinsim.dsl;

import io.pinsim.runtime.trace.KernelLog;
import org.assertj.core.api.AbstractAssert;

/** Assertions on a kernel's log (dmesg); start with {@link PinsimAssertions#assertThatKernelLog(KernelLog)}. */
public final class KernelLogAssert extends AbstractAssert<KernelLogAssert, KernelLog> {
    KernelLogAssert(KernelLog actual) {
        super(actual, KernelLogAssert.class);
    }

    /**
     * A line contains the text.
     * <pre>{@code assertThatKernelLog(k.log()).contains("Page cache invalidation failure on direct I/O.");}</pre>
     */
    public KernelLogAssert contains(String text) {
        isNotNull();
        if (!actual.contains(text)) {
            failWithActualExpectedAndMessage(actual.render(), text, "%nExpecting the kernel log to contain:%n  %s%nbut it %s", text,
                    actual.lines().isEmpty() ? "is empty" : "has:\n" + actual.render());
        }
        return myself;
    }

    /** No WARN, CRIT or BUG line. <pre>{@code assertThatKernelLog(k.log()).hasNoWarnings();}</pre> */
    public KernelLogAssert hasNoWarnings() {
        isNotNull();
        var bad = actual.lines().stream().filter(l -> l.level() != KernelLog.Level.INFO).toList();
        if (!bad.isEmpty()) {
            failWithMessage("%nExpecting the kernel log to have no warnings but it has:%n  %s", bad.get(0));
        }
        return myself;
    }
}
