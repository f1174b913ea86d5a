package io.pinsim.runtime;

import java.util.Objects;

/** A plain call as a one-step {@link Steppable}: see {@link Steppable#atomic}. */
final class AtomicStep implements Steppable {
    private final String actor;
    private final String what;
    private final Footprint footprint;
    private final Runnable body;
    private boolean done;

    AtomicStep(String actor, String what, Footprint footprint, Runnable body) {
        this.actor = Objects.requireNonNull(actor, "actor");
        this.what = Objects.requireNonNull(what, "what");
        this.footprint = Objects.requireNonNull(footprint, "footprint");
        this.body = Objects.requireNonNull(body, "body");
    }

    @Override
    public void step() {
        if (done) {
            throw new IllegalStateException(what + " is already done");
        }
        done = true;
        body.run();
    }

    @Override
    public boolean isDone() {
        return done;
    }

    @Override
    public boolean isBlocked() {
        return false;
    }

    @Override
    public String nextStep() {
        return done ? "done" : what;
    }

    @Override
    public String actor() {
        return actor;
    }

    @Override
    public Footprint nextFootprint() {
        return done ? Footprint.NONE : footprint;
    }

    @Override
    public String toString() {
        return actor + ": " + what + (done ? " (done)" : "");
    }
}
