package io.pinsim.runtime.trace;

import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.RandomAccess;
import java.util.function.Predicate;

/**
 * The trace of one kernel: every call and every kernel decision that matters, in order. A step is
 * one top-level call (a syscall, a fault, a device operation); the events inside it share its
 * number. The same scenario with the same seed gives the same trace, byte for byte.
 *
 * <p>Events are stored as columns in chunks of 1,024 (actor and kind packed in one int, address,
 * frame, message; the step once per run of events that share it), 20 bytes an event, and their
 * text is rendered when it is read: a hot path records a
 * constant {@link TraceMessage} and allocates nothing. {@link #events()} hands out
 * {@link TraceEvent} records made on demand. The {@link TraceLevel} says which events are kept.
 */
public final class Trace {
    private static final int KIND_BITS = 5;
    private static final List<TraceKind> KINDS = List.of(TraceKind.values());
    /** Events per chunk: the columns grow a chunk at a time, never copied, never more than one chunk unused. */
    private static final int CHUNK_BITS = 10;
    private static final int CHUNK = 1 << CHUNK_BITS;
    /** A pfn column entry that does not fit an int: the pfn is in {@link #widePfns}. */
    private static final int WIDE_PFN = Integer.MIN_VALUE;

    private final TraceLevel level;
    private int size;
    /** actor index << KIND_BITS | kind ordinal, per event, in chunks. */
    private int[][] meta = new int[1][];
    private long[][] addresses = new long[1][];
    private int[][] pfns = new int[1][];
    /** A String, or a TraceMessage rendered on read. */
    private Object[][] messages = new Object[1][];
    /** Steps only grow: each run of events with one step costs one entry here, not one per event. */
    private int[] runStep = new int[16];
    private int[] runStart = new int[16];
    private int runs;
    /** Event index to pfn, for the pfns an int cannot hold (lookup only). */
    private final Map<Integer, Long> widePfns = new HashMap<>();
    private final List<String> actors = new ArrayList<>();
    /** Lookup only, never iterated: the actors' order is {@link #actors}. */
    private final Map<String, Integer> actorIndex = new HashMap<>();
    /** The actor of the last event and its index: no hash lookup for a run of events by one actor. */
    private String lastActor;
    private int lastActorIndex;
    private final List<TraceEvent> view = new View();
    private int step;
    private int depth;

    static {
        if (TraceKind.values().length > (1 << KIND_BITS)) {
            throw new AssertionError("TraceKind outgrew its " + KIND_BITS + " bits");
        }
    }

    /** A trace that keeps every event. */
    public Trace() {
        this(TraceLevel.ALL);
    }

    /** A trace that keeps the events of this level. */
    public Trace(TraceLevel level) {
        this.level = Objects.requireNonNull(level, "level");
    }

    /** What this trace keeps. */
    public TraceLevel level() {
        return level;
    }

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
    public void record(String actor, TraceKind kind, long address, long pfn, String message) {
        Objects.requireNonNull(message, "message");
        add(actor, kind, address, pfn, message);
    }

    /**
     * Records an event whose text is rendered when it is read, from its address and frame: for
     * events recorded on every page of a large operation.
     */
    public void record(String actor, TraceKind kind, long address, long pfn, TraceMessage message) {
        Objects.requireNonNull(message, "message");
        add(actor, kind, address, pfn, message);
    }

    private void add(String actor, TraceKind kind, long address, long pfn, Object message) {
        Objects.requireNonNull(actor, "actor");
        Objects.requireNonNull(kind, "kind");
        int s = depth == 0 ? ++step : step;
        if (!keeps(kind)) {
            return;
        }
        int c = size >>> CHUNK_BITS;
        int i = size & (CHUNK - 1);
        if (c == 0 && size > 0 && size == meta[0].length) {
            // the first chunk starts small and doubles up to a full chunk: a short scenario's
            // kernel (built by the thousand in explorers and fuzzers) allocates a few hundred bytes
            int n = size * 2;
            meta[0] = Arrays.copyOf(meta[0], n);
            addresses[0] = Arrays.copyOf(addresses[0], n);
            pfns[0] = Arrays.copyOf(pfns[0], n);
            messages[0] = Arrays.copyOf(messages[0], n);
        } else if (i == 0) {
            int len = c == 0 ? 16 : CHUNK;
            if (c == meta.length) {
                int n = c * 2;
                meta = Arrays.copyOf(meta, n);
                addresses = Arrays.copyOf(addresses, n);
                pfns = Arrays.copyOf(pfns, n);
                messages = Arrays.copyOf(messages, n);
            }
            meta[c] = new int[len];
            addresses[c] = new long[len];
            pfns[c] = new int[len];
            messages[c] = new Object[len];
        }
        if (runs == 0 || runStep[runs - 1] != s) {
            if (runs == runStep.length) {
                runStep = Arrays.copyOf(runStep, runs * 2);
                runStart = Arrays.copyOf(runStart, runs * 2);
            }
            runStep[runs] = s;
            runStart[runs] = size;
            runs++;
        }
        int a;
        if (actor == lastActor) {
            a = lastActorIndex; // events of one step mostly share their actor's String
        } else {
            Integer known = actorIndex.get(actor);
            if (known == null) {
                known = actors.size();
                actors.add(actor);
                actorIndex.put(actor, known);
            }
            a = known;
            lastActor = actor;
            lastActorIndex = a;
        }
        meta[c][i] = a << KIND_BITS | kind.ordinal();
        addresses[c][i] = address;
        if (pfn == (int) pfn && pfn != WIDE_PFN) {
            pfns[c][i] = (int) pfn;
        } else {
            pfns[c][i] = WIDE_PFN;
            widePfns.put(size, pfn);
        }
        messages[c][i] = message;
        size++;
    }

    private boolean keeps(TraceKind kind) {
        return switch (level) {
            case ALL -> true;
            case STEPS -> kind == TraceKind.CALL || kind == TraceKind.ERRNO || kind == TraceKind.SIGNAL;
            case OFF -> false;
        };
    }

    /** The current step number (0 before anything happened). */
    public int step() {
        return step;
    }

    /** How many events the trace holds. */
    public int size() {
        return size;
    }

    /** All events, oldest first; a live read-only view whose events are made when read. */
    public List<TraceEvent> events() {
        return view;
    }

    /** The events that match, oldest first. */
    public List<TraceEvent> events(Predicate<TraceEvent> filter) {
        List<TraceEvent> out = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            TraceEvent e = event(i);
            if (filter.test(e)) {
                out.add(e);
            }
        }
        return List.copyOf(out);
    }

    /** The events that concern a frame, oldest first. */
    public List<TraceEvent> eventsForFrame(long pfn) {
        List<TraceEvent> out = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            if (pfnAt(i) == pfn) {
                out.add(event(i));
            }
        }
        return List.copyOf(out);
    }

    /** The most recent event of a kind at a page-aligned address, or null. */
    public TraceEvent lastAt(long pageAddress, TraceKind kind) {
        for (int i = size - 1; i >= 0; i--) {
            if (kindAt(i) == kind && (addressAt(i) & ~0xfffL) == pageAddress) {
                return event(i);
            }
        }
        return null;
    }

    private TraceKind kindAt(int i) {
        return KINDS.get(meta[i >>> CHUNK_BITS][i & (CHUNK - 1)] & ((1 << KIND_BITS) - 1));
    }

    private long addressAt(int i) {
        return addresses[i >>> CHUNK_BITS][i & (CHUNK - 1)];
    }

    private long pfnAt(int i) {
        int p = pfns[i >>> CHUNK_BITS][i & (CHUNK - 1)];
        return p == WIDE_PFN ? widePfns.get(i) : p;
    }

    /** The step of event i: the last run that starts at or before it. */
    private int stepAt(int i) {
        int r = Arrays.binarySearch(runStart, 0, runs, i);
        return runStep[r >= 0 ? r : -r - 2];
    }

    private TraceEvent event(int i) {
        Object m = messages[i >>> CHUNK_BITS][i & (CHUNK - 1)];
        long address = addressAt(i);
        long pfn = pfnAt(i);
        String text = m instanceof TraceMessage t ? t.render(address, pfn) : (String) m;
        return new TraceEvent(i, stepAt(i), actors.get(meta[i >>> CHUNK_BITS][i & (CHUNK - 1)] >>> KIND_BITS), kindAt(i), address, pfn, text);
    }

    /** The whole trace, one event per line. */
    public String render() {
        StringBuilder sb = new StringBuilder();
        sb.append("step  actor      kind      what\n");
        for (int i = 0; i < size; i++) {
            sb.append(event(i).render()).append('\n');
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return render();
    }

    /** The read-only view of {@link #events()}. */
    private final class View extends AbstractList<TraceEvent> implements RandomAccess {
        @Override
        public TraceEvent get(int index) {
            Objects.checkIndex(index, size);
            return event(index);
        }

        @Override
        public int size() {
            return size;
        }
    }
}
