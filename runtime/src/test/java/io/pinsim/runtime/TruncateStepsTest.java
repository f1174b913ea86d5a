package io.pinsim.runtime;

import static io.pinsim.runtime.Fixtures.PAGE;
import static io.pinsim.runtime.Fixtures.RW;
import static io.pinsim.runtime.Fixtures.buffer;
import static io.pinsim.runtime.Fixtures.fill;
import static io.pinsim.runtime.Fixtures.kernel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pinsim.runtime.model.KernelModel;
import org.junit.jupiter.api.Test;

/** ftruncate() as steps: i_rwsem, inode_dio_wait(), the invalidate lock around unmap and removal. */
class TruncateStepsTest {
    private record Setup(Kernel k, Process a, Task t2, Inode ino, OpenFile file, long map) {
    }

    private static Setup setup(KernelModel model) {
        Kernel k = kernel(model);
        Inode ino = k.mount(FsKind.EXT4).create("data", fill('F', 2 * PAGE));
        Process a = k.spawn("A");
        OpenFile f = a.open(ino, OpenFlags.RDWR);
        long map = a.mmap(0, 2L * PAGE, RW, MapFlags.SHARED, f, 0);
        a.read(map, 1);
        a.read(map + PAGE, 1);
        return new Setup(k, a, a.spawnThread("T2"), ino, f, map);
    }

    /** Every step in a row truncates as ftruncate() does. */
    @Test
    void everyStepInARowTruncatesAsFtruncateDoes() {
        for (KernelModel m : KernelModel.all()) {
            Setup stepped = setup(m);
            Setup plain = setup(m);
            stepped.file().truncateSteps(stepped.t2(), PAGE + 100).run();
            plain.file().ftruncate(PAGE + 100);

            assertThat(stepped.ino().size()).isEqualTo(plain.ino().size()).isEqualTo(PAGE + 100);
            assertThat(stepped.ino().cachedPages()).isEqualTo(plain.ino().cachedPages());
            assertThat(stepped.a().read(stepped.map(), 1)).isEqualTo(plain.a().read(plain.map(), 1));
            assertThat(stepped.a().read(stepped.map() + PAGE + 100, 1)).isEqualTo(plain.a().read(plain.map() + PAGE + 100, 1)).containsExactly(0);
            stepped.k().checkInvariants();
            stepped.k().checkNoLeaks();
        }
    }

    /**
     * Between the unmap and the removal the invalidate lock is held: GUP's slow path, whose fault
     * would map the page again, waits for it; after the truncate it finds the page past EOF.
     */
    @Test
    void gupsSlowPathWaitsForTheInvalidateLockBetweenUnmapAndRemoval() {
        Setup s = setup(KernelModel.LINUX_6_1);
        TruncateSteps t = s.file().truncateSteps(s.a().mainThread(), PAGE);
        t.step();
        t.step();
        t.step();
        assertThat(t.nextStep()).startsWith("truncate_inode_pages()");
        assertThat(t.holds()).containsExactly("inode:ext4:12:i_rwsem", "mapping:ext4:data:invalidate_lock");
        GupFast gup = s.t2().getUserPagesFastSteps(s.map() + PAGE, 1, 0, "gup");
        while (!gup.isBlocked()) {
            gup.step();
        }
        assertThat(gup.waitsFor()).isEqualTo("mapping:ext4:data:invalidate_lock");
        assertThat(gup.nextStep()).contains("waits for the invalidate lock");
        t.step();
        assertThat(gup.isBlocked()).isFalse();
        assertThatThrownBy(gup::run).as("the page is past EOF now").isInstanceOf(ErrnoException.class).hasMessageContaining("EFAULT");
        s.k().checkInvariants();
    }

    /** The locks go through lockdep: a truncate records i_rwsem -&gt; invalidate_lock, the order of ext4_setattr(). */
    @Test
    void lockdepSeesIRwsemBeforeTheInvalidateLock() {
        Setup s = setup(KernelModel.LINUX_6_6);
        s.file().truncateSteps(s.t2(), PAGE).run();
        assertThat(s.k().lockdep().dependencies()).extracting(Object::toString).contains("&sb->s_type->i_mutex_key -> mapping.invalidate_lock");
        assertThat(s.k().lockdep().reports()).isEmpty();
    }

    /** i_rwsem: a truncate waits for an O_DIRECT read that holds it shared, and goes on when the read is done. */
    @Test
    void truncateWaitsForADirectReadHoldingIRwsem() {
        Kernel k = kernel(KernelModel.LINUX_6_6);
        Inode ino = k.mount(FsKind.EXT4).create("data", fill('F', PAGE));
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        OpenFile direct = a.open(ino, OpenFlags.RDWR | OpenFlags.DIRECT);
        DirectReadSteps read = direct.preadDirectSteps(a.spawnThread("T2"), buf, PAGE, 0);
        TruncateSteps t = direct.truncateSteps(a.mainThread(), 0);
        read.step();
        assertThat(t.isBlocked()).isTrue();
        assertThat(t.waitsFor()).isEqualTo("inode:ext4:12:i_rwsem").isIn(read.holds());
        assertThatThrownBy(t::step).isInstanceOf(IllegalStateException.class).hasMessageContaining("step the operation that holds inode:ext4:12:i_rwsem");
        assertThat(read.run()).isEqualTo(PAGE);
        t.run();
        assertThat(ino.size()).isZero();
        assertThat(a.read(buf, 1)).containsExactly('F');
    }

    /** inode_dio_wait(): an asynchronous read in flight makes the truncate wait after it took i_rwsem. */
    @Test
    void truncateWaitsForAsynchronousDirectIo() {
        Kernel k = kernel(KernelModel.LINUX_6_6);
        Inode ino = k.mount(FsKind.EXT4).create("data", fill('F', PAGE));
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        OpenFile direct = a.open(ino, OpenFlags.RDWR | OpenFlags.DIRECT);
        DirectIo aio = direct.startDirectRead(buf, PAGE, 0);
        TruncateSteps t = direct.truncateSteps(a.mainThread(), 0);
        t.step();
        assertThat(t.isBlocked()).isTrue();
        assertThat(t.waitsFor()).isEqualTo("inode:ext4:12:dio");
        aio.complete();
        t.run();
        assertThat(ino.size()).isZero();
    }
}
