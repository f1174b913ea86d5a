package io.pinsim.runtime;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** The runtime's default block device: it queues bios until the test completes them, in any order. */
public final class SimpleDisk implements BlockDevice {
    private final String name;
    private final List<Bio> inflight = new ArrayList<>();

    public SimpleDisk(String name) {
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void submit(Bio bio) {
        inflight.add(bio);
    }

    /** The bios not completed yet, oldest first. */
    public List<Bio> inflight() {
        inflight.removeIf(Bio::isDone);
        return Collections.unmodifiableList(new ArrayList<>(inflight));
    }

    /** Completes every bio in flight, oldest first. */
    public void completeAll() {
        for (Bio b : inflight()) {
            b.complete();
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
