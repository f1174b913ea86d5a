package io.pinsim.bench;

import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MapFlags;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.Prot;
import io.pinsim.runtime.TransparentHugepage;
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
 * Measures {@code fork()} of a process with 1 GiB of populated private anonymous memory, backed by
 * 512 PMD-mapped THPs ({@code thp}: 512 page-table entries, copy_huge_pmd() per THP) or by 262,144
 * small pages ({@code base}: 262,144 PTEs), on the 6.6 model with the invariant checker on. The
 * method is {@link ForkBenchmark}'s: single shots, each on a freshly populated parent that has
 * never forked, with the heap settled before the measured fork.
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar ThpForkBenchmark}
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 10)
@Fork(value = 1, jvmArgsAppend = {"-Xms4g", "-Xmx4g"})
@State(Scope.Thread)
public class ThpForkBenchmark {
    /** 1 GiB. */
    public static final long BYTES = 1L << 30;

    @Param({"thp", "base"})
    public String backing;

    private Kernel kernel;
    private Process parent;
    private Process child;

    @Setup(Level.Iteration)
    public void buildParent() {
        boolean thp = backing.equals("thp");
        kernel = Kernel.builder().model(KernelModel.LINUX_6_6).seed(1).memoryFrames(1L << 20)
                .transparentHugepage(thp ? TransparentHugepage.ALWAYS : TransparentHugepage.NEVER).build();
        parent = kernel.spawn("A");
        long a = parent.mmap(BYTES, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.POPULATE);
        long expectedPtes = thp ? 0 : BYTES / Kernel.PAGE_SIZE;
        if (parent.populatedPtes() != expectedPtes || parent.frameAt(a).isCompound() != thp) {
            throw new IllegalStateException("populated " + parent.populatedPtes() + " PTEs, compound " + parent.frameAt(a).isCompound());
        }
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
}
