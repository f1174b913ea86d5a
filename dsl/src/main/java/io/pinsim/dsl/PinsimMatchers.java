package io.pinsim.dsl;

import io.pinsim.runtime.trace.KernelLog;
import io.pinsim.runtime.trace.Trace;
import io.pinsim.runtime.trace.TraceKind;
import org.hamcrest.StringDescription;
import org.opentest4j.AssertionFailedError;
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
     * reads as {@link AbstractBufferAssert#sees(Data)} does: a peek ({@link
     * io.pinsim.runtime.Process#peek}: no fault, nothing traced, nothing changed) whether a page is
     * present, swapped out or not faulted in. The mismatch says what the process saw, where the
     * pages that were not present were read from, which frame it maps and why. With
     * {@link #assertThat(Object, Matcher)} a mismatch is the same {@link PinsimAssertionError} the
     * AssertJ assertion throws (its {@link BugKind}, expected and actual).
     *
     * @param expected the data
     * @return the matcher
     */
    public static Matcher<Buffer> sees(Data expected) {
        return new SeesMatcher(expected);
    }

    /** The matcher {@link #sees(Data)} returns; {@link #assertThat} asks it for the whole failure. */
    private static final class SeesMatcher extends TypeSafeDiagnosingMatcher<Buffer> {
        private final Data expected;

        SeesMatcher(Data expected) {
            this.expected = expected;
        }

        @Override
        protected boolean matchesSafely(Buffer b, Description mismatch) {
            PinsimAssertionError e = Failures.seesFailure(null, b, expected);
            if (e != null) {
                String where = Failures.notPresent(b.process(), b.address(), (int) Math.min(b.length(), Integer.MAX_VALUE));
                mismatch.appendText("saw ").appendText(String.valueOf(e.getActual().getValue())).appendText(" (process \"").appendText(b.process().name())
                        .appendText("\" maps ").appendValue(b.process().frameAt(b.address())).appendText(where.isEmpty() ? "" : "; " + where).appendText(")\n")
                        .appendText(Failures.wrap("because: " + e.because()));
                return false;
            }
            return true;
        }

        @Override
        public void describeTo(Description description) {
            description.appendText("a buffer whose process sees ").appendText(expected.toString());
        }
    }

    /**
     * Hamcrest's {@code assertThat} with a failure an IDE can diff. Hamcrest's own
     * {@code MatcherAssert.assertThat} throws a plain {@link AssertionError} that carries text only;
     * this one throws an opentest4j {@link AssertionFailedError} whose expected value is the
     * matcher's description and whose actual value is its mismatch description (the message is
     * Hamcrest's: "Expected: ... but: ..."), and for {@link #sees(Data)} the
     * {@link PinsimAssertionError} of {@link AbstractBufferAssert#sees(Data)}: its {@link BugKind}
     * lets {@code @KnownBug} recognise a documented bug. Use it instead of
     * {@code MatcherAssert.assertThat} (import one of the two).
     *
     * @param actual  the value under test
     * @param matcher the matcher
     * @param <T>     the value's type
     */
    public static <T> void assertThat(T actual, Matcher<? super T> matcher) {
        assertThat("", actual, matcher);
    }

    /**
     * {@link #assertThat(Object, Matcher)} with a reason that starts the message.
     *
     * @param reason  what is checked (may be empty)
     * @param actual  the value under test
     * @param matcher the matcher
     * @param <T>     the value's type
     */
    public static <T> void assertThat(String reason, T actual, Matcher<? super T> matcher) {
        java.util.Objects.requireNonNull(reason, "reason");
        java.util.Objects.requireNonNull(matcher, "matcher");
        if (matcher.matches(actual)) {
            return;
        }
        String prefix = reason.isEmpty() ? "" : reason + "\n";
        if (matcher instanceof SeesMatcher s && actual instanceof Buffer b) {
            PinsimAssertionError e = Failures.seesFailure(null, b, s.expected);
            if (e != null) {
                throw Failures.trimmed(e.withMessage(prefix + e.getMessage()));
            }
        }
        Description expected = new StringDescription();
        matcher.describeTo(expected);
        Description mismatch = new StringDescription();
        matcher.describeMismatch(actual, mismatch);
        throw Failures.trimmed(new AssertionFailedError(prefix + "\nExpected: " + expected + "\n     but: " + mismatch, expected.toString(), mismatch.toString()));
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
