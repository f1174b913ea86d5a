package io.pinsim.bench;

import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.Process;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Measures the cost of creating a fresh {@link Kernel} with the default settings
 * ({@code Kernel.builder().build()}: {@code LATEST} model, seed 0, 4 GiB of frames, invariants on),
 * and of creating one and spawning one process in it.
 *
 * <p>Target: creating a kernel takes under 20 microseconds (average time per operation). Scenario
 * tests create a kernel per test, so this bounds the fixed cost of every test.
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar KernelCreationBenchmark}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class KernelCreationBenchmark {

    /** {@code Kernel.builder().build()} alone. */
    @Benchmark
    public Kernel createKernel() {
        return Kernel.builder().build();
    }

    /** A fresh kernel with one spawned process (an empty address space). */
    @Benchmark
    public Process createKernelAndSpawn() {
        Kernel k = Kernel.builder().build();
        return k.spawn("A");
    }
}
