package io.pinsim.bench;

import io.pinsim.runtime.Foll;
import io.pinsim.runtime.GupPages;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MapFlags;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.Prot;
import io.pinsim.runtime.model.KernelModel;
import java.nio.charset.StandardCharsets;
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
 * Measures the pin-then-fork scenario end to end, the shape of every scenario test, on a fresh
 * kernel per invocation (kernel creation included): spawn A, mmap one private anonymous page,
 * write it, {@code pin_user_pages(FOLL_WRITE | FOLL_LONGTERM)} it for a device, fork, the parent
 * writes the page, the device DMA-writes it, and the parent and the device read it back.
 *
 * <p>Target: one whole scenario takes under 50 microseconds (average time), on every predefined
 * model. Invariants are on (the default), as in the tests.
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar PinForkScenarioBenchmark}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class PinForkScenarioBenchmark {
    private static final byte[] CPU_DATA = "parent wrote this".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DMA_DATA = "device wrote this".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] INITIAL = "initial".getBytes(StandardCharsets.US_ASCII);

    @Param({"LINUX_4_19", "LINUX_5_8", "LINUX_5_10", "LINUX_6_1", "LINUX_6_6"})
    public String model;

    private KernelModel kernelModel;

    @Setup
    public void resolveModel() {
        kernelModel = KernelModel.byName(model);
    }

    @Benchmark
    public void pinForkWriteDma(Blackhole bh) {
        Kernel k = Kernel.builder().model(kernelModel).seed(1).build();
        Process a = k.spawn("A");
        long buf = a.mmap(Kernel.PAGE_SIZE, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
        a.write(buf, INITIAL);
        GupPages mr = a.pinUserPages(buf, 1, Foll.WRITE | Foll.LONGTERM, "rdma0");
        Process child = a.fork();
        a.write(buf, CPU_DATA);
        mr.write(64, DMA_DATA);
        bh.consume(a.read(buf + 64, DMA_DATA.length));
        bh.consume(mr.read(64, DMA_DATA.length));
        bh.consume(child);
        bh.consume(k);
    }
}
