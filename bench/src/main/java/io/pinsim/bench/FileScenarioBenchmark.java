package io.pinsim.bench;

import io.pinsim.runtime.DirectIo;
import io.pinsim.runtime.FsKind;
import io.pinsim.runtime.GupPages;
import io.pinsim.runtime.Inode;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MapFlags;
import io.pinsim.runtime.OpenFile;
import io.pinsim.runtime.OpenFlags;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.Prot;
import io.pinsim.runtime.Foll;
import io.pinsim.runtime.model.KernelModel;
import java.util.Arrays;
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
 * Two file scenarios end to end, each on a fresh kernel (creation included):
 * <ul>
 * <li>{@link #odirectReadForkParentWrites()}: S4 - an ext4 file, an AIO O_DIRECT read into a
 *     private buffer, fork while it is in flight, the parent writes the other half of the page,
 *     the read completes, the parent reads the buffer;</li>
 * <li>{@link #truncatePinnedPageCachePage()}: S9 - a tmpfs file mapped shared, a long-term write
 *     pin, truncate, the device writes the orphaned page, unpin.</li>
 * </ul>
 * Target: tens of microseconds, like the anonymous pin-fork scenario.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class FileScenarioBenchmark {
    private static final int PAGE = Kernel.PAGE_SIZE;
    private static final byte[] FILE = filled('F', 4 * PAGE);
    private static final byte[] DEVICE = filled('D', 64);

    @Param({"LINUX_4_19", "LINUX_5_10", "LINUX_6_6"})
    public String model;

    private KernelModel kernelModel;

    @Setup
    public void resolveModel() {
        kernelModel = KernelModel.byName(model);
    }

    private static byte[] filled(char c, int n) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) c);
        return b;
    }

    @Benchmark
    public void odirectReadForkParentWrites(Blackhole bh) {
        Kernel k = Kernel.builder().model(kernelModel).build();
        Inode data = k.mount(FsKind.EXT4).create("data", FILE);
        Process a = k.spawn("A");
        long buf = a.mmap(PAGE, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
        a.write(buf, DEVICE);
        DirectIo read = a.open(data, OpenFlags.RDONLY | OpenFlags.DIRECT).startDirectRead(buf, PAGE / 2, 0);
        Process child = a.fork();
        a.write(buf + PAGE / 2, DEVICE);
        read.complete();
        bh.consume(a.read(buf, 8));
        bh.consume(child);
    }

    @Benchmark
    public void truncatePinnedPageCachePage(Blackhole bh) {
        Kernel k = Kernel.builder().model(kernelModel).build();
        Inode data = k.mount(FsKind.TMPFS).create("shm", FILE);
        Process a = k.spawn("A");
        OpenFile f = a.open(data, OpenFlags.RDWR);
        long map = a.mmap(0, 4L * PAGE, Prot.READ | Prot.WRITE, MapFlags.SHARED, f, 0);
        a.write(map, DEVICE);
        GupPages mr = a.pinUserPages(map, 1, Foll.WRITE | Foll.LONGTERM, "rdma0");
        f.ftruncate(0);
        mr.write(0, DEVICE);
        mr.unpin(true);
        bh.consume(data.size());
    }
}
