package io.pinsim.runtime.explore;

import java.util.Arrays;

/**
 * A schedule: which thread runs each step, as the explorer prints it and {@link Explorer#replay}
 * reads it back. Threads are numbered from 1 in the order {@link Explorer#thread} declared them; a
 * run of steps by one thread is written {@code T1*3}: {@code T2,T1*3,T2,T1,T2,T1*6}.
 */
public final class Schedule {
    private final int[] threads;

    private Schedule(int[] threads) {
        this.threads = threads;
    }

    /** A schedule of these 0-based thread indices. */
    static Schedule of(int[] threads) {
        return new Schedule(threads.clone());
    }

    /**
     * Reads a schedule string such as {@code T2,T1*3,T2}; spaces are ignored.
     *
     * @throws IllegalArgumentException if it is not one
     */
    public static Schedule parse(String schedule) {
        String s = schedule.replace(" ", "");
        if (s.isEmpty()) {
            return new Schedule(new int[0]);
        }
        int[] out = new int[16];
        int n = 0;
        for (String part : s.split(",", -1)) {
            int star = part.indexOf('*');
            String thread = star < 0 ? part : part.substring(0, star);
            int times = star < 0 ? 1 : number(part.substring(star + 1), schedule);
            if (thread.length() < 2 || (thread.charAt(0) != 'T' && thread.charAt(0) != 't') || times < 1) {
                throw new IllegalArgumentException("\"" + part + "\" in schedule \"" + schedule + "\" is not a step: write T<thread>[*<count>], e.g. T2,T1*3,T2");
            }
            int t = number(thread.substring(1), schedule) - 1;
            if (t < 0) {
                throw new IllegalArgumentException("threads are numbered from T1; schedule \"" + schedule + "\" names " + thread);
            }
            while (n + times > out.length) {
                out = Arrays.copyOf(out, out.length * 2);
            }
            Arrays.fill(out, n, n + times, t);
            n += times;
        }
        return new Schedule(Arrays.copyOf(out, n));
    }

    private static int number(String digits, String schedule) {
        try {
            return Integer.parseInt(digits);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("\"" + digits + "\" in schedule \"" + schedule + "\" is not a number: write T<thread>[*<count>], e.g. T2,T1*3,T2", e);
        }
    }

    /** The number of steps. */
    public int length() {
        return threads.length;
    }

    /** The 0-based index of the thread that runs step i (0-based); {@code T1} is 0. */
    public int thread(int i) {
        return threads[i];
    }

    int[] toArray() {
        return threads.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Schedule s && Arrays.equals(threads, s.threads);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(threads);
    }

    /** The schedule string: {@code T2,T1*3,T2}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        int i = 0;
        while (i < threads.length) {
            int j = i;
            while (j < threads.length && threads[j] == threads[i]) {
                j++;
            }
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append('T').append(threads[i] + 1);
            if (j - i > 1) {
                sb.append('*').append(j - i);
            }
            i = j;
        }
        return sb.toString();
    }
}
