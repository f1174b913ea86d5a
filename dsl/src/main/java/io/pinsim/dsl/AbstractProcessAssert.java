package io.pinsim.dsl;

import io.pinsim.runtime.Process;
import io.pinsim.runtime.Signal;
import org.assertj.core.api.AbstractAssert;

/**
 * Assertions on a {@link Process}.
 *
 * @param <SELF> the concrete assertion class
 */
public abstract class AbstractProcessAssert<SELF extends AbstractProcessAssert<SELF>> extends AbstractAssert<SELF, Process> {
    protected AbstractProcessAssert(Process actual, Class<?> selfType) {
        super(actual, selfType);
    }

    /**
     * The process is running. <pre>{@code assertThatProcess(child).isAlive();  // fails: "... was killed by SIGSEGV"}</pre>
     */
    public SELF isAlive() {
        isNotNull();
        if (!actual.isAlive()) {
            failWithMessage("%nExpecting %s to be alive but it %s", actual, actual.killedBy() != null ? "was killed by " + actual.killedBy() : "exited");
        }
        return myself;
    }

    /**
     * The process was killed by the signal. <pre>{@code assertThatProcess(child).wasKilledBy(SIGSEGV);}</pre>
     */
    public SELF wasKilledBy(Signal signal) {
        isNotNull();
        if (actual.killedBy() != signal) {
            failWithActualExpectedAndMessage(actual.killedBy(), signal, "%nExpecting %s to have been killed by %s but %s", actual, signal,
                    actual.killedBy() == null ? "it is " + actual.state().name().toLowerCase(java.util.Locale.ROOT) : "it was killed by " + actual.killedBy());
        }
        return myself;
    }

    /**
     * The process sees the data at the address ({@code length} bytes).
     * <pre>{@code assertThatProcess(a).seesAt(buf, 4096, fill('D'));}</pre>
     */
    public SELF seesAt(long address, long length, Data expected) {
        isNotNull();
        new BufferAssert(new Buffer(actual, address, length)).sees(expected);
        return myself;
    }

    /** MMF_HAS_PINNED. <pre>{@code assertThatProcess(a).hasPinned();}</pre> */
    public SELF hasPinned() {
        isNotNull();
        if (!actual.hasPinned()) {
            failWithMessage("%nExpecting %s to have pinned pages (MMF_HAS_PINNED) but it never took a FOLL_PIN", actual);
        }
        return myself;
    }
}
