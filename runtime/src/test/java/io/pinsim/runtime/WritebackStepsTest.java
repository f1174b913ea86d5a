package io.pinsim.runtime;

import static io.pinsim.runtime.Fixtures.PAGE;
import static io.pinsim.runtime.Fixtures.RW;
import static io.pinsim.runtime.Fixtures.fill;
import static io.pinsim.runtime.Fixtures.kernel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pinsim.runtime.model.KernelModel;
import org.junit.jupiter.api.Test;

/** The flusher's writeback as steps: lock_page, page_mkclean per PTE, clear dirty + set_page_writeback + unlock, I/O, end_page_writeback. */
class WritebackStepsTest {
    private record Setup(Kernel k, Process a, Process b, Inode ino, OpenFile file, long map, long mapB) {
    }

    /** Two dirty pages of an ext4 file, each mapped shared by A; B maps the first. */
    private static Setup setup(KernelModel model) {
        Kernel k = kernel(model);
        Inode ino = k.mount(FsKind.EXT4).create("data", fill('F', 2 * PAGE));
        Process a = k.spawn("A");
        OpenFile f = a.open(ino, OpenFlags.RDWR);
        long map = a.mmap(0, 2L * PAGE, RW, MapFlags.SHARED, f, 0);
        a.fill(map, 2 * PAGE, (byte) 'A');
        Process b = k.spawn("B");
        long mapB = b.mmap(0, PAGE, RW, MapFlags.SHARED, b.open(ino, OpenFlags.RDWR), 0);
        b.read(mapB, 1);
        return new Setup(k, a, b, ino, f, map, mapB);
    }

    /** Every step in a row writes back as writeback() does, on every model: the same pages written, the same PTEs write-protected. */
    @Test
    void everyStepInARowWritesBackAsWritebackDoes() {
        for (KernelModel m : KernelModel.all()) {
            Setup stepped = setup(m);
            Setup plain = setup(m);
            WritebackSteps w = stepped.file().writebackSteps();
            assertThat(w.run()).isEqualTo(plain.file().writeback()).isEqualTo(2);
            assertThat(stepped.ino().dirtyPages()).isEqualTo(plain.ino().dirtyPages()).isZero();
            assertThat(stepped.ino().readDisk(0, 2 * PAGE)).isEqualTo(plain.ino().readDisk(0, 2 * PAGE)).isEqualTo(fill('A', 2 * PAGE));
            for (long off : new long[] {0, PAGE}) {
                assertThat(stepped.a().pteAt(stepped.map() + off)).isEqualTo(plain.a().pteAt(plain.map() + off));
                assertThat(stepped.a().isMappedWritable(stepped.map() + off)).isFalse();
            }
            assertThat(stepped.b().pteAt(stepped.mapB())).isEqualTo(plain.b().pteAt(plain.mapB()));
            assertThat(w.holds()).isEmpty();
            assertThat(stepped.ino().cachedPage(0).refcount()).isEqualTo(plain.ino().cachedPage(0).refcount());
            stepped.k().checkInvariants();
            stepped.k().checkNoLeaks();
        }
    }

    /** The steps of one page: lock, one page_mkclean_one() per shared PTE (A's and B's), clear + set_page_writeback + unlock, I/O, end. */
    @Test
    void onePageIsLockedCleanedPerPteWrittenAndEnded() {
        Setup s = setup(KernelModel.LINUX_6_6);
        WritebackSteps w = s.file().writebackSteps();
        long pfn = s.ino().cachedPage(0).pfn();
        assertThat(w.nextStep()).isEqualTo("writeback of data: lock_page() of page 0 (frame #" + pfn + ")");
        w.step();
        assertThat(w.holds()).containsExactly("frame:" + pfn + ":PG_locked");
        assertThat(w.nextStep()).startsWith("page_mkclean_one() of the PTE at 0x7f0000000000 in mm:1");
        w.step();
        assertThat(s.a().isMappedWritable(s.map())).isFalse();
        assertThat(w.nextStep()).contains("in mm:2");
        w.step();
        assertThat(w.nextStep()).startsWith("TestClearPageDirty(), set_page_writeback(), unlock_page()");
        w.step();
        assertThat(w.holds()).containsExactly("frame:" + pfn + ":PG_writeback");
        assertThat(s.ino().cachedPage(0).isDirty()).isFalse();
        assertThat(s.ino().readDisk(0, 1)).as("the I/O has not run").containsExactly('F');
        w.step();
        assertThat(s.ino().readDisk(0, 1)).containsExactly('A');
        assertThat(w.nextStep()).startsWith("end_page_writeback()");
        w.step();
        assertThat(w.holds()).isEmpty();
        assertThat(w.nextStep()).contains("lock_page() of page 1");
    }

    /**
     * The page lock: a GUP slow path FOLL_WRITE on a page the writeback has locked and cleaned finds
     * the PTE write-protected, faults, and waits in do_page_mkwrite()'s lock_page() until the
     * writeback's unlock_page(); then the fault makes the page dirty again.
     */
    @Test
    void aGupWriteFaultWaitsForThePageLockOfTheWriteback() {
        for (KernelModel m : KernelModel.all()) {
            Setup s = setup(m);
            WritebackSteps w = s.file().writebackSteps();
            w.step();
            w.step();
            w.step();
            GupSteps g = s.a().spawnThread("T2").getUserPagesSteps(s.map(), 1, Foll.WRITE, "gup");
            g.step();
            g.step();
            assertThat(g.isBlocked()).as(m.name()).isTrue();
            assertThat(g.waitsFor()).isEqualTo("frame:" + s.ino().cachedPage(0).pfn() + ":PG_locked").isIn(w.holds());
            assertThatThrownBy(g::step).isInstanceOf(IllegalStateException.class).hasMessageContaining("step the operation that holds frame:");
            w.step();
            assertThat(g.isBlocked()).isFalse();
            GupPages p = g.run();
            assertThat(s.ino().cachedPage(0).isDirty()).as("page_mkwrite dirtied it again").isTrue();
            w.run();
            p.release();
            s.k().checkInvariants();
            s.k().checkNoLeaks();
        }
    }

    /** A thread's stepped store into the shared page waits in do_page_mkwrite()'s lock_page() too, and dirties the page again after the unlock. */
    @Test
    void aSteppedStoreWaitsForThePageLockOfTheWriteback() {
        Setup s = setup(KernelModel.LINUX_6_6);
        WritebackSteps w = s.file().writebackSteps();
        w.step();
        w.step();
        w.step();
        WriteFaultSteps store = s.a().spawnThread("T2").writeSteps(s.map(), (byte) 'S');
        assertThat(store.isBlocked()).isTrue();
        assertThat(store.waitsFor()).isEqualTo("frame:" + s.ino().cachedPage(0).pfn() + ":PG_locked").isIn(w.holds());
        w.step();
        store.run();
        assertThat(s.ino().cachedPage(0).isDirty()).isTrue();
        assertThat(s.a().read(s.map(), 1)).containsExactly('S');
        w.run();
        s.k().checkInvariants();
        s.k().checkNoLeaks();
    }

    /** PG_writeback: a stepped truncate waits in truncate_inode_pages() for the I/O; reclaim keeps the page; a second writeback skips it. */
    @Test
    void truncateWaitsForPageWritebackAndReclaimAndAnotherWritebackSkipIt() {
        Setup s = setup(KernelModel.LINUX_6_1);
        s.b().munmap(s.mapB(), PAGE);
        WritebackSteps w = s.file().writebackSteps();
        w.step();
        w.step();
        w.step();
        long pfn = s.ino().cachedPage(0).pfn();
        assertThat(w.holds()).containsExactly("frame:" + pfn + ":PG_writeback");
        TruncateSteps t = s.file().truncateSteps(s.a().mainThread(), 0);
        t.step();
        t.step();
        t.step();
        assertThat(t.isBlocked()).isTrue();
        assertThat(t.waitsFor()).isEqualTo("frame:" + pfn + ":PG_writeback");
        assertThat(s.k().reclaim(s.a(), s.map())).as("shrink_page_list keeps a page under writeback").isFalse();
        WritebackSteps other = s.file().writebackSteps();
        assertThat(other.run()).as("page 0 is under writeback (skipped), page 1 is written").isEqualTo(1);
        w.step();
        w.step();
        assertThat(t.isBlocked()).isFalse();
        t.run();
        w.run();
        assertThat(s.ino().size()).isZero();
        s.k().checkInvariants();
        s.k().checkNoLeaks();
    }

    /** ext4's check of a page dirtied without buffers runs under the page lock: a BUG up to 5.17, a warning and the data dropped from 5.18. */
    @Test
    void aPageDirtiedWithoutBuffersOopsesOrIsDroppedAtItsLockStep() {
        for (KernelModel m : new KernelModel[] {KernelModel.LINUX_5_10, KernelModel.LINUX_6_1}) {
            Kernel k = kernel(m);
            Inode ino = k.mount(FsKind.EXT4).create("data", fill('F', PAGE));
            Process a = k.spawn("A");
            OpenFile f = a.open(ino, OpenFlags.RDWR);
            long map = a.mmap(0, PAGE, RW, MapFlags.SHARED, f, 0);
            a.fill(map, PAGE, (byte) 'A');
            GupPages pin = a.pinUserPages(map, 1, Foll.WRITE, "nic");
            f.writeback();
            k.reclaim(a, map);
            pin.write(0, new byte[] {'D'});
            pin.unpin(true);
            assertThat(ino.cachedPage(0).hasBuffers()).isFalse();
            assertThat(ino.cachedPage(0).isDirty()).isTrue();
            WritebackSteps w = f.writebackSteps();
            if (m == KernelModel.LINUX_5_10) {
                assertThatThrownBy(w::step).isInstanceOf(KernelBugException.class).hasMessageContaining("BUG_ON(!PagePrivate(page))");
                assertThat(w.isDone()).isTrue();
            } else {
                assertThat(w.run()).isZero();
                assertThat(k.log().toString()).contains("does not have buffers attached");
            }
            assertThat(w.holds()).isEmpty();
        }
    }
}
