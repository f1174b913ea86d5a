package io.pinsim.bench;

import static io.pinsim.dsl.Pinsim.kernel;
import static io.pinsim.dsl.Pinsim.pages;

import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MapFlags;
import io.pinsim.runtime.MmuIntervalNotifier;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.Prot;
import io.pinsim.runtime.model.KernelModel;
import io.pinsim.runtime.trace.TraceLevel;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The scaling figures of README "Performance", side by side with the native kernel in one run:
 * <ol>
 * <li>fork of N populated private anonymous 4 KiB pages (N = 2^12 .. 2^20), model with invariants
 *     on and off, and the machine's own kernel forking the same memory ({@code bench/src/main/c/
 *     fork_native.c}, compiled with the machine's {@code cc} when it is there: the native figure is
 *     then measured in the same run, a few iterations apart);</li>
 * <li>the cost of one fork as the number of processes grows (1 to 10,000, siblings of one parent
 *     and a chain of descendants), each process mapping 16 populated pages;</li>
 * <li>the cost of a write fault and a munmap of one page as the number of interval notifiers on
 *     the process grows (1 to 1,000, each over its own page);</li>
 * <li>the tiny scenario (fork, the child writes and exits, the parent writes) through the DSL and
 *     on the plain objects.</li>
 * </ol>
 * Model figures are the CPU time of the measuring thread ({@link ThreadMXBean}), the minimum over
 * the repetitions, so other load on the machine inflates them less than wall-clock time; native
 * figures are wall-clock (the fork system call's own time). Not a JMH benchmark: the single-shot
 * operations here (a fork of 4 GiB) are too long for JMH's loops and too few for its statistics.
 *
 * <p>Run: {@code java -Xmx6g -cp bench/target/benchmarks.jar io.pinsim.bench.ScalingFigures}
 */
public final class ScalingFigures {
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    private ScalingFigures() {
    }

    public static void main(String[] args) throws Exception {
        int reps = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        System.out.printf(Locale.ROOT, "pinsim scaling figures: %s %s, %d cores, %d MiB heap, min of %d repetitions%n",
                System.getProperty("java.vm.name"), System.getProperty("java.runtime.version"), Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() >> 20, reps);
        forkByPages(reps);
        forkByProcesses(reps);
        faultByNotifiers(reps);
        tinyScenario(reps);
    }

    /** Table 1: fork of N populated pages, model (invariants on, off) and native. */
    static void forkByPages(int reps) throws Exception {
        Path nativeFork = compileNative();
        System.out.println();
        System.out.println("| pages populated | model fork, invariants on | invariants off | native fork (this machine) |");
        System.out.println("|---|---|---|---|");
        for (int shift = 12; shift <= 20; shift += 2) {
            int n = 1 << shift;
            double on = Double.MAX_VALUE;
            double off = Double.MAX_VALUE;
            for (int r = 0; r < reps + 1; r++) {
                double a = forkMs(n, true);
                double b = forkMs(n, false);
                if (r > 0) { // the first round warms up
                    on = Math.min(on, a);
                    off = Math.min(off, b);
                }
            }
            String nat = nativeFork == null ? "no cc" : String.format(Locale.ROOT, "%.2f ms", nativeMs(nativeFork, n, reps));
            System.out.printf(Locale.ROOT, "| 2^%d (%,d) | %.2f ms | %.2f ms | %s |%n", shift, n, on, off, nat);
        }
    }

    private static double forkMs(int pages, boolean invariants) {
        Kernel k = Kernel.builder().model(KernelModel.LINUX_6_6).memoryFrames(1L << 21).invariants(invariants).trace(TraceLevel.STEPS).build();
        Process a = k.spawn("A");
        a.mmap((long) pages * Kernel.PAGE_SIZE, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.POPULATE);
        System.gc();
        long t0 = CPU.getCurrentThreadCpuTime();
        a.fork("B");
        return (CPU.getCurrentThreadCpuTime() - t0) / 1e6;
    }

    /** Compiles fork_native.c into a temporary directory, or null when there is no C compiler or source. */
    private static Path compileNative() throws IOException, InterruptedException {
        Path src = Path.of("bench/src/main/c/fork_native.c");
        if (!Files.exists(src)) {
            return null;
        }
        Path out = Files.createTempDirectory("pinsim-native").resolve("fork_native");
        try {
            java.lang.Process cc = new ProcessBuilder("cc", "-O2", "-o", out.toString(), src.toString()).redirectErrorStream(true).start();
            cc.getInputStream().readAllBytes();
            return cc.waitFor(60, TimeUnit.SECONDS) && cc.exitValue() == 0 ? out : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** The minimum of the native harness's fork times for n pages. */
    private static double nativeMs(Path exe, int pages, int reps) throws IOException, InterruptedException {
        java.lang.Process p = new ProcessBuilder(exe.toString(), Integer.toString(reps + 1), Integer.toString(pages)).redirectErrorStream(true).start();
        String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        p.waitFor(120, TimeUnit.SECONDS);
        double best = Double.MAX_VALUE;
        List<String> lines = out.lines().toList();
        for (int i = 1; i < lines.size(); i++) { // the first fork warms up
            String[] w = lines.get(i).trim().split(" ");
            best = Math.min(best, Double.parseDouble(w[2]));
        }
        return best;
    }

    /** Table 2: one fork's cost with P processes alive, siblings of one parent and a chain. */
    static void forkByProcesses(int reps) {
        System.out.println();
        System.out.println("| processes alive | fork as a sibling, invariants on | invariants off | fork as a chain, invariants on | invariants off |");
        System.out.println("|---|---|---|---|---|");
        for (int w = 0; w < 3; w++) { // warm up the fork path before the small counts are measured
            perFork(2_000, false, true);
            perFork(2_000, true, false);
        }
        for (int procs : new int[] {1, 10, 100, 1_000, 10_000}) {
            double[] best = {Double.MAX_VALUE, Double.MAX_VALUE, Double.MAX_VALUE, Double.MAX_VALUE};
            for (int r = 0; r < reps; r++) {
                best[0] = Math.min(best[0], perFork(procs, false, true));
                best[1] = Math.min(best[1], perFork(procs, false, false));
                best[2] = Math.min(best[2], perFork(procs, true, true));
                best[3] = Math.min(best[3], perFork(procs, true, false));
            }
            System.out.printf(Locale.ROOT, "| %,d | %.1f µs | %.1f µs | %.1f µs | %.1f µs |%n", procs, best[0], best[1], best[2], best[3]);
        }
    }

    /** The CPU time of one fork, averaged over the forks that bring the kernel to {@code procs} processes. */
    private static double perFork(int procs, boolean chain, boolean invariants) {
        Kernel k = Kernel.builder().model(KernelModel.LINUX_6_6).invariants(invariants).trace(TraceLevel.STEPS).build();
        Process cur = k.spawn("A");
        cur.mmap(16L * Kernel.PAGE_SIZE, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.POPULATE);
        Process parent = cur;
        int forks = Math.max(1, procs - 1);
        long t0 = CPU.getCurrentThreadCpuTime();
        for (int i = 0; i < forks; i++) {
            Process c = (chain ? cur : parent).fork("c" + i);
            cur = c;
        }
        return (CPU.getCurrentThreadCpuTime() - t0) / 1e3 / forks;
    }

    /** Table 3: a write fault plus a munmap of one page with K interval notifiers on the process. */
    static void faultByNotifiers(int reps) {
        System.out.println();
        boolean warm = false;
        System.out.println("| interval notifiers on the process | write fault + MADV_DONTNEED of one page |");
        System.out.println("|---|---|");
        for (int subs : new int[] {1, 1, 10, 100, 1_000}) { // the first row warms up and is not printed
            double best = Double.MAX_VALUE;
            for (int r = 0; r < reps; r++) {
                Kernel k = Kernel.builder().model(KernelModel.LINUX_6_6).trace(TraceLevel.STEPS).build();
                Process a = k.spawn("A");
                long len = (long) (subs + 1) * Kernel.PAGE_SIZE;
                long buf = a.mmap(len, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
                List<MmuIntervalNotifier> keep = new ArrayList<>();
                for (int i = 0; i < subs; i++) {
                    keep.add(a.insertIntervalNotifier(buf + (long) i * Kernel.PAGE_SIZE, Kernel.PAGE_SIZE, (sub, range, seq) -> {
                        sub.setSeq(seq);
                        return true;
                    }, "n" + i));
                }
                long page = buf + (long) subs * Kernel.PAGE_SIZE;
                int n = 200;
                long t0 = CPU.getCurrentThreadCpuTime();
                for (int i = 0; i < n; i++) {
                    a.write(page, new byte[] {1});
                    a.madvise(page, Kernel.PAGE_SIZE, io.pinsim.runtime.Advice.DONTNEED);
                }
                best = Math.min(best, (CPU.getCurrentThreadCpuTime() - t0) / 1e3 / n);
            }
            if (warm) {
                System.out.printf(Locale.ROOT, "| %,d | %.1f µs |%n", subs, best);
            }
            warm = true;
        }
    }

    /** Table 4: fork, the child writes and exits, the parent writes: through the DSL and on the objects. */
    static void tinyScenario(int reps) {
        System.out.println();
        System.out.println("| tiny scenario (fork, child writes, exits, parent writes) | per run |");
        System.out.println("|---|---|");
        double dsl = Double.MAX_VALUE;
        double plain = Double.MAX_VALUE;
        long sink = 0;
        for (int r = 0; r < reps + 2; r++) {
            int n = 20_000;
            long t0 = CPU.getCurrentThreadCpuTime();
            for (int i = 0; i < n; i++) {
                sink += kernel(KernelModel.LINUX_6_6).process("A").malloc(pages(1)).write('A').fork().childWrites('C').childExits().parentWrites('P').hashCode();
            }
            long t1 = CPU.getCurrentThreadCpuTime();
            for (int i = 0; i < n; i++) {
                Kernel k = Kernel.builder().model(KernelModel.LINUX_6_6).build();
                Process a = k.spawn("A");
                long buf = a.mmap(Kernel.PAGE_SIZE, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
                a.fill(buf, Kernel.PAGE_SIZE, (byte) 'A');
                Process c = a.fork("B");
                c.fill(buf, Kernel.PAGE_SIZE, (byte) 'C');
                c.exit();
                a.fill(buf, Kernel.PAGE_SIZE, (byte) 'P');
                sink += buf;
            }
            long t2 = CPU.getCurrentThreadCpuTime();
            if (r >= 2) {
                dsl = Math.min(dsl, (t1 - t0) / 1e3 / n);
                plain = Math.min(plain, (t2 - t1) / 1e3 / n);
            }
        }
        System.out.printf(Locale.ROOT, "| through the DSL chain | %.2f µs |%n| on the plain objects | %.2f µs |%n", dsl, plain);
        if (sink == 42) {
            System.out.println();
        }
    }
}
