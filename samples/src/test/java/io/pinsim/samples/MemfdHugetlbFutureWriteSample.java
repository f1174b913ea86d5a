package io.pinsim.samples;

import static io.pinsim.dsl.Pinsim.fill;
import static io.pinsim.dsl.PinsimAssertions.assertThatFile;
import static org.assertj.core.api.Assertions.assertThat;

import io.pinsim.dsl.BugKind;
import io.pinsim.junit.KnownBug;
import io.pinsim.junit.PinsimModels;
import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MapFlags;
import io.pinsim.runtime.MemfdFlags;
import io.pinsim.runtime.OpenFile;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.Prot;
import io.pinsim.runtime.SealFlags;

/**
 * A hugetlb memfd sealed against future writes, then mapped shared and writable. shmem_mmap()
 * refuses such a mapping under F_SEAL_FUTURE_WRITE (ab3948f58ff8, 5.1), but hugetlbfs_file_mmap()
 * did not look at the seal "from the first day" until 22247efd822e ("mm/hugetlb: fix
 * F_SEAL_FUTURE_WRITE", Peter Xu, reported by Hugh Dickins: memfd_test hugetlbfs failed "mmap()
 * didn't fail as expected"; 5.13, Cc stable, in 5.10.y). Before 5.1 the seal is unknown and the
 * sealer falls back to F_SEAL_WRITE, which refuses every shared mapping of the file.
 */
@Sample(id = "memfd-hugetlb-future-write", title = "A hugetlb memfd sealed F_SEAL_FUTURE_WRITE, mapped shared and written",
        source = "22247efd822e mm/hugetlb: fix F_SEAL_FUTURE_WRITE (Peter Xu, May 2021, 5.13)",
        story = "A process fills a 2 MiB hugetlb memfd, seals it against future writes (F_SEAL_FUTURE_WRITE; F_SEAL_WRITE where that "
                + "seal is unknown) and hands it on. The receiver maps it MAP_SHARED with PROT_WRITE and writes. The seal must make "
                + "that mmap() fail with EPERM, as shmem_mmap() does; hugetlbfs_file_mmap() had no seal check until 5.13, so on 5.8 "
                + "the mapping is made and the sealed file changes.")
class MemfdHugetlbFutureWriteSample {
    private static final int HPAGE = 2 << 20;

    @PinsimModels
    @KnownBug(models = "LINUX_5_8", reference = "22247efd822e", expect = BugKind.DATA_CORRUPTION, because = "cached page")
    void aSealedHugetlbMemfdGetsNoNewWritableMapping(Kernel kernel) {
        kernel.setNrHugepages(1);
        Process a = kernel.spawn("A");
        OpenFile memfd = a.memfdCreate("frame", MemfdFlags.HUGETLB | MemfdFlags.ALLOW_SEALING);
        memfd.ftruncate(HPAGE);
        long fill = a.mmap(0, HPAGE, Prot.READ | Prot.WRITE, MapFlags.SHARED, memfd, 0);
        a.fill(fill, HPAGE, (byte) 'S');
        a.munmap(fill, HPAGE);
        try {
            memfd.addSeals(SealFlags.FUTURE_WRITE);
        } catch (ErrnoException unknown) {
            memfd.addSeals(SealFlags.WRITE);
        }
        Process b = kernel.spawn("B");
        Errno refused = null;
        try {
            long w = b.mmap(0, HPAGE, Prot.READ | Prot.WRITE, MapFlags.SHARED, b.open(memfd.inode(), io.pinsim.runtime.OpenFlags.RDWR), 0);
            b.write(w, "changed".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            b.munmap(w, HPAGE);
        } catch (ErrnoException e) {
            refused = e.errno();
        }
        assertThatFile(memfd.inode()).as("a file sealed against writes keeps its contents").contains(fill('S'));
        assertThat(refused).as("the shared writable mmap() of the sealed file").isEqualTo(Errno.EPERM);
    }
}
