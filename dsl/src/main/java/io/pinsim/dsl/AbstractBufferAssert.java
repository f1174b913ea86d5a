package io.pinsim.dsl;

import org.assertj.core.api.AbstractAssert;

/**
 * Assertions on a {@link Buffer}: what its process sees there. Extend it with your own checks;
 * {@link BufferAssert} is the concrete class.
 *
 * @param <SELF> the concrete assertion class
 */
public abstract class AbstractBufferAssert<SELF extends AbstractBufferAssert<SELF>> extends AbstractAssert<SELF, Buffer> {
    private ScenarioState scenario;

    /**
     * @param actual   the buffer under test
     * @param selfType the concrete assertion class
     */
    protected AbstractBufferAssert(Buffer actual, Class<?> selfType) {
        super(actual, selfType);
    }

    SELF inScenario(ScenarioState state) {
        this.scenario = state;
        return myself;
    }

    /**
     * The buffer's process sees the data there. The assertion peeks ({@link
     * io.pinsim.runtime.Process#peek}): it takes no fault, adds nothing to the trace and changes
     * nothing, whether a page is present, swapped out (read from its swap slot), or a file or shmem
     * page not faulted in yet (read from the page cache or the file); a failure says which pages
     * were not present. {@code dmaData()} is resolved against the scenario that runs on the buffer's
     * kernel. A failure is a {@link BugKind#DEVICE_DATA_LOST} if the data is a device's
     * ({@code dmaData(..)}), a {@link BugKind#LEAK_TO_CHILD} if the process is a forked child that
     * sees what its parent sees now, else a {@link BugKind#DATA_CORRUPTION}; a range that cannot be
     * read at all (nothing mapped there) fails as one of those too, saying so.
     * <pre>{@code
     * assertThatBuffer(buf).sees(fill('A'));   // passes if every byte is 'A'
     * assertThatBuffer(buf).sees(text("hi"));  // fails: "Expecting process "A" at 0x7f... to see: "hi" but saw: 'A' x 4096"
     * }</pre>
     */
    public SELF sees(Data expected) {
        isNotNull();
        PinsimAssertionError e = Failures.seesFailure(scenario, actual, expected);
        if (e != null) {
            throw Failures.failure(info, e.kind(), e.getMessage(), e.because(), e.getExpected().getValue(), e.getActual().getValue());
        }
        return myself;
    }

    /**
     * The page at the buffer's start is the frame the device holds: the coherency property P(pin).
     * A failure is a {@link BugKind#STALE_PIN}.
     * <pre>{@code
     * assertThatBuffer(buf).mapsFrame(mr.pins().frame(0));  // fails after a COW moved the process away
     * }</pre>
     */
    public SELF mapsFrame(io.pinsim.runtime.Frame frame) {
        isNotNull();
        io.pinsim.runtime.Frame mapped = actual.process().frameAt(actual.address());
        if (mapped != frame) {
            String because = frame + " is held by " + (frame.holders().isEmpty() ? "nobody" : String.join(", ", frame.holders()));
            throw Failures.failure(info, BugKind.STALE_PIN, String.format("%nExpecting %s to map:%n  %s%nbut it maps:%n  %s%n%s", actual, frame,
                    mapped == null ? "nothing" : mapped, Failures.wrap("because: " + because)), because, frame, mapped == null ? "nothing" : mapped);
        }
        return myself;
    }
}
