package io.pinsim.bench;

import io.pinsim.runtime.Advice;
import io.pinsim.runtime.Foll;
import io.pinsim.runtime.GupPages;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MapFlags;
import io.pinsim.runtime.MmuIntervalNotifier;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.Prot;
import io.pinsim.runtime.model.KernelModel;
import io.pinsim.runtime.spi.DmaFence;
import io.pinsim.runtime.spi.DmaFenceContext;
import io.pinsim.runtime.spi.DmaResv;
import io.pinsim.runtime.spi.DmaResvUsage;
import io.pinsim.runtime.spi.DriverContext;
import io.pinsim.runtime.spi.Gfp;
import io.pinsim.runtime.spi.HmmRange;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * What lockdep costs: the same scenarios with {@code Kernel.builder().lockdep(true)} (the default)
 * and {@code lockdep(false)}, each on a fresh kernel per invocation (kernel creation and lockdep's
 * boot priming included):
 * <ul>
 * <li>{@code kernelOnly}: a fresh kernel with one process: on models with dma_resv_lockdep()
 *     priming (5.6+) lockdep records the primed chain at creation;</li>
 * <li>{@code pinFork}: pin, fork, parent write, device write - no driver lock, so lockdep only
 *     checks that nothing is held;</li>
 * <li>{@code mirrorFork}: a driver mirroring 8 pages with an interval notifier whose callback
 *     takes its lock, hmm_range_fault() under read_begin, a fork that invalidates, MADV_DONTNEED,
 *     and the refault - every path lockdep annotates;</li>
 * <li>{@code fenceSignalling}: 16 jobs, each a fence published in a reservation object under its
 *     ww lock, a signalling section with a GFP_ATOMIC allocation, the signal, and a bounded wait.</li>
 * </ul>
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar LockdepCostBenchmark}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class LockdepCostBenchmark {
    private static final int PAGE = Kernel.PAGE_SIZE;
    private static final int MIRRORED = 8;
    private static final int JOBS = 16;

    @Param({"true", "false"})
    public boolean lockdep;

    @Param({"LINUX_4_19", "LINUX_6_6"})
    public String model;

    private KernelModel kernelModel;

    @Setup
    public void resolveModel() {
        kernelModel = KernelModel.byName(model);
    }

    private Kernel kernel() {
        return Kernel.builder().model(kernelModel).seed(1).lockdep(lockdep).build();
    }

    @Benchmark
    public void kernelOnly(Blackhole bh) {
        Kernel k = kernel();
        bh.consume(k.spawn("A"));
    }

    @Benchmark
    public void pinFork(Blackhole bh) {
        Kernel k = kernel();
        Process a = k.spawn("A");
        long buf = a.mmap(PAGE, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
        a.write(buf, new byte[] {1});
        GupPages pin = a.pinUserPages(buf, 1, Foll.WRITE | Foll.LONGTERM, "rdma0");
        Process child = a.fork();
        a.write(buf, new byte[] {2});
        pin.write(64, new byte[] {3});
        bh.consume(a.read(buf + 64, 1));
        bh.consume(child);
    }

    @Benchmark
    public void mirrorFork(Blackhole bh) {
        Kernel k = kernel();
        DriverContext dev = DriverContext.attach(k, "gpu0");
        Process a = k.spawn("A");
        long buf = a.mmap((long) MIRRORED * PAGE, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
        a.fill(buf, (long) MIRRORED * PAGE, (byte) 'A');
        MmuIntervalNotifier sub = dev.insertIntervalNotifier(a, buf, (long) MIRRORED * PAGE, (s, range, cur) -> {
            dev.lock("update");
            s.setSeq(cur);
            dev.unlock("update");
            return true;
        }, null);
        bh.consume(mirror(dev, sub, buf));
        Process child = a.fork();
        a.madvise(buf, PAGE, Advice.DONTNEED);
        bh.consume(mirror(dev, sub, buf));
        bh.consume(child);
    }

    /** hmm.rst's loop: read_begin, hmm_range_fault, then under the driver lock read_retry. */
    private static HmmRange mirror(DriverContext dev, MmuIntervalNotifier sub, long buf) {
        while (true) {
            long seq = sub.readBegin();
            HmmRange r;
            try {
                r = dev.hmmRangeFault(sub, seq, buf, MIRRORED, true);
            } catch (io.pinsim.runtime.ErrnoException e) {
                continue;
            }
            dev.lock("update");
            boolean retry = sub.readRetry(seq);
            dev.unlock("update");
            if (!retry) {
                return r;
            }
        }
    }

    @Benchmark
    public void fenceSignalling(Blackhole bh) {
        Kernel k = kernel();
        DriverContext dev = DriverContext.attach(k, "gpu0");
        DmaFenceContext ring = dev.fenceContext("gfx");
        DmaResv resv = dev.dmaResv("bo0");
        for (int i = 0; i < JOBS; i++) {
            DmaFence f = ring.createFence();
            resv.lock();
            resv.addFence(f, DmaResvUsage.WRITE);
            resv.unlock();
            boolean cookie = dev.dmaFenceBeginSignalling();
            dev.allocate(Gfp.ATOMIC, "job");
            f.signal();
            dev.dmaFenceEndSignalling(cookie);
            bh.consume(resv.waitTimeout(DmaResvUsage.WRITE, 10));
        }
    }
}
