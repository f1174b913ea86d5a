package io.pinsim.runtime.trace;

/**
 * The text of a trace event, rendered when someone reads it rather than when it is recorded. A hot
 * path (a fault, a page shared at fork) passes a constant message that builds its text from the
 * event's own address and frame, so recording the event allocates nothing and stores no string.
 * A message must depend on nothing but its arguments: it may be rendered long after the state it
 * describes has changed.
 */
@FunctionalInterface
public interface TraceMessage {
    /**
     * The event's text.
     *
     * @param address the event's address, or -1
     * @param pfn     the event's frame, or -1
     * @return what happened and why, in kernel terms
     */
    String render(long address, long pfn);
}
