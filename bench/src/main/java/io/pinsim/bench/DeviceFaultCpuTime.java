package io.pinsim.bench;

import io.pinsim.devices.IbAccess;
import io.pinsim.devices.MemoryRegion;
import io.pinsim.devices.RdmaNic;
import io.pinsim.runtime.Advice;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MapFlags;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.Prot;
import io.pinsim.runtime.explore.Explorer;
import io.pinsim.runtime.explore.Op;
import io.pinsim.runtime.explore.Report;
import io.pinsim.runtime.explore.Search;
import io.pinsim.runtime.model.KernelModel;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The device-fault exploration of the {@code odp-fault-vs-invalidate} sample measured in CPU time of
 * the measuring thread: mlx5's stepped ODP device fault ({@code RdmaNic.adviseSteps}) against a
 * stepped MADV_DONTNEED of the page, every schedule up to 3 preemptions, exhaustively, invariants
 * on; per model, the CPU time of one exploration, the schedule steps per CPU second, and the CPU
 * time of the setup alone (a fresh kernel, a process, the NIC and its ODP MR), which every
 * execution pays again.
 *
 * <p>Method: a measurement tool, not a JMH benchmark: {@code seconds} of warm-up over every model,
 * then per measurement {@code seconds} of warm-up and {@code seconds} measured, {@link ThreadMXBean#getCurrentThreadCpuTime()}.
 *
 * <p>Run: {@code java -cp bench/target/benchmarks.jar io.pinsim.bench.DeviceFaultCpuTime [seconds [MODEL,...]]}
 * (default 5 seconds, every model in order).
 */
public final class DeviceFaultCpuTime {
    private static final int PAGE = Kernel.PAGE_SIZE;

    private DeviceFaultCpuTime() {
    }

    /** One schedule's world: the process, its page, the NIC and its ODP MR. */
    static final class Odp {
        final Process a;
        final long buf;
        final RdmaNic nic;
        final MemoryRegion mr;

        Odp(Kernel k) {
            a = k.spawn("A");
            buf = a.mmap(PAGE, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
            a.write(buf, new byte[] {'A'});
            nic = new RdmaNic(k, "mlx5_0");
            mr = nic.regMr(nic.allocPd(a), buf, PAGE, IbAccess.ON_DEMAND | IbAccess.LOCAL_WRITE | IbAccess.REMOTE_WRITE);
        }
    }

    static Explorer<Odp> explorer(KernelModel model) {
        return Explorer.on(Kernel.builder().model(model).seed(1), Odp::new)
                .thread("fault", Op.steps("ibv_advise_mr(PREFETCH_WRITE)", o -> o.nic.adviseSteps(o.mr, 0, PAGE, true)))
                .thread("zap", Op.steps("madvise(DONTNEED)", o -> o.a.mainThread().madviseSteps(o.buf, PAGE, Advice.DONTNEED)))
                .check("the NIC maps no page the process does not map there", (k, o) -> {
                    if (o.mr.deviceFrame(0) != null && !o.mr.isCoherent(0)) {
                        throw new AssertionError("stale device page");
                    }
                })
                .checkInvariants();
    }

    /** Runs {@code work} for {@code nanos} of warm-up, then for {@code nanos} measured; returns CPU ns per run and the last result. */
    static <T> Object[] measure(long nanos, Supplier<T> work) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        T r = work.get();
        long w0 = System.nanoTime();
        while (System.nanoTime() - w0 < nanos) {
            r = work.get();
        }
        long c0 = mx.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        long n = 0;
        while (System.nanoTime() - t0 < nanos) {
            r = work.get();
            n++;
        }
        return new Object[] {(mx.getCurrentThreadCpuTime() - c0) / (double) n, r};
    }

    public static void main(String[] args) {
        long nanos = (args.length > 0 ? Long.parseLong(args[0]) : 5) * 1_000_000_000L;
        System.out.printf(Locale.ROOT, "pinsim device-fault exploration (mlx5 fault vs MADV_DONTNEED, 3 preemptions, exhaustive), CPU time of one thread; JVM %s %s%n",
                System.getProperty("java.vm.name"), System.getProperty("java.version"));
        java.util.List<KernelModel> models = args.length > 1
                ? java.util.Arrays.stream(args[1].split(",")).map(KernelModel::byName).toList() : KernelModel.all();
        // JIT warm-up over every model first: the first model measured is otherwise 10 - 30 times slower
        long w0 = System.nanoTime();
        while (System.nanoTime() - w0 < nanos) {
            for (KernelModel model : models) {
                explorer(model).explore(Search.preemptionBounded(3).exhaustive());
            }
        }
        for (KernelModel model : models) {
            Explorer<Odp> explorer = explorer(model);
            Object[] e = measure(nanos, () -> explorer.explore(Search.preemptionBounded(3).exhaustive()));
            Report r = (Report) e[1];
            double perExploration = (double) e[0];
            Object[] s = measure(nanos, () -> new Odp(Kernel.builder().model(model).seed(1).build()));
            double setup = (double) s[0];
            System.out.printf(Locale.ROOT, "%-10s %6.2f ms per exploration, %5.0f k steps/s | %d schedules, %d executions, %d steps | setup %5.1f us x %d executions = %4.1f%% of the CPU%n",
                    model.name(), perExploration / 1e6, r.steps() * 1e6 / perExploration, r.schedules(), r.executions(), r.steps(), setup / 1e3, r.executions(),
                    100.0 * setup * r.executions() / perExploration);
        }
    }
}
