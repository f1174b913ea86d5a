package io.pinsim.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;
import java.util.function.Consumer;
import org.openjdk.jmh.infra.Blackhole;

/**
 * {@link LockdepCostBenchmark}'s scenarios measured in CPU time of the measuring thread, lockdep on
 * and off side by side: on a shared machine the other load inflates JMH's wall clock, not this.
 *
 * <p>Method: every scenario is first run in both modes for JIT warm-up; then per scenario three
 * rounds, each running lockdep on and off (alternating which goes first), each for
 * {@code seconds} of warm-up and {@code seconds} measured
 * ({@link ThreadMXBean#getCurrentThreadCpuTime()}); the table shows the best round of each (the
 * one least disturbed by the JIT and GC), and the bytes allocated per scenario
 * ({@code getCurrentThreadAllocatedBytes()}), which no other load on the machine changes.
 *
 * <p>Run: {@code java -cp bench/target/benchmarks.jar io.pinsim.bench.LockdepCpuTime [seconds]}
 * (default 2).
 */
public final class LockdepCpuTime {
    private LockdepCpuTime() {
    }

    public static void main(String[] args) {
        long nanos = (long) ((args.length > 0 ? Double.parseDouble(args[0]) : 2) * 1e9);
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        com.sun.management.ThreadMXBean alloc = (com.sun.management.ThreadMXBean) mx;
        Blackhole bh = new Blackhole("Today's password is swordfish. I understand instantiating Blackholes directly is dangerous.");
        System.out.printf(Locale.ROOT, "pinsim lockdep cost, CPU time of one thread per scenario (fresh kernel each); JVM %s %s%n",
                System.getProperty("java.vm.name"), System.getProperty("java.version"));
        String[] names = {"kernel", "pinFork", "mirrorFork", "fenceSignalling"};
        String[] models = {"LINUX_4_19", "LINUX_6_6"};
        // JIT warm-up of every scenario in both modes first: on a loaded machine the compiler threads
        // starve, and the scenario measured first would otherwise pay for interpreted code
        for (int pass = 0; pass < 2; pass++) {
            for (String name : names) {
                for (int i = 0; i < 2; i++) {
                    Consumer<Blackhole> op = op(name, i == 0, models[1]);
                    long w0 = System.nanoTime();
                    while (System.nanoTime() - w0 < nanos) {
                        op.accept(bh);
                    }
                }
            }
        }
        for (String model : models) {
            for (String name : names) {
                double[] best = {Double.MAX_VALUE, Double.MAX_VALUE};
                double[] bytes = new double[2];
                for (int round = 0; round < 3; round++) {
                    for (int j = 0; j < 2; j++) {
                        int i = (round + j) % 2; // on first in even rounds, off first in odd ones
                        Consumer<Blackhole> op = op(name, i == 0, model);
                        long w0 = System.nanoTime();
                        while (System.nanoTime() - w0 < nanos) {
                            op.accept(bh);
                        }
                        long a0 = alloc.getCurrentThreadAllocatedBytes();
                        long c0 = mx.getCurrentThreadCpuTime();
                        long t0 = System.nanoTime();
                        long n = 0;
                        while (System.nanoTime() - t0 < nanos) {
                            op.accept(bh);
                            n++;
                        }
                        best[i] = Math.min(best[i], (mx.getCurrentThreadCpuTime() - c0) / 1e3 / n);
                        bytes[i] = (double) (alloc.getCurrentThreadAllocatedBytes() - a0) / n;
                    }
                }
                System.out.printf(Locale.ROOT, "%-10s %-16s lockdep on %7.2f us, off %7.2f us: %+4.0f %% | allocated on %7.0f B, off %7.0f B: %+4.0f %%%n", model, name,
                        best[0], best[1], (best[0] / best[1] - 1) * 100, bytes[0], bytes[1], (bytes[0] / bytes[1] - 1) * 100);
            }
        }
    }

    private static Consumer<Blackhole> op(String name, boolean lockdep, String model) {
        LockdepCostBenchmark b = new LockdepCostBenchmark();
        b.lockdep = lockdep;
        b.model = model;
        b.resolveModel();
        return switch (name) {
            case "kernel" -> b::kernelOnly;
            case "pinFork" -> b::pinFork;
            case "mirrorFork" -> b::mirrorFork;
            default -> b::fenceSignalling;
        };
    }
}
