package io.pinsim.dsl;

import io.pinsim.runtime.Frame;
import org.assertj.core.api.AbstractAssert;

/**
 * Assertions on a {@link Frame}: its derived counts and flags (a failure is a
 * {@link BugKind#FRAME_STATE}) and its content.
 *
 * @param <SELF> the concrete assertion class
 */
public abstract class AbstractFrameAssert<SELF extends AbstractFrameAssert<SELF>> extends AbstractAssert<SELF, Frame> {
    /**
     * @param actual   the frame under test
     * @param selfType the concrete assertion class
     */
    protected AbstractFrameAssert(Frame actual, Class<?> selfType) {
        super(actual, selfType);
    }

    /** <pre>{@code assertThatFrame(f).hasRefcount(1025);  // fails: "Expecting frame #3 (...) to have refcount 1025 but it has 2"}</pre> */
    public SELF hasRefcount(int expected) {
        isNotNull();
        if (actual.refcount() != expected) {
            throw fail(String.format("%nExpecting %s to have refcount %d but it has %d%s", actual, expected, actual.refcount(), holders()), expected, actual.refcount());
        }
        return myself;
    }

    /** <pre>{@code assertThatFrame(f).hasMapcount(2);}</pre> */
    public SELF hasMapcount(int expected) {
        isNotNull();
        if (actual.mapcount() != expected) {
            throw fail(String.format("%nExpecting %s to be mapped %d time(s) but it is mapped %d time(s)", actual, expected, actual.mapcount()), expected, actual.mapcount());
        }
        return myself;
    }

    /** page_maybe_dma_pinned(). <pre>{@code assertThatFrame(f).isPinned();}</pre> */
    public SELF isPinned() {
        isNotNull();
        if (!actual.maybeDmaPinned()) {
            throw fail(String.format("%nExpecting %s to be pinned (page_maybe_dma_pinned) but it is not%s", actual, holders()), null, null);
        }
        return myself;
    }

    /** PageAnonExclusive. <pre>{@code assertThatFrame(f).isAnonExclusive();}</pre> */
    public SELF isAnonExclusive() {
        isNotNull();
        if (!actual.isAnonExclusive()) {
            throw fail(String.format("%nExpecting %s to be PageAnonExclusive but it is not", actual), null, null);
        }
        return myself;
    }

    /**
     * The device was redirected to a dummy page: the frame is a device's dummy page (only under
     * {@code TruncatePinnedPage.PROPOSAL_NOTIFY_THEN_DUMMY_PAGE}).
     * <pre>{@code assertThatFrame(mr.pins().frame(0)).isDummyPage();}</pre>
     */
    public SELF isDummyPage() {
        isNotNull();
        if (!actual.isDummyPage()) {
            throw fail(String.format("%nExpecting %s to be a device's dummy page (the device redirected by a revoke) but it is not%s", actual, holders()), null, null);
        }
        return myself;
    }

    /** <pre>{@code assertThatFrame(f).isFree();  // after the last unpin}</pre> */
    public SELF isFree() {
        isNotNull();
        if (!actual.isFree()) {
            throw fail(String.format("%nExpecting %s to be free but it is still held%s", actual, holders()), null, null);
        }
        return myself;
    }

    /**
     * The frame's content: a failure is a {@link BugKind#DEVICE_DATA_LOST} for a device's data, else a
     * {@link BugKind#DATA_CORRUPTION}. <pre>{@code assertThatFrame(f).contains(fill('D'));}</pre>
     */
    public SELF contains(Data expected) {
        isNotNull();
        Data.Placed d = expected.place(null, io.pinsim.runtime.Kernel.PAGE_SIZE);
        byte[] seen = actual.read((int) d.offset(), d.bytes().length);
        if (!java.util.Arrays.equals(d.bytes(), seen)) {
            String because = String.valueOf(actual) + holders();
            throw Failures.failure(info, Failures.containsKind(d), Failures.shouldSee("frame #" + actual.pfn(), d, seen, because), because, d.description(),
                    Data.describe(seen));
        }
        return myself;
    }

    private PinsimAssertionError fail(String message, Object expected, Object actualValue) {
        return Failures.failure(info, BugKind.FRAME_STATE, message, String.valueOf(actual) + holders(), expected, actualValue);
    }

    private String holders() {
        return actual.holders().isEmpty() ? "" : " (held by " + String.join(", ", actual.holders()) + ")";
    }
}
