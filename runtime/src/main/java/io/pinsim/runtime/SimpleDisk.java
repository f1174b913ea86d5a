package io.pinsim.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The runtime's default block device: it queues bios until the test completes them, oldest first,
 * by id, or all at once, so a test can keep a direct read in flight across a fork.
 */
public class SimpleDisk implements BlockDevice {
    private final String name;
    private final List<Bio> inflight = new ArrayList<>();

    /** @param name the device name, {@code sda} */
    public SimpleDisk(String name) {
        this.name = Objects.requireNonNull(name, "name");
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final void submit(Bio bio) {
        Objects.requireNonNull(bio, "bio");
        if (bio.isDone()) {
            throw new IllegalArgumentException(bio + " is already complete: submit_bio() takes a bio that is still to be done");
        }
        inflight.add(bio);
    }

    /** The bios submitted and not completed, oldest first. */
    public final List<Bio> inflight() {
        inflight.removeIf(Bio::isDone);
        return List.copyOf(inflight);
    }

    /** Completes the oldest bio in flight. */
    public final Bio completeNext() {
        List<Bio> now = inflight();
        if (now.isEmpty()) {
            throw new IllegalStateException(name + " has no bio in flight; submit an O_DIRECT request first");
        }
        Bio b = now.get(0);
        b.complete();
        return b;
    }

    /** Completes the bio with this id. */
    public final Bio complete(int bioId) {
        for (Bio b : inflight()) {
            if (b.id() == bioId) {
                b.complete();
                return b;
            }
        }
        throw new IllegalArgumentException("no bio#" + bioId + " in flight on " + name + "; in flight: " + inflight());
    }

    /** Completes every bio in flight, oldest first. */
    public final void completeAll() {
        for (Bio b : inflight()) {
            b.complete();
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
