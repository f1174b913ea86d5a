package io.pinsim.runtime.explore;

import io.pinsim.runtime.Footprint;

/**
 * The lexicographic normal form of a schedule (Anisimov and Knuth): of all the schedules that only
 * reorder adjacent steps of different threads with disjoint footprints (one Mazurkiewicz trace),
 * the least in thread order. Two schedules are equivalent exactly when their normal forms are equal.
 */
final class NormalForm {
    private NormalForm() {
    }

    /** The normal form of the steps run by these threads with these (effective) footprints. */
    static Schedule of(int[] threads, Footprint[] footprints) {
        int n = threads.length;
        boolean[] done = new boolean[n];
        int[] out = new int[n];
        for (int k = 0; k < n; k++) {
            int best = -1;
            for (int i = 0; i < n; i++) {
                if (done[i] || (best >= 0 && threads[i] >= threads[best])) {
                    continue;
                }
                if (ready(i, threads, footprints, done)) {
                    best = i;
                }
            }
            done[best] = true;
            out[k] = threads[best];
        }
        return Schedule.of(out);
    }

    /** Whether every earlier step that step i depends on has been placed. */
    private static boolean ready(int i, int[] threads, Footprint[] footprints, boolean[] done) {
        for (int j = 0; j < i; j++) {
            if (!done[j] && (threads[j] == threads[i] || footprints[j].conflictsWith(footprints[i]))) {
                return false;
            }
        }
        return true;
    }
}
