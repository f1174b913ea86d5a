package io.pinsim.dsl;

import io.pinsim.runtime.trace.KernelLog;
import io.pinsim.runtime.trace.Trace;
import io.pinsim.runtime.trace.TraceKind;
import java.util.Arrays;
import org.hamcrest.Description;
import org.hamcrest.Matcher;
import org.hamcrest.TypeSafeDiagnosingMatcher;

/** Hamcrest matchers for pinsim's types (Hamcrest is an optional dependency of pinsim-dsl). */
public final class PinsimMatchers {
    private PinsimMatchers() {
    }

    /**
     * A buffer whose process sees the data: {@code assertThat(buf, sees(fill('D')))}, or
     * {@code sees(dmaData())}, resolved against the scenario running on the buffer's kernel. It
     * reads as {@link AbstractBufferAssert#sees(Data)} does: a peek (no fault, nothing traced)
     * wherever the pages are present. The mismatch says what the process saw, which frame it maps
     * and why.
     *
     * @param expected the data
     * @return the matcher
     */
    public static Matcher<Buffer> sees(Data expected) {
        return new TypeSafeDiagnosingMatcher<>() {
            @Override
            protected boolean matchesSafely(Buffer b, Description mismatch) {
                Data.Placed d = expected.place(null, b.process().kernel(), b.length());
                long at = b.address() + d.offset();
                byte[] seen = Failures.seen(b.process(), at, d.bytes().length);
                if (!Arrays.equals(seen, d.bytes())) {
                    ScenarioState scenario = Scenarios.of(b.process().kernel());
                    mismatch.appendText("saw ").appendText(Data.describe(seen)).appendText(" (process \"").appendText(b.process().name())
                            .appendText("\" maps ").appendValue(b.process().frameAt(b.address())).appendText(")\nbecause: ")
                            .appendText(scenario != null ? Explain.why(scenario, b) : Explain.mapping(b));
                    return false;
                }
                return true;
            }

            @Override
            public void describeTo(Description description) {
                description.appendText("a buffer whose process sees ").appendText(expected.toString());
            }
        };
    }

    /** A trace with an event of this kind containing the text: {@code assertThat(k.trace(), hasEvent(COW_COPY, "refcount"))}. */
    public static Matcher<Trace> hasEvent(TraceKind kind, String text) {
        return new TypeSafeDiagnosingMatcher<>() {
            @Override
            protected boolean matchesSafely(Trace t, Description mismatch) {
                if (t.events(e -> e.kind() == kind && e.message().contains(text)).isEmpty()) {
                    mismatch.appendText("the trace has no such event; its ").appendValue(t.events().size()).appendText(" events:\n").appendText(t.render());
                    return false;
                }
                return true;
            }

            @Override
            public void describeTo(Description description) {
                description.appendText("a trace with a ").appendText(kind.name()).appendText(" event containing ").appendValue(text);
            }
        };
    }

    /** A kernel log with a line containing the text: {@code assertThat(k.log(), logContains("BUG"))}. */
    public static Matcher<KernelLog> logContains(String text) {
        return new TypeSafeDiagnosingMatcher<>() {
            @Override
            protected boolean matchesSafely(KernelLog log, Description mismatch) {
                if (!log.contains(text)) {
                    mismatch.appendText(log.lines().isEmpty() ? "the log is empty" : "the log is:\n" + log.render());
                    return false;
                }
                return true;
            }

            @Override
            public void describeTo(Description description) {
                description.appendText("a kernel log containing ").appendValue(text);
            }
        };
    }
}
