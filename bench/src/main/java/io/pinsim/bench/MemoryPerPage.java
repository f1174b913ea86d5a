package io.pinsim.bench;

import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MapFlags;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.Prot;
import io.pinsim.runtime.model.KernelModel;
import io.pinsim.runtime.trace.TraceLevel;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;
import java.util.Locale;
import javax.management.ObjectName;

/**
 * Measures the Java heap the model retains per populated page: after populating 262,144 private
 * anonymous pages (1 GiB) in one process, and after that process forks (two processes mapping the
 * same frames, every PTE write-protected in both).
 *
 * <p>Target: a few hundred bytes per populated page at most.
 *
 * <p>Method: a measurement tool, not a JMH benchmark. For each way of populating (one
 * {@code mmap(MAP_POPULATE)}, or an empty {@code mmap} then {@code fill(addr, 1 GiB, 'A')}), it
 * <ol>
 * <li>builds a kernel ({@code memoryFrames(1 << 20)}, invariants on) and spawns the process, so
 *     the fixed cost of a kernel is in the baseline;</li>
 * <li>forces garbage collection until the used heap is stable ({@link System#gc()} and a short
 *     sleep, repeated: at least 4 rounds, until two successive readings differ by less than
 *     64 KiB or 12 rounds) and reads the used heap ({@link MemoryMXBean#getHeapMemoryUsage()})
 *     as the baseline;</li>
 * <li>populates the pages, forces GC the same way, and reports
 *     {@code (usedAfter - usedBefore) / pages};</li>
 * <li>forks, forces GC, and reports the growth over the baseline per populated page again (the
 *     pages are now mapped by both processes, so this is the cost of a page as two processes see
 *     it) and the fork's own share;</li>
 * <li>does this for each {@link TraceLevel}: the trace's share is the difference between
 *     {@code ALL} and {@code OFF} (one fault event per page at {@code ALL}).</li>
 * </ol>
 * Everything the kernel holds stays strongly reachable during the readings
 * ({@link Reference#reachabilityFence(Object)}). With {@code --histogram} it also prints the top
 * of a live class histogram (the {@code GC.class_histogram} diagnostic command) after the fork.
 *
 * <p>Run: {@code java -cp bench/target/benchmarks.jar io.pinsim.bench.MemoryPerPage [MODEL] [--histogram]}
 * (MODEL is a predefined model name, {@code LINUX_6_6} by default).
 */
public final class MemoryPerPage {
    /** 1 GiB of 4 KiB pages. */
    static final int PAGES = 262_144;

    private MemoryPerPage() {
    }

    public static void main(String[] args) throws Exception {
        String modelName = "LINUX_6_6";
        boolean histogram = false;
        for (String a : args) {
            if (a.equals("--histogram")) {
                histogram = true;
            } else {
                modelName = a;
            }
        }
        KernelModel model = KernelModel.byName(modelName);
        System.out.printf(Locale.ROOT, "pinsim retained heap per populated page: %d pages, model %s, JVM %s %s, max heap %d MiB%n",
                PAGES, model.name(), System.getProperty("java.vm.name"), System.getProperty("java.runtime.version"),
                Runtime.getRuntime().maxMemory() >> 20);
        warmUp(model);
        for (TraceLevel level : TraceLevel.values()) {
            measure(model, false, level, histogram && level == TraceLevel.ALL);
        }
        measure(model, true, TraceLevel.ALL, false);
    }

    /** Loads and initialises the classes the measurement uses, so the baseline already holds them. */
    private static void warmUp(KernelModel model) {
        Kernel k = Kernel.builder().model(model).memoryFrames(1 << 12).build();
        Process a = k.spawn("A");
        long buf = a.mmap(1024L * Kernel.PAGE_SIZE, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.POPULATE);
        a.fill(buf, 1024L * Kernel.PAGE_SIZE, (byte) 'A');
        a.fork().exit();
        a.exit();
    }

    private static void measure(KernelModel model, boolean useFill, TraceLevel level, boolean histogram) throws Exception {
        String how = (useFill ? "mmap + fill('A')" : "mmap(MAP_POPULATE)") + ", trace " + level;
        Kernel k = Kernel.builder().model(model).seed(1).memoryFrames(1L << 20).trace(level).build();
        Process a = k.spawn("A");
        long before = settledUsedHeap();

        long len = (long) PAGES * Kernel.PAGE_SIZE;
        long t0 = System.nanoTime();
        if (useFill) {
            long buf = a.mmap(len, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
            a.fill(buf, len, (byte) 'A');
        } else {
            a.mmap(len, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.POPULATE);
        }
        long populateNanos = System.nanoTime() - t0;
        if (a.populatedPtes() != PAGES || k.usedFrames() != PAGES) {
            throw new IllegalStateException("expected " + PAGES + " populated pages, got " + a.populatedPtes() + " PTEs, " + k.usedFrames() + " frames");
        }
        long afterPopulate = settledUsedHeap();
        int eventsAfterPopulate = k.trace().events().size();

        t0 = System.nanoTime();
        Process child = a.fork();
        long forkNanos = System.nanoTime() - t0;
        long afterFork = settledUsedHeap();

        double perPage = (double) (afterPopulate - before) / PAGES;
        double perPageForked = (double) (afterFork - before) / PAGES;
        double forkShare = (double) (afterFork - afterPopulate) / PAGES;
        System.out.printf(Locale.ROOT, "%n== populated with %s (populate took %.0f ms, fork %.0f ms)%n", how, populateNanos / 1e6, forkNanos / 1e6);
        System.out.printf(Locale.ROOT, "  baseline used heap            %,12d bytes%n", before);
        System.out.printf(Locale.ROOT, "  after populate                %,12d bytes  -> %7.1f bytes/page%n", afterPopulate, perPage);
        System.out.printf(Locale.ROOT, "    trace events kept           %,12d%n", eventsAfterPopulate);
        System.out.printf(Locale.ROOT, "  after fork (2 processes)      %,12d bytes  -> %7.1f bytes/page (fork added %.1f bytes/page; trace now %d events)%n",
                afterFork, perPageForked, forkShare, k.trace().events().size());
        if (histogram) {
            printHistogram(25);
        }
        Reference.reachabilityFence(child);
        Reference.reachabilityFence(a);
        Reference.reachabilityFence(k);
    }

    /** Used heap after GC has settled. */
    static long settledUsedHeap() throws InterruptedException {
        MemoryMXBean mx = ManagementFactory.getMemoryMXBean();
        long last = Long.MAX_VALUE;
        long used = 0;
        for (int round = 0; round < 12; round++) {
            System.gc();
            Thread.sleep(100);
            used = mx.getHeapMemoryUsage().getUsed();
            if (round >= 3 && Math.abs(used - last) < 64 * 1024) {
                break;
            }
            last = used;
        }
        return used;
    }

    private static void printHistogram(int lines) throws Exception {
        Object out = ManagementFactory.getPlatformMBeanServer().invoke(new ObjectName("com.sun.management:type=DiagnosticCommand"),
                "gcClassHistogram", new Object[] {new String[0]}, new String[] {String[].class.getName()});
        String[] all = out.toString().split("\n");
        System.out.println("  live class histogram after fork (top " + lines + "):");
        for (int i = 0; i < Math.min(lines + 2, all.length); i++) {
            System.out.println("    " + all[i]);
        }
    }
}
