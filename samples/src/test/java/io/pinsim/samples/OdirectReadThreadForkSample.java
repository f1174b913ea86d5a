package io.pinsim.samples;

import static io.pinsim.dsl.Pinsim.dmaData;
import static io.pinsim.dsl.PinsimAssertions.assertThatProcess;

import io.pinsim.dsl.BugKind;
import io.pinsim.junit.KnownBug;
import io.pinsim.junit.PinsimModels;
import io.pinsim.runtime.DirectReadSteps;
import io.pinsim.runtime.FsKind;
import io.pinsim.runtime.Inode;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MapFlags;
import io.pinsim.runtime.OpenFile;
import io.pinsim.runtime.OpenFlags;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.Prot;
import io.pinsim.runtime.Task;
import io.pinsim.runtime.explore.Explorer;
import io.pinsim.runtime.explore.Op;
import io.pinsim.runtime.explore.Search;
import java.util.Arrays;

/**
 * The threaded form of odirect-read-fork, as LTP's dma_thread_diotest (after Andrea Arcangeli's
 * dma_thread.c) runs it: thread T2 reads the first half of a page with a blocking O_DIRECT pread();
 * the main thread forks and then writes the other half of the same page. Every interleaving of the
 * read's steps (i_rwsem, the GUP-fast walk, submit_bio(), the DMA, the completion) with fork's is
 * explored up to two preemptions. Up to 6.4 the read holds its page with a plain reference
 * (iov_iter_get_pages(), FOLL_GET) that fork cannot see: when the read takes the page before fork
 * shares it, the parent's write copies the parent away from it (mapcount 2 before 5.9, refcount
 * &gt; 1 after 09854ba94c6a, not PageAnonExclusive from 6.0) and the DMA lands in the child's page.
 * From 6.5 the read pins (FOLL_PIN, iov_iter_extract_pages()) and fork copies a maybe-pinned page
 * for the child (70e806e4e645), so every schedule passes. Jason Gunthorpe, "Re: [RFCv3 PATCH 1/6]
 * uacce: Add documents for WarpDrive/uacce", 2018-11-19: "I assume the same flow is possible using
 * threads and read()".
 */
@Sample(id = "odirect-read-thread-fork", title = "blocking O_DIRECT read in one thread, fork and a write in another (explored)",
        source = "LTP dma_thread_diotest; Jason Gunthorpe, \"Re: [RFCv3 PATCH 1/6] uacce: Add documents for WarpDrive/uacce\", linux-mm, 2018-11-19",
        story = "Thread T2 reads half a page with a blocking O_DIRECT pread() while the main thread forks and then writes the other half. "
                + "Every interleaving is explored: when the read takes its plain reference before fork shares the page, the parent's write "
                + "copies the parent away from it and the DMA lands in the child's page. From 6.5 the read pins the page and fork copies it for the child.")
class OdirectReadThreadForkSample {
    static final int PAGE = Kernel.PAGE_SIZE;

    /** What every explored schedule starts from. */
    static final class Race {
        final Process a;
        final Task t2;
        final OpenFile file;
        final long buf;
        final byte[] data = new byte[PAGE / 2];
        DirectReadSteps read;

        Race(Kernel k) {
            byte[] contents = new byte[PAGE];
            Arrays.fill(contents, (byte) 'F');
            Arrays.fill(data, (byte) 'F');
            Inode ino = k.mount(FsKind.EXT4).create("data", contents);
            a = k.spawn("A");
            buf = a.mmap(PAGE, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
            a.fill(buf, PAGE, (byte) 'A');
            file = a.open(ino, OpenFlags.RDONLY | OpenFlags.DIRECT);
            t2 = a.spawnThread("T2");
        }
    }

    @PinsimModels
    @KnownBug(models = {"LINUX_4_19", "LINUX_5_8", "LINUX_5_10", "LINUX_6_1"},
            reference = "block: convert bio_iov_iter_get_pages to use iov_iter_extract_pages (6.5); 70e806e4e645",
            expect = BugKind.DEVICE_DATA_LOST, because = "\"A\" maps frame #2")
    void parentSeesTheReadData(Kernel kernel) {
        Explorer<Race> explorer = Explorer.on(Kernel.builder().model(kernel.model()).seed(kernel.seed()), Race::new)
                .thread("fork", Op.steps("fork()", (Race r) -> r.a.mainThread().forkSteps("B")),
                        Op.atomic("the parent writes the other half", (Race r) -> r.a.fill(r.buf + PAGE / 2, PAGE / 2, (byte) 'P')))
                .thread("read", Op.steps("pread(O_DIRECT)", (Race r) -> r.read = r.file.preadDirectSteps(r.t2, r.buf, PAGE / 2, 0)))
                .check("the parent sees the data its read returned", (k, r) -> assertThatProcess(r.a)
                        .seesAt(r.buf, PAGE / 2, dmaData(r.file.inode().filesystem().device().name(), r.data)));
        Explorations.assertEverySchedulePasses(explorer, Search.preemptionBounded(2));
    }
}
