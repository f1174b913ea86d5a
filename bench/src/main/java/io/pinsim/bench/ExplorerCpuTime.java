package io.pinsim.bench;

import io.pinsim.runtime.explore.Report;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;

/**
 * {@link ExplorerBenchmark}'s exploration measured in CPU time of the measuring thread, which a
 * shared machine's other load does not inflate as it inflates JMH's wall clock: per model, with
 * and without sleep-set reduction, the CPU time of one exhaustive exploration (GUP-fast pinning 4
 * pages against fork, up to 2 preemptions) and the schedule steps per second of CPU, with the
 * counts of the exploration.
 *
 * <p>Method: a measurement tool, not a JMH benchmark. Each configuration runs the exploration for
 * {@code seconds} of warm-up (JIT), then for {@code seconds} measured; CPU time comes from
 * {@link ThreadMXBean#getCurrentThreadCpuTime()}.
 *
 * <p>Run: {@code java -cp bench/target/benchmarks.jar io.pinsim.bench.ExplorerCpuTime [seconds]}
 * (default 5).
 */
public final class ExplorerCpuTime {
    private ExplorerCpuTime() {
    }

    public static void main(String[] args) {
        long nanos = (args.length > 0 ? Long.parseLong(args[0]) : 5) * 1_000_000_000L;
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        System.out.printf(Locale.ROOT, "pinsim explorer, CPU time of one thread; JVM %s %s%n", System.getProperty("java.vm.name"), System.getProperty("java.version"));
        for (String model : new String[] {"LINUX_4_19", "LINUX_5_8", "LINUX_5_10", "LINUX_6_1", "LINUX_6_6"}) {
            for (boolean reduction : new boolean[] {true, false}) {
                ExplorerBenchmark b = new ExplorerBenchmark();
                b.model = model;
                b.reduction = reduction;
                b.explorer();
                Report r = b.exhaustive();
                long w0 = System.nanoTime();
                while (System.nanoTime() - w0 < nanos) {
                    r = b.exhaustive();
                }
                long c0 = mx.getCurrentThreadCpuTime();
                long t0 = System.nanoTime();
                long steps = 0;
                long n = 0;
                while (System.nanoTime() - t0 < nanos) {
                    r = b.exhaustive();
                    steps += r.steps();
                    n++;
                }
                long cpu = mx.getCurrentThreadCpuTime() - c0;
                System.out.printf(Locale.ROOT, "%-10s %-13s %5.2f ms per exploration, %4.2f M steps/s | %3d schedules, %3d pruned, %3d failed (%d classes), %3d executions, %4d steps%n",
                        model, reduction ? "sleep sets" : "no reduction", cpu / 1e6 / n, steps * 1e3 / cpu, r.schedules(), r.pruned(), r.failures().size(), r.failingClasses(),
                        r.executions(), r.steps());
            }
        }
    }
}
