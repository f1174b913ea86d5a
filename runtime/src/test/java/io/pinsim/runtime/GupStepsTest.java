package io.pinsim.runtime;

import static io.pinsim.runtime.Fixtures.ANON_PRIVATE;
import static io.pinsim.runtime.Fixtures.PAGE;
import static io.pinsim.runtime.Fixtures.RW;
import static io.pinsim.runtime.Fixtures.fill;
import static io.pinsim.runtime.Fixtures.kernel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pinsim.runtime.model.KernelModel;
import org.junit.jupiter.api.Test;

/** The GUP slow path as steps: mmap_read_lock, follow_page_pte under the PTL or faultin_page, mmap_read_unlock. */
class GupStepsTest {
    private record Setup(Kernel k, Process a, Task t2, long buf) {
    }

    /** Two private anon pages, the first faulted in and shared with a child (so a write pin breaks COW), the second never touched. */
    private static Setup setup(KernelModel model) {
        Kernel k = kernel(model);
        Process a = k.spawn("A");
        long buf = a.mmap(0, 3L * PAGE, RW, ANON_PRIVATE);
        a.fill(buf, PAGE, (byte) 'A');
        a.fork("B");
        a.read(buf + 2L * PAGE, 1);
        return new Setup(k, a, a.spawnThread("T2"), buf);
    }

    /** Every step in a row takes the same pages with the same references as pin_user_pages() / get_user_pages(), on every model. */
    @Test
    void everyStepInARowPinsAsPinUserPagesDoes() {
        for (KernelModel m : KernelModel.all()) {
            for (int flags : new int[] {Foll.WRITE, 0}) {
                for (boolean pin : new boolean[] {true, false}) {
                    Setup stepped = setup(m);
                    Setup plain = setup(m);
                    GupSteps steps = pin ? stepped.t2().pinUserPagesSteps(stepped.buf(), 3, flags, "rdma0")
                            : stepped.t2().getUserPagesSteps(stepped.buf(), 3, flags, "rdma0");
                    GupPages s = steps.run();
                    GupPages p = pin ? plain.a().pinUserPages(plain.buf(), 3, flags, "rdma0") : plain.a().getUserPages(plain.buf(), 3, flags, "rdma0");
                    assertThat(s.count()).as(m + " " + Foll.describe(flags)).isEqualTo(p.count()).isEqualTo(3);
                    for (int i = 0; i < 3; i++) {
                        Frame sf = s.frame(i);
                        Frame pf = p.frame(i);
                        assertThat(sf.pfn()).as(m + " page " + i).isEqualTo(pf.pfn());
                        assertThat(sf.refcount()).isEqualTo(pf.refcount());
                        assertThat(sf.pincount()).isEqualTo(pf.pincount());
                        assertThat(sf.isAnonExclusive()).isEqualTo(pf.isAnonExclusive());
                        assertThat(stepped.a().pteAt(stepped.buf() + (long) i * PAGE)).isEqualTo(plain.a().pteAt(plain.buf() + (long) i * PAGE));
                    }
                    assertThat(steps.result()).isSameAs(s);
                    assertThat(steps.holds()).isEmpty();
                    stepped.k().checkInvariants();
                    if (pin) {
                        s.unpin(false);
                    } else {
                        s.release();
                    }
                    stepped.k().checkNoLeaks();
                }
            }
        }
    }

    /** The steps follow __get_user_pages(): a present writable PTE is followed; a missing one is faulted in and followed again. */
    @Test
    void aMissingPageIsFaultedInThenFollowedAgain() {
        Kernel k = kernel(KernelModel.LINUX_6_1);
        Process a = k.spawn("A");
        long buf = a.mmap(0, 2L * PAGE, RW, ANON_PRIVATE);
        a.fill(buf, PAGE, (byte) 'A');
        GupSteps g = a.spawnThread("T2").pinUserPagesSteps(buf, 2, Foll.WRITE, "rdma0");
        assertThat(g.nextStep()).endsWith("mmap_read_lock()");
        g.step();
        assertThat(g.holds()).containsExactly("mm:1:mmap_lock");
        assertThat(g.nextStep()).startsWith("follow_page_pte() of page 0");
        assertThat(g.nextFootprint()).hasToString("reads [mm:1:pte:0x7f0000000000, mm:1:vmas, mm:1:mmap_lock] writes [frame:" + a.frameAt(buf).pfn() + "]");
        g.step();
        assertThat(a.frameAt(buf).maybeDmaPinned()).isTrue();
        assertThat(g.nextStep()).startsWith("follow_page_pte() of page 1");
        g.step();
        assertThat(g.nextStep()).startsWith("faultin_page() at 0x7f0000001000");
        assertThat(g.nextFootprint()).isEqualTo(Footprint.ALL);
        g.step();
        assertThat(g.nextStep()).startsWith("follow_page_pte() of page 1");
        g.step();
        assertThat(g.nextStep()).isEqualTo("mmap_read_unlock()");
        g.step();
        assertThat(g.isDone()).isTrue();
        assertThat(g.result().count()).isEqualTo(2);
        g.result().unpin(false);
        k.checkNoLeaks();
    }

    /** mmap_lock: a fork that starts while the GUP holds it for read waits for the unlock; a GUP that starts during a fork waits for the fork's. */
    @Test
    void gupAndForkWaitForEachOthersMmapLock() {
        for (KernelModel m : KernelModel.all()) {
            Setup s = setup(m);
            GupSteps g = s.t2().pinUserPagesSteps(s.buf(), 1, Foll.WRITE, "rdma0");
            g.step();
            ForkSteps fork = s.a().mainThread().forkSteps("C");
            assertThat(fork.isBlocked()).isTrue();
            assertThat(fork.waitsFor()).isEqualTo("mm:1:mmap_lock").isIn(g.holds());
            g.run().unpin(false);
            assertThat(fork.isBlocked()).isFalse();
            fork.step();
            GupSteps later = s.t2().getUserPagesSteps(s.buf(), 1, 0, "later");
            assertThat(later.isBlocked()).isTrue();
            assertThat(later.waitsFor()).isIn(fork.holds());
            assertThatThrownBy(later::step).isInstanceOf(IllegalStateException.class).hasMessageContaining("step the operation that holds mm:1:mmap_lock");
            fork.run();
            later.run().release();
            s.k().checkInvariants();
            s.k().checkNoLeaks();
        }
    }

    /** A stepped munmap waits for the GUP's mmap_lock; a stepped write fault (a reader too) does not. */
    @Test
    void munmapWaitsForTheGupAndAWriteFaultDoesNot() {
        Setup s = setup(KernelModel.LINUX_6_6);
        GupSteps g = s.t2().pinUserPagesSteps(s.buf(), 1, Foll.WRITE, "rdma0");
        g.step();
        Steppable unmap = s.a().mainThread().munmapSteps(s.buf(), 3L * PAGE);
        assertThat(unmap.isBlocked()).isTrue();
        assertThat(unmap.waitsFor()).isEqualTo("mm:1:mmap_lock");
        WriteFaultSteps w = s.a().mainThread().writeSteps(s.buf() + PAGE, (byte) 'W');
        assertThat(w.isBlocked()).isFalse();
        w.run();
        GupPages pinned = g.run();
        assertThat(unmap.isBlocked()).isFalse();
        while (!unmap.isDone()) {
            unmap.step();
        }
        assertThat(pinned.read(0, 1)).containsExactly('A');
        pinned.unpin(false);
        s.k().checkNoLeaks();
    }

    /** A fault on a file page waits for the invalidate lock a stepped truncate holds, and then finds the page past EOF: EFAULT. */
    @Test
    void aFaultOnAFileWaitsForTheInvalidateLockOfATruncate() {
        Kernel k = kernel(KernelModel.LINUX_6_1);
        Inode ino = k.mount(FsKind.EXT4).create("data", fill('F', 2 * PAGE));
        Process a = k.spawn("A");
        OpenFile f = a.open(ino, OpenFlags.RDWR);
        long map = a.mmap(0, 2L * PAGE, RW, MapFlags.SHARED, f, 0);
        a.read(map + PAGE, 1);
        TruncateSteps t = f.truncateSteps(a.mainThread(), PAGE);
        t.step();
        t.step();
        t.step();
        GupSteps g = a.spawnThread("T2").getUserPagesSteps(map + PAGE, 1, 0, "gup");
        g.step();
        g.step();
        assertThat(g.isBlocked()).isTrue();
        assertThat(g.waitsFor()).isEqualTo("mapping:ext4:data:invalidate_lock").isIn(t.holds());
        assertThat(g.nextStep()).contains("faultin_page()").contains("(waits for mapping:ext4:data:invalidate_lock)");
        t.run();
        assertThatThrownBy(g::run).isInstanceOf(ErrnoException.class).hasMessageContaining("EFAULT").hasMessageContaining("beyond the end of");
        assertThat(g.holds()).as("the errno comes after mmap_read_unlock()").isEmpty();
        k.checkInvariants();
        k.checkNoLeaks();
    }
}
