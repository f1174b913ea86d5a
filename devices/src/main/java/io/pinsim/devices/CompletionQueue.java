package io.pinsim.devices;

import java.util.ArrayList;
import java.util.List;

/** A completion queue: the device appends completions, the test polls them (ibv_poll_cq). */
public final class CompletionQueue {
    private final List<Completion> entries = new ArrayList<>();

    void add(Completion c) {
        entries.add(c);
    }

    /** ibv_poll_cq(): the completions since the last poll, oldest first. */
    public List<Completion> poll() {
        List<Completion> out = List.copyOf(entries);
        entries.clear();
        return out;
    }

    /** The number of completions waiting. */
    public int size() {
        return entries.size();
    }
}
