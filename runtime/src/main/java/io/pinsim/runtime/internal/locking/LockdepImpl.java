package io.pinsim.runtime.internal.locking;

import io.pinsim.runtime.lockdep.LockDependency;
import io.pinsim.runtime.lockdep.Lockdep;
import io.pinsim.runtime.lockdep.LockdepReport;
import io.pinsim.runtime.trace.KernelLog;
import io.pinsim.runtime.trace.Trace;
import io.pinsim.runtime.trace.TraceKind;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The model's lockdep (kernel/locking/lockdep.c): a held-lock stack per actor and one dependency
 * graph per kernel.
 *
 * <ul>
 * <li>{@link #acquire} records the edge from the most recently acquired held lock only, as
 * check_prevs_add() does (it walks further down only past trylocks, which the model has none of);
 * the rest of the order follows by transitivity.</li>
 * <li>A new edge is checked with check_noncircular(): a path back from the acquired lock to the held
 * one is a deadlock unless every such path passes a lock that one edge enters as a recursive read
 * and the next leaves as held shared (the "strong path" rule of 5.11's read-lock support,
 * 9de0c9bbcedf and its series): two recursive readers never block each other.</li>
 * <li>Acquiring a class the actor already holds is check_deadlock()'s "possible recursive locking"
 * unless the new acquisition is a recursive read of a read-held lock, or the class is a ww class
 * taken under one acquire context (nest_lock).</li>
 * <li>After its first report lockdep turns itself off (debug_locks_off_graph_unlock()), as the
 * kernel does: one splat per boot.</li>
 * </ul>
 */
public final class LockdepImpl implements Lockdep {
    /** The actor that records the boot-time priming (step 0). */
    public static final String PRIMING_ACTOR = "dma_resv_lockdep";

    private record Held(LockClass cls, LockMode mode, int step) {
    }

    private record Edge(LockClass from, boolean fromShared, LockClass to, boolean toRecursive) {
    }

    private final boolean enabled;
    private final Trace trace;
    private final KernelLog log;
    private final Map<String, List<Held>> held = new HashMap<>();
    /** Holds across all actors, so that the page allocator's check costs one read when nothing is held. */
    private int heldCount;
    private final Map<LockClass, List<Edge>> out = new HashMap<>();
    private final Map<Edge, LockDependency> seen = new LinkedHashMap<>();
    private final List<LockdepReport> reports = new ArrayList<>();
    private boolean off;
    private boolean priming;

    /** Lockdep for one kernel; a disabled one records nothing (CONFIG_PROVE_LOCKING=n). */
    public LockdepImpl(boolean enabled, Trace trace, KernelLog log) {
        this.enabled = enabled;
        this.trace = trace;
        this.log = log;
    }

    @Override
    public boolean enabled() {
        return enabled;
    }

    @Override
    public List<LockdepReport> reports() {
        return Collections.unmodifiableList(reports);
    }

    @Override
    public List<LockDependency> dependencies() {
        return List.copyOf(seen.values());
    }

    /** Whether the validator still runs: enabled and no report yet. */
    public boolean active() {
        return enabled && !off;
    }

    /** Runs the boot-time priming: its edges are recorded at step 0 by {@link #PRIMING_ACTOR}. */
    public void prime(Runnable body) {
        priming = true;
        try {
            body.run();
        } finally {
            priming = false;
        }
    }

    /** Whether the actor holds any lock: the allocator's fast check before fs_reclaim_acquire(). */
    public boolean holdsAny(String actor) {
        if (heldCount == 0) {
            return false;
        }
        List<Held> h = held.get(actor);
        return h != null && !h.isEmpty();
    }

    /** lock_is_held_type(): whether the actor holds the class, in a shared mode if {@code shared}. */
    public boolean holds(String actor, LockClass cls, boolean shared) {
        for (Held h : held.getOrDefault(actor, List.of())) {
            if (h.cls.equals(cls) && h.mode.shared() == shared) {
                return true;
            }
        }
        return false;
    }

    /** lock_acquire(): the actor takes the lock in this mode. */
    public void acquire(String actor, LockClass cls, LockMode mode) {
        if (!active()) {
            return;
        }
        int step = priming ? 0 : trace.step();
        List<Held> stack = held.computeIfAbsent(actor, a -> new ArrayList<>());
        for (Held h : stack) {
            if (h.cls.equals(cls) && !cls.ww() && !(mode == LockMode.RECURSIVE_READ && h.mode.shared())) {
                LockDependency d = new LockDependency(cls.name(), h.mode.shared(), cls.name(), false, step, actor);
                report(new LockdepReport(LockdepText.RECURSIVE, step, actor, d, List.of(), LockdepText.recursive(actor, h.cls, h.mode, h.step, mode, step)));
                stack.add(new Held(cls, mode, step));
                heldCount++;
                return;
            }
        }
        if (!stack.isEmpty()) {
            Held top = stack.get(stack.size() - 1);
            if (!top.cls.equals(cls)) {
                addEdge(actor, top, cls, mode, step);
            }
        }
        stack.add(new Held(cls, mode, step));
        heldCount++;
    }

    /** lock_release(): the actor drops its most recent hold of the class (releases need not nest). */
    public void release(String actor, LockClass cls) {
        List<Held> stack = held.get(actor);
        if (stack == null) {
            return;
        }
        for (int i = stack.size() - 1; i >= 0; i--) {
            if (stack.get(i).cls.equals(cls)) {
                stack.remove(i);
                heldCount--;
                return;
            }
        }
    }

    /** lock_map_acquire() then lock_map_release(): "might take", e.g. __dma_fence_might_wait(). */
    public void acquireRelease(String actor, LockClass cls, LockMode mode) {
        acquire(actor, cls, mode);
        release(actor, cls);
    }

    private void addEdge(String actor, Held top, LockClass to, LockMode mode, int step) {
        Edge e = new Edge(top.cls, top.mode.shared(), to, mode == LockMode.RECURSIVE_READ);
        if (seen.containsKey(e)) {
            return;
        }
        LockDependency added = new LockDependency(top.cls.name(), e.fromShared, to.name(), e.toRecursive, step, actor);
        List<Edge> back = strongPath(e);
        if (back != null) {
            List<LockDependency> chain = new ArrayList<>();
            for (Edge b : back) {
                chain.add(seen.get(b));
            }
            report(new LockdepReport(LockdepText.CIRCULAR, step, actor, added, chain,
                    LockdepText.circular(actor, top.step, top.mode, added, chain)));
            return;
        }
        seen.put(e, added);
        out.computeIfAbsent(e.from, k -> new ArrayList<>()).add(e);
    }

    /**
     * A path from {@code e.to} back to {@code e.from} on which no lock is entered by a recursive
     * read and left as held shared (including the two junctions with {@code e}), or null.
     */
    private List<Edge> strongPath(Edge e) {
        record State(LockClass at, boolean enteredRecursive) {
        }
        Map<State, Edge> via = new HashMap<>();
        Map<State, State> parent = new HashMap<>();
        Set<State> visited = new HashSet<>();
        ArrayDeque<State> queue = new ArrayDeque<>();
        State start = new State(e.to, e.toRecursive);
        queue.add(start);
        visited.add(start);
        while (!queue.isEmpty()) {
            State s = queue.poll();
            for (Edge next : out.getOrDefault(s.at, List.of())) {
                if (s.enteredRecursive && next.fromShared) {
                    continue;
                }
                State t = new State(next.to, next.toRecursive);
                if (!visited.add(t)) {
                    continue;
                }
                via.put(t, next);
                parent.put(t, s);
                if (next.to.equals(e.from) && !(next.toRecursive && e.fromShared)) {
                    List<Edge> path = new ArrayList<>();
                    for (State c = t; !c.equals(start); c = parent.get(c)) {
                        path.add(0, via.get(c));
                    }
                    return path;
                }
                queue.add(t);
            }
        }
        return null;
    }

    private void report(LockdepReport r) {
        reports.add(r);
        off = true;
        log.print(r.step(), KernelLog.Level.WARN, r.text());
        trace.record(r.actor(), TraceKind.INFO, -1, -1, "lockdep: " + r.title() + ": " + String.join(" -> ", r.cycle()));
    }
}
