package io.pinsim.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The fuzzer as a test: sequences of seed {@code fuzz.seed} (0 by default), {@code fuzz.sequences}
 * of them (CI: a fixed range) or as many as fit in {@code fuzz.seconds}; every sequence must run
 * without a failure and leak nothing. A failure is shrunk and printed as a regression test. With
 * {@code -Dfuzz.replay=true} only sequence {@code fuzz.seed}'s index {@code fuzz.sequences} runs,
 * and its Java is printed whether it fails or not.
 */
class FuzzTest {

    @Test
    void randomOperationSequencesBreakNothingAndLeakNothing() {
        long seed = Long.getLong("fuzz.seed", 0);
        long sequences = Long.getLong("fuzz.sequences", 2000);
        long seconds = Long.getLong("fuzz.seconds", 0);
        Fuzzer fuzzer = new Fuzzer(seed);
        if (Boolean.getBoolean("fuzz.replay")) {
            Fuzzer.Result r = fuzzer.run(sequences);
            System.out.println(fuzzer.regressionTest(r, r.ops()));
            assertThat(r.failure()).as("sequence %d of seed %d", sequences, seed).isNull();
            return;
        }
        long deadline = seconds > 0 ? System.nanoTime() + seconds * 1_000_000_000L : Long.MAX_VALUE;
        long limit = sequences > 0 ? sequences : Long.MAX_VALUE;
        int threads = Integer.getInteger("fuzz.threads", 1);
        long start = System.nanoTime();
        Map<Op.Kind, Integer> kinds = new EnumMap<>(Op.Kind.class);
        long[] totals = new long[3];
        List<Fuzzer.Result> failed = new ArrayList<>();
        // Blocks of sequences run on `threads` test threads (each kernel is an island); results are
        // merged in index order, so the report does not depend on the thread count.
        int block = 256;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        try {
            for (long base = 0; base < limit && System.nanoTime() < deadline && failed.size() < 3; base += (long) block * threads) {
                List<java.util.concurrent.Future<List<Fuzzer.Result>>> parts = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    long from = base + (long) t * block;
                    long to = Math.min(limit, from + block);
                    parts.add(pool.submit(() -> {
                        List<Fuzzer.Result> rs = new ArrayList<>();
                        for (long i = from; i < to; i++) {
                            rs.add(fuzzer.run(i));
                        }
                        return rs;
                    }));
                }
                for (var part : parts) {
                    for (Fuzzer.Result r : getUnchecked(part)) {
                        totals[0]++;
                        totals[1] += r.applied();
                        totals[2] += r.refused();
                        for (Op op : r.ops()) {
                            kinds.merge(op.kind(), 1, Integer::sum);
                        }
                        if (!r.ok() && failed.size() < 3) {
                            failed.add(r);
                        }
                    }
                }
            }
        } finally {
            pool.shutdownNow();
        }
        long ran = totals[0];
        long ops = totals[1];
        long refused = totals[2];
        List<String> failures = new ArrayList<>();
        for (Fuzzer.Result r : failed) {
            List<Op> minimal = fuzzer.shrink(r);
            failures.add(r.failure().signature() + "\n" + fuzzer.regressionTest(r, minimal));
            r.failure().cause().printStackTrace(System.out);
        }
        double secs = (System.nanoTime() - start) / 1e9;
        System.out.printf("fuzz: seed %d, %d sequences (%d operations applied, %d refused as the kernel refuses) in %.1f s: %.0f sequences/s, %d failures%n",
                seed, ran, ops, refused, secs, ran / secs, failures.size());
        assertThat(kinds).as("every kind of operation was generated").hasSize(Op.Kind.values().length);
        assertThat(failures).as("fuzz failures, each shrunk to a minimal regression test").isEmpty();
    }

    private static <T> T getUnchecked(java.util.concurrent.Future<T> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }
}
