package io.pinsim.bench;

import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MapFlags;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.Prot;
import io.pinsim.runtime.model.KernelModel;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Measures {@code fork()} of a process that has 262,144 populated private anonymous pages (1 GiB,
 * one {@code MAP_PRIVATE|MAP_ANONYMOUS|MAP_POPULATE} mapping, so every page is an exclusive,
 * writable, dirty anonymous frame), on the 6.6 model (PageAnonExclusive era: every page is
 * shared and write-protected) and on the 4.19 model (mapcount era), with the invariant checker
 * (the model's CONFIG_DEBUG_VM) on and off.
 *
 * <p>Target: one such fork takes under 150 ms.
 *
 * <p>Method: {@link Mode#SingleShotTime}, so each iteration is exactly one measured fork. The
 * set-up of every iteration builds a fresh kernel ({@code memoryFrames(1 << 20)}) and a freshly
 * populated parent, so every measured fork copies the page table of a parent that has never
 * forked (writable PTEs, exclusive pages); the populate and the child's exit are outside the
 * measurement. The set-up ends with two {@code System.gc()} calls, so the fork starts on a settled
 * heap (the populated parent in the old generation) and only pays for the garbage collection its
 * own allocation causes. The fork runs in a 4 GiB heap ({@code -Xms4g -Xmx4g}; a command-line
 * {@code -jvmArgsAppend} replaces this, so repeat them there). {@link #forkAndExit()} measures
 * fork followed by the child's exit, for the whole round trip.
 *
 * <p>Single shots of a ~50-300 ms operation vary by 20-40% from iteration to iteration on a
 * 2-core machine (JIT state, GC); use at least 10 measured iterations.
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar ForkBenchmark}
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 10)
@Fork(value = 1, jvmArgsAppend = {"-Xms4g", "-Xmx4g"})
@State(Scope.Thread)
public class ForkBenchmark {
    /** 1 GiB of 4 KiB pages. */
    public static final int PAGES = 262_144;

    @Param({"LINUX_6_6", "LINUX_4_19"})
    public String model;

    @Param({"true", "false"})
    public boolean invariants;

    private Kernel kernel;
    private Process parent;
    private Process child;

    @Setup(Level.Iteration)
    public void buildParent() {
        kernel = Kernel.builder().model(KernelModel.byName(model)).seed(1).memoryFrames(1L << 20).invariants(invariants).build();
        parent = kernel.spawn("A");
        parent.mmap((long) PAGES * Kernel.PAGE_SIZE, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.POPULATE);
        if (parent.populatedPtes() != PAGES) {
            throw new IllegalStateException("populated " + parent.populatedPtes() + " of " + PAGES + " pages");
        }
        settleHeap();
    }

    /**
     * Collects the set-up's garbage and promotes the parent's ~80 MB of live objects out of the
     * young generation before the measured fork, so that the fork is not charged for evacuating
     * objects the set-up allocated. A measurement harness may call System.gc(); the runtime never does.
     */
    private static void settleHeap() {
        for (int i = 0; i < 2; i++) {
            System.gc();
        }
    }

    @TearDown(Level.Iteration)
    public void exitChild() {
        if (child != null && child.isAlive()) {
            child.exit();
        }
        child = null;
        parent = null;
        kernel = null;
    }

    /** fork() alone. */
    @Benchmark
    public Process fork() {
        child = parent.fork();
        return child;
    }

    /** fork() and then the child's exit(): the page table copy and its teardown. */
    @Benchmark
    public Process forkAndExit() {
        Process c = parent.fork();
        c.exit();
        return c;
    }
}
