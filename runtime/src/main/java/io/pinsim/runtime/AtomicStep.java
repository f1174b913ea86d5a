package io.pinsim.runtime;

import java.util.Objects;

/**
 * A plain call as a one-step {@link Steppable}: see {@link Steppable#atomic}. A call that would
 * sleep on a lock another operation holds ({@link WouldBlockException}, thrown before it changes
 * anything) leaves the step blocked on that lock until it is free; the call then runs again.
 */
final class AtomicStep implements Steppable {
    private final String actor;
    private final String what;
    private final Footprint footprint;
    private final Runnable body;
    private boolean done;
    private WouldBlockException sleeping;

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
        if (isBlocked()) {
            throw new IllegalStateException(what + " waits for " + sleeping.lockId() + ": " + sleeping.getMessage());
        }
        sleeping = null;
        try {
            body.run();
        } catch (WouldBlockException e) {
            sleeping = e; // nothing changed: the call sleeps and runs again once the lock is free
            return;
        } catch (RuntimeException | Error e) {
            done = true;
            throw e;
        }
        done = true;
    }

    @Override
    public boolean isDone() {
        return done;
    }

    @Override
    public boolean isBlocked() {
        return sleeping != null && sleeping.stillHeld();
    }

    @Override
    public String waitsFor() {
        return isBlocked() ? sleeping.lockId() : null;
    }

    @Override
    public String nextStep() {
        return done ? "done" : isBlocked() ? what + " (sleeps on " + sleeping.lockId() + ")" : what;
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
