package io.pinsim.runtime.trace;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Predicate;

/**
 * The trace of one kernel: every call and every kernel decision that matters, in order. A step is
 * one top-level call (a syscall, a fault, a device operation); the events inside it share its
 * number. The same scenario with the same seed gives the same trace, byte for byte.
 */
public final class Trace {
    private final List<TraceEvent> events = new ArrayList<>();
    private final List<TraceEvent> view = Collections.unmodifiableList(events);
    private int step;
    private int depth;

    /**
     * Opens a step for a top-level call and records its CALL event; nested calls stay in the same
     * step. Returns the step number. Each {@code begin} must be matched by {@link #end()}.
     */
    public int begin(String actor, String call, long address) {
        if (depth++ == 0) {
            step++;
        }
        record(actor, TraceKind.CALL, address, -1, call);
        return step;
    }

    /** Closes the step opened by {@link #begin}. */
    public void end() {
        if (depth == 0) {
            throw new IllegalStateException("Trace.end() without begin()");
        }
        depth--;
    }

    /** Records an event in the current step (a step of its own if none is open). */
    public TraceEvent record(String actor, TraceKind kind, long address, long pfn, String message) {
        int s = depth == 0 ? ++step : step;
        TraceEvent e = new TraceEvent(events.size(), s, actor, kind, address, pfn, message);
        events.add(e);
        return e;
    }

    /** The current step number (0 before anything happened). */
    public int step() {
        return step;
    }

    /** All events, oldest first; a live read-only view. */
    public List<TraceEvent> events() {
        return view;
    }

    /** The events that match, oldest first. */
    public List<TraceEvent> events(Predicate<TraceEvent> filter) {
        return events.stream().filter(filter).toList();
    }

    /** The events that concern a frame, oldest first. */
    public List<TraceEvent> eventsForFrame(long pfn) {
        return events(e -> e.pfn() == pfn);
    }

    /** The most recent event of a kind at a page-aligned address, or null. */
    public TraceEvent lastAt(long pageAddress, TraceKind kind) {
        for (int i = events.size() - 1; i >= 0; i--) {
            TraceEvent e = events.get(i);
            if (e.kind() == kind && (e.address() & ~0xfffL) == pageAddress) {
                return e;
            }
        }
        return null;
    }

    /** The whole trace, one event per line. */
    public String render() {
        StringBuilder sb = new StringBuilder();
        sb.append("step  actor      kind      what\n");
        for (TraceEvent e : events) {
            sb.append(e.render()).append('\n');
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return render();
    }
}
