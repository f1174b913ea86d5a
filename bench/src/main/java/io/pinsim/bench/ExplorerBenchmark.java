package io.pinsim.bench;

import io.pinsim.runtime.Foll;
import io.pinsim.runtime.GupFast;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MapFlags;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.Prot;
import io.pinsim.runtime.Task;
import io.pinsim.runtime.explore.Explorer;
import io.pinsim.runtime.explore.Op;
import io.pinsim.runtime.explore.Report;
import io.pinsim.runtime.explore.Search;
import io.pinsim.runtime.model.KernelModel;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
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

/**
 * The schedule explorer ({@code io.pinsim.runtime.explore}) on S7: one thread pins 4 pages with
 * {@code pin_user_pages_fast(FOLL_WRITE | FOLL_LONGTERM)} while the main thread forks; at the end
 * the parent writes every page and each pin must still hold the parent's page. Every schedule with
 * up to 2 preemptions, exhaustively (not stopping at the first failing bound), each replayed on a
 * fresh kernel (invariants on, as in the tests), with and without sleep-set reduction.
 * <ul>
 * <li>{@link #exhaustive()}: the time of the whole exploration. Target: under 1 s on every model.</li>
 * <li>{@link #steps(StepCounter)}: the same exploration, counting the schedule steps it runs (prefix
 *     replays included; setup and checks are part of the cost but not counted as steps) as the
 *     {@code steps} rate. Target: 1,000,000 steps/s or more on one core.</li>
 * </ul>
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar ExplorerBenchmark}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class ExplorerBenchmark {
    private static final int PAGES = 4;

    @Param({"LINUX_4_19", "LINUX_5_8", "LINUX_5_10", "LINUX_6_1", "LINUX_6_6"})
    public String model;

    @Param({"true", "false"})
    public boolean reduction;

    private Explorer<Race> explorer;
    private Search search;

    /** The scenario's handles, built by the setup of every schedule; the pin stores its operation. */
    static final class Race {
        Process a;
        Task t2;
        long buf;
        GupFast pin;
    }

    /** The number of steps run, reported by JMH as a rate. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class StepCounter {
        public long steps;
    }

    @Setup
    public void explorer() {
        explorer = Explorer.on(Kernel.builder().model(KernelModel.byName(model)), ExplorerBenchmark::setup)
                .thread("fork", Op.steps("fork()", (Race r) -> r.a.mainThread().forkSteps("B")))
                .thread("pin", Op.steps("pin_user_pages_fast()", (Race r) -> r.pin = r.t2.pinUserPagesFastSteps(r.buf, PAGES, Foll.WRITE | Foll.LONGTERM, "rdma0")))
                .check("the pins follow the parent", (k, r) -> {
                    for (int i = 0; i < PAGES; i++) {
                        r.a.fill(r.buf + (long) i * Kernel.PAGE_SIZE, Kernel.PAGE_SIZE, (byte) 'P');
                        if (!r.pin.result().isCoherent(i)) {
                            throw new AssertionError("page " + i + " moved away from the pin");
                        }
                    }
                });
        Search s = Search.preemptionBounded(2).exhaustive();
        search = reduction ? s : s.withoutReduction();
    }

    static Race setup(Kernel k) {
        Race r = new Race();
        r.a = k.spawn("A");
        r.buf = r.a.mmap((long) PAGES * Kernel.PAGE_SIZE, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
        r.a.fill(r.buf, (long) PAGES * Kernel.PAGE_SIZE, (byte) 'A');
        r.t2 = r.a.spawnThread("T2");
        return r;
    }

    @Benchmark
    public Report exhaustive() {
        return explorer.explore(search);
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public Report steps(StepCounter counter) {
        Report r = explorer.explore(search);
        counter.steps += r.steps();
        return r;
    }
}
