package io.pinsim.runtime.explore;

import io.pinsim.runtime.Footprint;
import io.pinsim.runtime.Steppable;
import java.util.ArrayList;
import java.util.List;

/**
 * The wait-for graph of a deadlock: which blocked thread waits for which object
 * ({@link Steppable#waitsFor()}) and which thread's operation holds it ({@link Steppable#holds()}),
 * with the cycle if there is one, as the deadlock report prints it.
 */
final class WaitForGraph {
    private WaitForGraph() {
    }

    static <S> String describe(List<Explorer.ThreadSpec<S>> specs, String[] actors, Steppable[] current) {
        int n = current.length;
        int[] waitsOn = new int[n];
        List<String> lines = new ArrayList<>();
        int blocked = 0;
        int width = 0;
        for (int t = 0; t < n; t++) {
            width = Math.max(width, label(specs, actors, t).length());
        }
        for (int t = 0; t < n; t++) {
            waitsOn[t] = -1;
            if (current[t] == null) {
                continue;
            }
            blocked++;
            String object = current[t].waitsFor();
            String holder;
            if (object == null) {
                holder = "for something its operation does not name (its Steppable does not implement waitsFor())";
            } else {
                waitsOn[t] = holderOf(object, current);
                holder = "for " + object + ", " + (waitsOn[t] >= 0 ? "held by T" + (waitsOn[t] + 1) + " (" + current[waitsOn[t]].nextStep() + " is its next step)"
                        : "which no explored thread holds (the setup, or an operation that ended without releasing it, took it)");
            }
            lines.add(String.format("  %-" + width + "s  blocked in \"%s\"%n  %-" + width + "s    waits %s", label(specs, actors, t), current[t].nextStep(), "", holder));
        }
        StringBuilder sb = new StringBuilder("deadlock: " + Search.plural(blocked, "thread") + " blocked, none can run (wait-for graph):\n");
        for (String l : lines) {
            sb.append(l).append('\n');
        }
        String cycle = cycle(waitsOn);
        sb.append(cycle != null ? "  cycle: " + cycle : "  no cycle among the explored threads: a thread waits for something no one will release");
        return sb.toString();
    }

    private static <S> String label(List<Explorer.ThreadSpec<S>> specs, String[] actors, int t) {
        String name = specs.get(t).name();
        return "T" + (t + 1) + " " + name + (actors[t].equals(name) ? "" : " (" + actors[t] + ")");
    }

    /** The thread whose operation holds the object (or an object that covers it), or -1. */
    private static int holderOf(String object, Steppable[] current) {
        for (int u = 0; u < current.length; u++) {
            if (current[u] == null) {
                continue;
            }
            for (String held : current[u].holds()) {
                if (Footprint.overlap(held, object)) {
                    return u;
                }
            }
        }
        return -1;
    }

    /** The first cycle of the graph, from the lowest thread on it: {@code T1 -> T2 -> T1}; or null. */
    private static String cycle(int[] waitsOn) {
        int n = waitsOn.length;
        for (int start = 0; start < n; start++) {
            int[] seen = new int[n];
            int t = start;
            int k = 1;
            while (t >= 0 && seen[t] == 0) {
                seen[t] = k++;
                t = waitsOn[t];
            }
            if (t == start) {
                StringBuilder sb = new StringBuilder("T" + (start + 1));
                int u = waitsOn[start];
                while (true) {
                    sb.append(" -> T").append(u + 1);
                    if (u == start) {
                        break;
                    }
                    u = waitsOn[u];
                }
                return sb.toString();
            }
        }
        return null;
    }
}
