package io.pinsim.runtime.explore;

import io.pinsim.runtime.Footprint;
import io.pinsim.runtime.Steppable;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One operation of an explored thread. It creates its {@link Steppable} when its thread reaches it
 * (at the start for a thread's first operation, else right after the thread's previous operation
 * finished), so it sees the state of that moment; the explorer then runs its steps one at a time.
 *
 * <pre>{@code
 * Op.steps("fork()", r -> r.a.mainThread().forkSteps("B"))          // several steps
 * Op.atomic("write 'P'", r -> r.a.write(r.buf, new byte[] {'P'}))    // one step: a plain call
 * }</pre>
 *
 * @param <S> the state the explorer's setup returns
 */
public final class Op<S> {
    private final String name;
    private final Function<S, ? extends Steppable> start;
    private final Footprint atomicFootprint;
    private final Consumer<S> atomicBody;

    private Op(String name, Function<S, ? extends Steppable> start, Footprint atomicFootprint, Consumer<S> atomicBody) {
        this.name = Objects.requireNonNull(name, "name");
        this.start = start;
        this.atomicFootprint = atomicFootprint;
        this.atomicBody = atomicBody;
    }

    /**
     * An operation of several steps, such as {@code Task.forkSteps(..)} or
     * {@code Task.pinUserPagesFastSteps(..)}. Creating the steppable may read the kernel's state (and
     * some do), so the step that finishes the thread's previous operation counts as touching
     * everything.
     */
    public static <S> Op<S> steps(String name, Function<S, ? extends Steppable> start) {
        return new Op<>(name, Objects.requireNonNull(start, "start"), null, null);
    }

    /**
     * A plain call run as one step ({@link Steppable#atomic}) that may touch anything: it conflicts
     * with every other step.
     */
    public static <S> Op<S> atomic(String name, Consumer<S> body) {
        return new Op<>(name, null, Footprint.ALL, Objects.requireNonNull(body, "body"));
    }

    /** {@link #atomic(String, Consumer)} with the call's footprint, when it is known exactly. */
    public static <S> Op<S> atomic(String name, Footprint footprint, Consumer<S> body) {
        return new Op<>(name, null, Objects.requireNonNull(footprint, "footprint"), Objects.requireNonNull(body, "body"));
    }

    /** The name the trace table shows for it. */
    public String name() {
        return name;
    }

    /** Whether creating the steppable reads and writes nothing (an atomic operation only wraps its call). */
    boolean startsPurely() {
        return start == null;
    }

    /** Creates the steppable for a thread named {@code actor}. */
    Steppable start(S state, String actor) {
        if (start == null) {
            return Steppable.atomic(actor, name, atomicFootprint, () -> atomicBody.accept(state));
        }
        Steppable s = start.apply(state);
        if (s == null) {
            throw new IllegalStateException("operation \"" + name + "\" created no steppable: its function must return one");
        }
        return s;
    }

    @Override
    public String toString() {
        return name;
    }
}
