package io.pinsim.runtime;

import static io.pinsim.runtime.Fixtures.PAGE;
import static io.pinsim.runtime.Fixtures.RW;
import static io.pinsim.runtime.Fixtures.fill;
import static io.pinsim.runtime.Fixtures.kernel;
import static org.assertj.core.api.Assertions.assertThat;

import io.pinsim.runtime.model.KernelModel;
import org.junit.jupiter.api.Test;

/** fallocate(PUNCH_HOLE) as steps: i_rwsem, inode_dio_wait(), the invalidate lock around the unmap and truncate_inode_pages_range(). */
class PunchHoleStepsTest {
    private record Setup(Kernel k, Process a, Task t2, Inode ino, OpenFile file, long map, long priv) {
    }

    /** Three pages of an ext4 file, mapped shared (every page read) and private (page 1 written: a COW copy). */
    private static Setup setup(KernelModel model) {
        Kernel k = kernel(model);
        Inode ino = k.mount(FsKind.EXT4).create("data", fill('F', 3 * PAGE));
        Process a = k.spawn("A");
        OpenFile f = a.open(ino, OpenFlags.RDWR);
        long map = a.mmap(0, 3L * PAGE, RW, MapFlags.SHARED, f, 0);
        for (int i = 0; i < 3; i++) {
            a.read(map + (long) i * PAGE, 1);
        }
        long priv = a.mmap(0, 3L * PAGE, RW, MapFlags.PRIVATE, f, 0);
        a.fill(priv + PAGE, 1, (byte) 'C');
        return new Setup(k, a, a.spawnThread("T2"), ino, f, map, priv);
    }

    /** Every step in a row punches as punchHole() does, on every model: partial pages zeroed, whole pages removed, COW copies kept. */
    @Test
    void everyStepInARowPunchesAsPunchHoleDoes() {
        for (KernelModel m : KernelModel.all()) {
            Setup stepped = setup(m);
            Setup plain = setup(m);
            stepped.file().punchHoleSteps(stepped.t2(), PAGE / 2, 2L * PAGE).run();
            plain.file().punchHole(PAGE / 2, 2L * PAGE);
            assertThat(stepped.ino().cachedPages()).as(m.name()).isEqualTo(plain.ino().cachedPages()).isEqualTo(2);
            assertThat(stepped.ino().size()).isEqualTo(3L * PAGE);
            assertThat(stepped.file().pread(0, 3 * PAGE)).isEqualTo(plain.file().pread(0, 3 * PAGE));
            for (long off = 0; off < 3 * PAGE; off += PAGE / 2) {
                assertThat(stepped.a().read(stepped.map() + off, 1)).as(m + " shared +" + off).isEqualTo(plain.a().read(plain.map() + off, 1));
                assertThat(stepped.a().read(stepped.priv() + off, 1)).as(m + " private +" + off).isEqualTo(plain.a().read(plain.priv() + off, 1));
            }
            assertThat(stepped.a().read(stepped.priv() + PAGE, 1)).as("the COW copy stays (even_cows = 0)").containsExactly('C');
            stepped.k().checkInvariants();
            stepped.k().checkNoLeaks();
        }
    }

    /**
     * Between the unmap and the removal the invalidate lock is held: GUP's slow path, whose fault
     * would map the old page again, waits; afterwards it faults in the hole, inside i_size: a new
     * zeroed page, not EFAULT as after a truncate.
     */
    @Test
    void gupsSlowPathWaitsForTheInvalidateLockThenFaultsInTheHole() {
        Setup s = setup(KernelModel.LINUX_6_6);
        PunchHoleSteps p = s.file().punchHoleSteps(s.a().mainThread(), PAGE, PAGE);
        p.step();
        p.step();
        p.step();
        assertThat(p.nextStep()).startsWith("truncate_inode_pages_range()");
        assertThat(p.holds()).containsExactly("inode:ext4:12:i_rwsem", "mapping:ext4:data:invalidate_lock");
        GupSteps g = s.t2().getUserPagesSteps(s.map() + PAGE, 1, 0, "gup");
        g.step();
        g.step();
        assertThat(g.isBlocked()).isTrue();
        assertThat(g.waitsFor()).isEqualTo("mapping:ext4:data:invalidate_lock").isIn(p.holds());
        p.step();
        assertThat(p.isDone()).isTrue();
        GupPages got = g.run();
        assertThat(got.read(0, 1)).containsExactly(0);
        got.release();
        s.k().checkInvariants();
        s.k().checkNoLeaks();
    }

    /** truncate_inode_pages_range() waits for a stepped writeback's PG_writeback of a page in the hole; i_rwsem serializes punch and truncate. */
    @Test
    void punchWaitsForWritebackOfAPageInTheHoleAndForATruncatesIRwsem() {
        Setup s = setup(KernelModel.LINUX_6_1);
        s.a().fill(s.map() + PAGE, 1, (byte) 'W');
        WritebackSteps w = s.file().writebackSteps();
        w.step();
        w.step();
        w.step();
        long pfn = s.ino().cachedPage(1).pfn();
        assertThat(w.holds()).containsExactly("frame:" + pfn + ":PG_writeback");
        PunchHoleSteps p = s.file().punchHoleSteps(s.a().mainThread(), PAGE, PAGE);
        p.step();
        p.step();
        p.step();
        assertThat(p.isBlocked()).isTrue();
        assertThat(p.waitsFor()).isEqualTo("frame:" + pfn + ":PG_writeback").isIn(w.holds());
        TruncateSteps t = s.file().truncateSteps(s.t2(), 0);
        assertThat(t.waitsFor()).isEqualTo("inode:ext4:12:i_rwsem").isIn(p.holds());
        w.run();
        p.run();
        t.run();
        assertThat(s.ino().size()).isZero();
        s.k().checkInvariants();
        s.k().checkNoLeaks();
    }
}
