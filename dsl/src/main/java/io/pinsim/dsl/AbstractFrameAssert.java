package io.pinsim.dsl;

import io.pinsim.runtime.Frame;
import org.assertj.core.api.AbstractAssert;

/**
 * Assertions on a {@link Frame}: its derived counts and flags.
 *
 * @param <SELF> the concrete assertion class
 */
public abstract class AbstractFrameAssert<SELF extends AbstractFrameAssert<SELF>> extends AbstractAssert<SELF, Frame> {
    protected AbstractFrameAssert(Frame actual, Class<?> selfType) {
        super(actual, selfType);
    }

    /** <pre>{@code assertThatFrame(f).hasRefcount(1025);  // fails: "Expecting frame #3 (...) to have refcount 1025 but it has 2"}</pre> */
    public SELF hasRefcount(int expected) {
        isNotNull();
        if (actual.refcount() != expected) {
            failWithActualExpectedAndMessage(actual.refcount(), expected, "%nExpecting %s to have refcount %d but it has %d%s", actual, expected, actual.refcount(), holders());
        }
        return myself;
    }

    /** <pre>{@code assertThatFrame(f).hasMapcount(2);}</pre> */
    public SELF hasMapcount(int expected) {
        isNotNull();
        if (actual.mapcount() != expected) {
            failWithActualExpectedAndMessage(actual.mapcount(), expected, "%nExpecting %s to be mapped %d time(s) but it is mapped %d time(s)", actual, expected, actual.mapcount());
        }
        return myself;
    }

    /** page_maybe_dma_pinned(). <pre>{@code assertThatFrame(f).isPinned();}</pre> */
    public SELF isPinned() {
        isNotNull();
        if (!actual.maybeDmaPinned()) {
            failWithMessage("%nExpecting %s to be pinned (page_maybe_dma_pinned) but it is not%s", actual, holders());
        }
        return myself;
    }

    /** PageAnonExclusive. <pre>{@code assertThatFrame(f).isAnonExclusive();}</pre> */
    public SELF isAnonExclusive() {
        isNotNull();
        if (!actual.isAnonExclusive()) {
            failWithMessage("%nExpecting %s to be PageAnonExclusive but it is not", actual);
        }
        return myself;
    }

    /** <pre>{@code assertThatFrame(f).isFree();  // after the last unpin}</pre> */
    public SELF isFree() {
        isNotNull();
        if (!actual.isFree()) {
            failWithMessage("%nExpecting %s to be free but it is still held%s", actual, holders());
        }
        return myself;
    }

    /** The frame's content. <pre>{@code assertThatFrame(f).contains(fill('D'));}</pre> */
    public SELF contains(Data expected) {
        isNotNull();
        Data.Placed d = expected.place(null, io.pinsim.runtime.Kernel.PAGE_SIZE);
        Failures.compare("frame #" + actual.pfn(), d, actual.read((int) d.offset(), d.bytes().length), String.valueOf(actual));
        return myself;
    }

    private String holders() {
        return actual.holders().isEmpty() ? "" : " (held by " + String.join(", ", actual.holders()) + ")";
    }
}
