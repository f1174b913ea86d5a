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

    protected AbstractBufferAssert(Buffer actual, Class<?> selfType) {
        super(actual, selfType);
    }

    SELF inScenario(ScenarioState state) {
        this.scenario = state;
        return myself;
    }

    /**
     * The buffer's process sees the data there (it reads: pages may fault in).
     * <pre>{@code
     * assertThatBuffer(buf).sees(fill('A'));   // passes if every byte is 'A'
     * assertThatBuffer(buf).sees(text("hi"));  // fails: "Expecting process "A" at 0x7f... to see: "hi" but saw: 'A' x 4096"
     * }</pre>
     */
    public SELF sees(Data expected) {
        isNotNull();
        Data.Placed d = expected.place(scenario, actual.length());
        byte[] seen = actual.process().read(actual.address() + d.offset(), d.bytes().length);
        Failures.compare(actual.toString(), d, seen, scenario != null ? Explain.why(scenario, actual) : "\"" + actual.process().name() + "\" maps "
                + actual.process().frameAt(actual.address()));
        return myself;
    }

    /**
     * The page at the buffer's start is the frame the device holds: the coherency property P(pin).
     * <pre>{@code
     * assertThatBuffer(buf).mapsFrame(mr.pins().frame(0));  // fails after a COW moved the process away
     * }</pre>
     */
    public SELF mapsFrame(io.pinsim.runtime.Frame frame) {
        isNotNull();
        io.pinsim.runtime.Frame mapped = actual.process().frameAt(actual.address());
        if (mapped != frame) {
            failWithMessage("%nExpecting %s to map:%n  %s%nbut it maps:%n  %s", actual, frame, mapped == null ? "nothing" : mapped);
        }
        return myself;
    }
}
