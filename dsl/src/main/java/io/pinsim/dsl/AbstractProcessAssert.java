package io.pinsim.dsl;

import io.pinsim.runtime.Process;
import io.pinsim.runtime.Signal;
import org.assertj.core.api.AbstractAssert;

/**
 * Assertions on a {@link Process}. Failures of its state are {@link BugKind#PROCESS_STATE};
 * {@link #seesAt} fails as {@link AbstractBufferAssert#sees} does.
 *
 * @param <SELF> the concrete assertion class
 */
public abstract class AbstractProcessAssert<SELF extends AbstractProcessAssert<SELF>> extends AbstractAssert<SELF, Process> {
    /**
     * @param actual   the process under test
     * @param selfType the concrete assertion class
     */
    protected AbstractProcessAssert(Process actual, Class<?> selfType) {
        super(actual, selfType);
    }

    /**
     * The process is running. <pre>{@code assertThatProcess(child).isAlive();  // fails: "... was killed by SIGSEGV"}</pre>
     */
    public SELF isAlive() {
        isNotNull();
        if (!actual.isAlive()) {
            String because = actual.killedBy() != null ? "was killed by " + actual.killedBy() : "exited";
            throw Failures.failure(info, BugKind.PROCESS_STATE, String.format("%nExpecting %s to be alive but it %s", actual, because), "it " + because, null, null);
        }
        return myself;
    }

    /**
     * The process was killed by the signal. <pre>{@code assertThatProcess(child).wasKilledBy(SIGSEGV);}</pre>
     */
    public SELF wasKilledBy(Signal signal) {
        isNotNull();
        if (actual.killedBy() != signal) {
            String because = actual.killedBy() == null ? "it is " + actual.state().name().toLowerCase(java.util.Locale.ROOT) : "it was killed by " + actual.killedBy();
            throw Failures.failure(info, BugKind.PROCESS_STATE, String.format("%nExpecting %s to have been killed by %s but %s", actual, signal, because), because,
                    signal, actual.killedBy());
        }
        return myself;
    }

    /**
     * The process sees the data at the address ({@code length} bytes).
     * <pre>{@code assertThatProcess(a).seesAt(buf, 4096, fill('D'));}</pre>
     */
    public SELF seesAt(long address, long length, Data expected) {
        isNotNull();
        BufferAssert buffer = new BufferAssert(new Buffer(actual, address, length));
        buffer.info.description(info.description());
        buffer.sees(expected);
        return myself;
    }

    /** MMF_HAS_PINNED. <pre>{@code assertThatProcess(a).hasPinned();}</pre> */
    public SELF hasPinned() {
        isNotNull();
        if (!actual.hasPinned()) {
            throw Failures.failure(info, BugKind.PROCESS_STATE, String.format("%nExpecting %s to have pinned pages (MMF_HAS_PINNED) but it never took a FOLL_PIN", actual),
                    "it never took a FOLL_PIN", null, null);
        }
        return myself;
    }
}
