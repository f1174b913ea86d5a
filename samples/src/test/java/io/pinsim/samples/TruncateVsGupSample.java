package io.pinsim.samples;

import static io.pinsim.dsl.Pinsim.dmaData;
import static io.pinsim.dsl.PinsimAssertions.assertThatFile;

import io.pinsim.dsl.BugKind;
import io.pinsim.junit.KnownBug;
import io.pinsim.junit.PinsimModels;
import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Foll;
import io.pinsim.runtime.Footprint;
import io.pinsim.runtime.FsKind;
import io.pinsim.runtime.GupFast;
import io.pinsim.runtime.Inode;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MapFlags;
import io.pinsim.runtime.OpenFile;
import io.pinsim.runtime.OpenFlags;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.Prot;
import io.pinsim.runtime.Steppable;
import io.pinsim.runtime.Task;
import io.pinsim.runtime.explore.Explorer;
import io.pinsim.runtime.explore.Op;
import io.pinsim.runtime.explore.Search;
import java.util.Arrays;
import java.util.List;

/**
 * truncate-pinned-file-page with the truncate and the pin racing, explored: thread T2 registers an
 * ext4 MAP_SHARED page with an RDMA NIC (pin_user_pages_fast(FOLL_WRITE | FOLL_LONGTERM), step by
 * step) while the main thread truncates the file to 0 (step by step: i_rwsem, inode_dio_wait(), the
 * invalidate lock around unmap_mapping_range() and truncate_inode_pages()) and then extends it
 * again; afterwards the NIC writes. The NIC's write must reach the file, or the pin must fail.
 * A pin that comes after the unmap waits for the invalidate lock (its fault) and then finds the page
 * past EOF (EFAULT) or, after the extension, a new page: fine. A pin whose lockless walk grabs the
 * page before the unmap keeps it after truncate_inode_pages() removed it from the page cache: the
 * NIC writes an orphan, up to 6.4. From 6.5 the long-term write pin of a dirty-tracked file page is
 * refused in every schedule (8ac268436e6d). "Re: [PATCH 1/2] mm: introduce put_user_page*(),
 * placeholder versions", linux-mm, 2018-12-13.
 */
@Sample(id = "truncate-vs-gup", title = "RDMA pin of an ext4 shared page racing truncate, then the NIC writes (explored)",
        source = "\"Re: [PATCH 1/2] mm: introduce put_user_page*(), placeholder versions\", linux-mm, 2018-12-13; 8ac268436e6d (6.5)",
        story = "One thread pins an ext4 shared page for a NIC with pin_user_pages_fast() while another truncates the file and extends it "
                + "again; then the NIC writes. A pin after the unmap waits for the invalidate lock and finds the page gone or new; a pin "
                + "before it keeps the page truncate removes, and the NIC's write reaches no file. 6.5 refuses the long-term write pin.")
class TruncateVsGupSample {
    static final int PAGE = Kernel.PAGE_SIZE;

    /** What every explored schedule starts from. */
    static final class State {
        final Inode ino;
        final Process a;
        final Task t2;
        final OpenFile file;
        final long map;
        GupFast pin;
        ErrnoException failed;

        State(Kernel k) {
            byte[] contents = new byte[PAGE];
            Arrays.fill(contents, (byte) 'F');
            ino = k.mount(FsKind.EXT4).create("data", contents);
            a = k.spawn("A");
            file = a.open(ino, OpenFlags.RDWR);
            map = a.mmap(0, PAGE, Prot.READ | Prot.WRITE, MapFlags.SHARED, file, 0);
            a.fill(map, PAGE, (byte) 'A');
            t2 = a.spawnThread("T2");
        }
    }

    /** The pin's steps; an errno (EFAULT past EOF, or the 6.5 refusal) ends it: the registration fails, as ibv_reg_mr() would. */
    private static Steppable refusable(State s) {
        s.pin = s.t2.pinUserPagesFastSteps(s.map, 1, Foll.WRITE | Foll.LONGTERM, "rdma0 MR#1");
        return new Steppable() {
            @Override
            public void step() {
                try {
                    s.pin.step();
                } catch (ErrnoException e) {
                    if (e.errno() != Errno.EFAULT) {
                        throw e;
                    }
                    s.failed = e;
                }
            }

            @Override
            public boolean isDone() {
                return s.failed != null || s.pin.isDone();
            }

            @Override
            public boolean isBlocked() {
                return !isDone() && s.pin.isBlocked();
            }

            @Override
            public String nextStep() {
                return s.pin.nextStep();
            }

            @Override
            public String actor() {
                return s.pin.actor();
            }

            @Override
            public Footprint nextFootprint() {
                return s.pin.nextFootprint();
            }

            @Override
            public String waitsFor() {
                return s.pin.waitsFor();
            }

            @Override
            public List<String> holds() {
                return s.pin.holds();
            }
        };
    }

    @PinsimModels
    @KnownBug(models = {"LINUX_4_19", "LINUX_5_8", "LINUX_5_10", "LINUX_6_1"}, reference = "8ac268436e6d mm/gup: disallow FOLL_LONGTERM GUP-nonfast writing to file-backed mappings",
            expect = BugKind.DEVICE_DATA_LOST, because = "0 cached page(s)")
    void theNicsWriteReachesTheFileOrThePinFails(Kernel kernel) {
        byte[] dma = new byte[64];
        Arrays.fill(dma, (byte) 'D');
        Explorer<State> explorer = Explorer.on(Kernel.builder().model(kernel.model()).seed(kernel.seed()), State::new)
                .thread("truncate", Op.steps("ftruncate(0)", (State s) -> s.file.truncateSteps(s.a.mainThread(), 0)),
                        Op.atomic("ftruncate(4096)", s -> s.file.ftruncate(PAGE)))
                .thread("pin", Op.steps("pin_user_pages_fast()", TruncateVsGupSample::refusable))
                .check("the NIC's write reaches the file, or the pin failed", (k, s) -> {
                    if (s.failed != null || s.pin.result().count() == 0) {
                        return;
                    }
                    s.pin.result().write(0, dma);
                    assertThatFile(s.ino).as("the NIC's write must reach the file").contains(dmaData("rdma0", dma));
                });
        Explorations.assertEverySchedulePasses(explorer, Search.preemptionBounded(2));
    }
}
