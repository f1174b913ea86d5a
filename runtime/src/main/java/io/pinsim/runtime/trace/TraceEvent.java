package io.pinsim.runtime.trace;

import java.util.Objects;

/**
 * One event of a scenario's trace.
 *
 * @param seq     the event's position in the trace, from 0
 * @param step    the step (top-level call) it belongs to, from 1
 * @param actor   who acted: a process or thread ({@code A}, {@code A/T2}), a device, or {@code kernel}
 * @param kind    what kind of event
 * @param address the virtual address concerned, or -1
 * @param pfn     the frame concerned, or -1
 * @param message what happened and why, in kernel terms
 */
public record TraceEvent(int seq, int step, String actor, TraceKind kind, long address, long pfn, String message) {
    /** Checks the components. */
    public TraceEvent {
        Objects.requireNonNull(actor, "actor");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(message, "message");
    }

    /** The event as one line: step, actor, kind, message. */
    public String render() {
        return String.format("%4d  %-10s %-9s %s", step, actor, kind, message);
    }

    @Override
    public String toString() {
        return render();
    }
}
