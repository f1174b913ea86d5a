package io.pinsim.dsl;

import io.pinsim.runtime.Process;

/** A scenario after fork(): the steps of the child, and switching between parent and child. */
@CheckReturnValue
public final class ForkedScenario extends ScenarioSteps<ForkedScenario> {
    ForkedScenario(ScenarioState state) {
        super(state);
    }

    @Override
    ForkedScenario self() {
        return this;
    }

    /** The child fills its copy of the buffer with one character. */
    @CheckReturnValue
    public ForkedScenario childWrites(char c) {
        return childWrites(Pinsim.fill(c));
    }

    /** The child writes data into its copy of the buffer. */
    @CheckReturnValue
    public ForkedScenario childWrites(Data data) {
        java.util.Objects.requireNonNull(data, "data");
        return writeAs(state.child, "childWrites(" + data + ")", data);
    }

    /** The parent fills its buffer with one character. */
    @CheckReturnValue
    public ForkedScenario parentWrites(char c) {
        return parentWrites(Pinsim.fill(c));
    }

    /** The parent writes data into its buffer. */
    @CheckReturnValue
    public ForkedScenario parentWrites(Data data) {
        java.util.Objects.requireNonNull(data, "data");
        return writeAs(state.parent, "parentWrites(" + data + ")", data);
    }

    /** The child reads its copy of the buffer. */
    @CheckReturnValue
    public ForkedScenario childReads() {
        return readAs(state.child, "childReads()");
    }

    /** The child exits. */
    @CheckReturnValue
    public ForkedScenario childExits() {
        requireAlive(state.child, "childExits()");
        return step("childExits()", () -> state.child.exit());
    }

    /** Later steps run in the child (until {@link #inParent()}). */
    @CheckReturnValue
    public ForkedScenario inChild() {
        requireAlive(state.child, "inChild()");
        return step("inChild()", () -> state.current = state.child);
    }

    /** Later steps run in the parent. */
    @CheckReturnValue
    public ForkedScenario inParent() {
        requireAlive(state.parent, "inParent()");
        return step("inParent()", () -> state.current = state.parent);
    }

    /** The child must see the data in its copy of the buffer. */
    public ForkedScenario assertChildSees(Data expected) {
        java.util.Objects.requireNonNull(expected, "expected");
        return assertSees(state.child, expected, "assertChildSees");
    }

    /** The child process. */
    public Process child() {
        return state.child;
    }

    @Override
    public String toString() {
        return "scenario after fork of \"" + state.parent.name() + "\" on " + state.kernel;
    }
}
