package io.pinsim.samples;

import static io.pinsim.dsl.PinsimAssertions.assertThatKernelLog;

import io.pinsim.dsl.BugKind;
import io.pinsim.junit.KnownBug;
import io.pinsim.junit.PinsimModels;
import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Foll;
import io.pinsim.runtime.FsKind;
import io.pinsim.runtime.GupPages;
import io.pinsim.runtime.Inode;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.KernelBugException;
import io.pinsim.runtime.MapFlags;
import io.pinsim.runtime.OpenFile;
import io.pinsim.runtime.OpenFlags;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.Prot;
import io.pinsim.runtime.explore.Explorer;
import io.pinsim.runtime.explore.Op;
import io.pinsim.runtime.explore.Search;
import java.util.Arrays;

/**
 * Jan Kara, "get_user_pages() and filesystems" (linux-mm, 2018-01-03), explored: an RDMA NIC holds a
 * long-term write pin on a page of an ext4 file that a process maps shared; it DMAs into the page
 * and then unpins it dirty (unpin_user_pages_dirty_lock() -&gt; set_page_dirty_lock()). Meanwhile the
 * kernel writes the file back (page_mkclean() cleans and write-protects the page) and reclaim,
 * finding the page clean, unmaps it and releases its buffers (try_to_release_page()), leaving it
 * pinned but without buffers. Every interleaving of the NIC's three operations with the kernel's
 * writeback, run as its real steps ({@code OpenFile.writebackSteps()}: lock_page(), page_mkclean_one()
 * under the PTL, clear dirty + set_page_writeback() + unlock_page(), the I/O, end_page_writeback()),
 * and reclaim is explored: when writeback and reclaim come between the pin and the unpin, set_page_dirty() dirties
 * a page without buffers (WARN_ON_ONCE in ext4_set_page_dirty(), 6dcc693bc57f) and the next writeback
 * oopses in ext4_writepage() (page_buffers() BUG_ON, up to 5.17) or warns and drops the data
 * (cc5095747edf, 5.18). From 6.5 FOLL_LONGTERM write pins of dirty-tracked file pages are refused
 * (8ac268436e6d, EFAULT), so the NIC never holds the page and no schedule goes wrong.
 */
@Sample(id = "writeback-vs-longterm-pin", title = "writeback and reclaim of an ext4 page an RDMA MR pins, then the NIC unpins it dirty (explored)",
        source = "Jan Kara, \"get_user_pages() and filesystems\", linux-mm, 2018-01-03; cc5095747edf; 8ac268436e6d",
        story = "A NIC pins a page of an ext4 shared mapping long-term, writes it, and unpins it dirty while the kernel writes the file back and "
                + "reclaim strips the clean page's buffers. When both come between pin and unpin, set_page_dirty() dirties a page without buffers: "
                + "a WARN, then a BUG in ext4_writepage() up to 5.17 or the data silently dropped from 5.18. 6.5 refuses the long-term pin.")
class WritebackVsLongtermPinSample {
    static final int PAGE = Kernel.PAGE_SIZE;

    /** What every explored schedule starts from. */
    static final class State {
        final Kernel k;
        final Process a;
        final OpenFile file;
        final long buf;
        GupPages mr;
        ErrnoException refused;

        State(Kernel k) {
            this.k = k;
            byte[] contents = new byte[PAGE];
            Arrays.fill(contents, (byte) 'F');
            Inode ino = k.mount(FsKind.EXT4).create("data", contents);
            a = k.spawn("A");
            file = a.open(ino, OpenFlags.RDWR);
            buf = a.mmap(0, PAGE, Prot.READ | Prot.WRITE, MapFlags.SHARED, file, 0);
            a.fill(buf, PAGE, (byte) 'A');
        }

        void pin() {
            try {
                mr = a.pinUserPages(buf, 1, Foll.WRITE | Foll.LONGTERM, "rdma0 MR#1");
            } catch (ErrnoException e) {
                if (e.errno() != Errno.EFAULT) {
                    throw e;
                }
                refused = e;
            }
        }

        /** A BUG oopses the kernel: the model logs it, and the schedule goes on to the check, which reads the log. */
        void oopsing(Runnable r) {
            try {
                r.run();
            } catch (KernelBugException oops) {
                // the "kernel BUG at ..." line is in the kernel log
            }
        }
    }

    @PinsimModels
    @KnownBug(models = {"LINUX_4_19", "LINUX_5_8", "LINUX_5_10", "LINUX_6_1"}, reference = "Jan Kara, 2018-01-03; cc5095747edf; 8ac268436e6d",
            expect = BugKind.KERNEL_WARNING, because = "ext4_set_page_dirty: WARN_ON_ONCE(!page_has_buffers(page))")
    void theNicsWriteReachesTheFileWithoutWarnings(Kernel kernel) {
        Explorer<State> explorer = Explorer.on(Kernel.builder().model(kernel.model()).seed(kernel.seed()), State::new)
                .thread("rdma0", Op.atomic("ibv_reg_mr(): pin_user_pages(FOLL_WRITE|FOLL_LONGTERM)", State::pin),
                        Op.atomic("the NIC writes 'D'", s -> {
                            if (s.mr != null) {
                                s.mr.write(0, new byte[] {'D'});
                            }
                        }),
                        Op.atomic("ibv_dereg_mr(): unpin_user_pages_dirty_lock()", s -> {
                            if (s.mr != null) {
                                s.mr.unpin(true);
                            }
                        }))
                .thread("kernel", Op.steps("writeback (write_cache_pages)", (State s) -> s.file.writebackSteps()),
                        Op.atomic("reclaim (try_to_release_page)", s -> s.oopsing(() -> s.k.reclaim(s.a, s.buf))))
                .check("the unpin and the writeback after it neither warn nor oops", (k, s) -> {
                    s.oopsing(s.file::fsync);
                    assertThatKernelLog(k.log()).hasNoWarnings();
                });
        Explorations.assertEverySchedulePasses(explorer, Search.preemptionBounded(2));
    }
}
