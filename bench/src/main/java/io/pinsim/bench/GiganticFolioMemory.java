package io.pinsim.bench;

import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MapFlags;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.Prot;
import io.pinsim.runtime.model.KernelModel;
import io.pinsim.runtime.trace.TraceLevel;
import java.lang.ref.Reference;
import java.util.Locale;

/**
 * Measures the Java heap the model retains for hugetlb folios of each size, as a function of the
 * subpages touched: a private MAP_HUGETLB mapping of one huge page, faulted in by a one-byte write
 * to its first subpage, then written one byte in each of {@code n} subpages spread over the folio
 * (each write creates that tail page's object).
 *
 * <p>Method: as {@link MemoryPerPage} (a kernel with its pool built and the process spawned
 * before the baseline; {@link MemoryPerPage#settledUsedHeap()} around each step; everything kept
 * reachable). Reports the cost of the folio with one subpage touched (the head, the subpage
 * table, the page-table entry) and the cost per further subpage touched. Trace level OFF, so the
 * trace's events are not counted.
 *
 * <p>Run: {@code java -cp bench/target/benchmarks.jar io.pinsim.bench.GiganticFolioMemory}
 */
public final class GiganticFolioMemory {
    private GiganticFolioMemory() {
    }

    public static void main(String[] args) throws Exception {
        System.out.printf(Locale.ROOT, "pinsim retained heap of a hugetlb folio: JVM %s %s%n", System.getProperty("java.vm.name"), System.getProperty("java.runtime.version"));
        for (int round = 0; round < 2; round++) {
            boolean print = round == 1;
            measure(Kernel.HUGE_PAGE_2MB, 256, print);
            measure(Kernel.HUGE_PAGE_1GB, 4096, print);
        }
    }

    private static void measure(long pageSize, int touched, boolean print) throws Exception {
        Kernel k = Kernel.builder().model(KernelModel.LINUX_6_6).hugetlbPages(pageSize, 1).trace(TraceLevel.OFF).build();
        Process a = k.spawn("A");
        long before = MemoryPerPage.settledUsedHeap();
        long p = a.mmap(pageSize, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.HUGETLB
                | (pageSize == Kernel.HUGE_PAGE_1GB ? MapFlags.HUGE_1GB : MapFlags.HUGE_2MB));
        a.write(p, new byte[] {1});
        long one = MemoryPerPage.settledUsedHeap();
        long pages = pageSize / Kernel.PAGE_SIZE;
        for (int i = 1; i <= touched; i++) {
            a.write(p + (i * (pages / (touched + 1))) * Kernel.PAGE_SIZE, new byte[] {1});
        }
        long many = MemoryPerPage.settledUsedHeap();
        if (print) {
            System.out.printf(Locale.ROOT, "  %s folio, first subpage touched: %,10d bytes; each further subpage touched (%d): %,6d bytes%n",
                    pageSize == Kernel.HUGE_PAGE_1GB ? "1 GiB" : "2 MiB", one - before, touched, (many - one) / touched);
        }
        Reference.reachabilityFence(a);
        Reference.reachabilityFence(k);
        k.close();
    }
}
