package io.pinsim.dsl;

import io.pinsim.runtime.trace.Trace;
import io.pinsim.runtime.trace.TraceKind;
import org.assertj.core.api.AbstractAssert;

/** Assertions on a kernel's trace; start with {@link PinsimAssertions#assertThatTrace(Trace)}. A failure is a {@link BugKind#TRACE_EVENT}. */
public final class TraceAssert extends AbstractAssert<TraceAssert, Trace> {
    TraceAssert(Trace actual) {
        super(actual, TraceAssert.class);
    }

    /**
     * An event of this kind whose message contains the text.
     * <pre>{@code assertThatTrace(k.trace()).hasEvent(TraceKind.COW_COPY, "refcount 1025");}</pre>
     */
    public TraceAssert hasEvent(TraceKind kind, String text) {
        isNotNull();
        if (actual.events(e -> e.kind() == kind && e.message().contains(text)).isEmpty()) {
            throw Failures.failure(info, BugKind.TRACE_EVENT, String.format("%nExpecting the trace to have a %s event containing:%n  %s%nbut it has none; the trace:%n%s",
                    kind, text, actual.render()), "the trace has no such event", null, null);
        }
        return myself;
    }

    /** No event of this kind contains the text. <pre>{@code assertThatTrace(t).hasNoEvent(TraceKind.COW_COPY, "");}</pre> */
    public TraceAssert hasNoEvent(TraceKind kind, String text) {
        isNotNull();
        var found = actual.events(e -> e.kind() == kind && e.message().contains(text));
        if (!found.isEmpty()) {
            String because = found.get(0).render();
            throw Failures.failure(info, BugKind.TRACE_EVENT, String.format("%nExpecting the trace to have no %s event containing:%n  %s%nbut it has:%n  %s",
                    kind, text, because), because, null, null);
        }
        return myself;
    }
}
