package io.pinsim.runtime;

import static io.pinsim.runtime.Fixtures.ANON_PRIVATE;
import static io.pinsim.runtime.Fixtures.PAGE;
import static io.pinsim.runtime.Fixtures.RW;
import static io.pinsim.runtime.Fixtures.buffer;
import static io.pinsim.runtime.Fixtures.fill;
import static io.pinsim.runtime.Fixtures.kernel;
import static io.pinsim.runtime.Fixtures.seen;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pinsim.runtime.model.KernelModel;
import org.junit.jupiter.api.Test;

/** A blocking O_DIRECT read from a thread, step by step: its steps and the locks they wait for. */
class DirectReadStepsTest {
    private record Setup(Kernel k, Process a, Task t2, OpenFile file, long buf) {
    }

    private static Setup setup(KernelModel model, boolean populated) {
        Kernel k = kernel(model);
        Inode ino = k.mount(FsKind.EXT4).create("data", fill('F', PAGE));
        Process a = k.spawn("A");
        long buf = populated ? buffer(a, 1, 'A') : a.mmap(PAGE, RW, ANON_PRIVATE);
        return new Setup(k, a, a.spawnThread("T2"), a.open(ino, OpenFlags.RDONLY | OpenFlags.DIRECT), buf);
    }

    /** Every step in a row reads what pread() of the O_DIRECT file reads, and releases the pages as it does. */
    @Test
    void everyStepInARowReadsAsPreadDoes() {
        for (KernelModel m : KernelModel.all()) {
            Setup stepped = setup(m, true);
            Setup plain = setup(m, true);
            DirectReadSteps read = stepped.file().preadDirectSteps(stepped.t2(), stepped.buf(), PAGE / 2, 0);

            assertThat(read.run()).isEqualTo(plain.file().pread(plain.buf(), PAGE / 2, 0)).isEqualTo(PAGE / 2);
            assertThat(stepped.a().read(stepped.buf(), PAGE)).isEqualTo(plain.a().read(plain.buf(), PAGE));
            assertThat(seen(stepped.a(), stepped.buf())).isEqualTo('F');
            assertThat(stepped.a().frameAt(stepped.buf()).refcount()).as(m.name()).isEqualTo(plain.a().frameAt(plain.buf()).refcount()).isEqualTo(1);
            assertThat(read.holds()).isEmpty();
            stepped.k().checkInvariants();
        }
    }

    /**
     * The steps are i_rwsem, the GUP-fast steps, submit_bio(), the device's DMA and the completion;
     * i_rwsem is held for read from the first to the last.
     */
    @Test
    void theStepsFollowIomapDioRw() {
        Setup s = setup(KernelModel.LINUX_6_6, true);
        DirectReadSteps read = s.file().preadDirectSteps(s.t2(), s.buf(), PAGE / 2, 0);
        StringBuilder steps = new StringBuilder();
        while (!read.isDone()) {
            steps.append(read.nextStep()).append('\n');
            read.step();
            if (!read.isDone()) {
                assertThat(read.holds()).containsExactly("inode:ext4:12:i_rwsem");
            }
        }
        assertThat(steps.toString()).containsSubsequence("inode_lock_shared(i_rwsem)", "bio_iov_iter_get_pages(): begin pin_user_pages_fast",
                "lockless walk of page 0", "finish the fast walk", "submit_bio() of dio#1", "DMA of dio#1", "complete dio#1");
        assertThat(read.result()).isEqualTo(PAGE / 2);
        assertThat(read.request().isDone()).isTrue();
    }

    /**
     * The DMA goes into the frames the request holds and its footprint says exactly those; the
     * other steps of the read touch the page cache and references: everything.
     */
    @Test
    void theDmaStepTouchesOnlyTheHeldFrames() {
        Setup s = setup(KernelModel.LINUX_5_10, true);
        DirectReadSteps read = s.file().preadDirectSteps(s.t2(), s.buf(), PAGE / 2, 0);
        assertThat(read.nextFootprint().isAll()).isTrue();
        while (!read.nextStep().contains("DMA of")) {
            read.step();
        }
        assertThat(read.nextFootprint()).isEqualTo(Footprint.writes("frame:" + s.a().frameAt(s.buf()).pfn()));
    }

    /**
     * An unpopulated buffer sends GUP to its slow path, which needs mmap_lock: while a fork holds it
     * for write the read's thread is blocked (and says on what); after the fork it goes on.
     */
    @Test
    void theSlowPathWaitsForMmapLockWhileAForkHoldsIt() {
        Setup s = setup(KernelModel.LINUX_6_1, false);
        ForkSteps fork = s.a().mainThread().forkSteps("B");
        DirectReadSteps read = s.file().preadDirectSteps(s.t2(), s.buf(), PAGE / 2, 0);
        fork.step();
        while (!read.isBlocked()) {
            read.step();
        }
        assertThat(read.nextStep()).contains("slow path").contains("waits for mmap_lock");
        assertThat(read.waitsFor()).isEqualTo("mm:" + s.a().pid() + ":mmap_lock");
        assertThat(fork.holds()).containsExactly(read.waitsFor());
        assertThatThrownBy(read::step).isInstanceOf(IllegalStateException.class).hasMessageContaining("step the operation that holds mm:");

        fork.run();
        assertThat(read.isBlocked()).isFalse();
        assertThat(read.run()).isEqualTo(PAGE / 2);
        assertThat(seen(s.a(), s.buf())).isEqualTo('F');
    }

    /** i_rwsem is shared: two threads' reads of the same file hold it at once, neither waits. */
    @Test
    void twoReadsHoldIRwsemTogether() {
        Setup s = setup(KernelModel.LINUX_6_6, true);
        Task t3 = s.a().spawnThread("T3");
        DirectReadSteps r1 = s.file().preadDirectSteps(s.t2(), s.buf(), PAGE / 2, 0);
        DirectReadSteps r2 = s.file().preadDirectSteps(t3, s.buf() + PAGE / 2, PAGE / 2, PAGE / 2);
        r1.step();
        assertThat(r2.isBlocked()).isFalse();
        r2.step();
        assertThat(r1.holds()).isEqualTo(r2.holds()).containsExactly("inode:ext4:12:i_rwsem");
        r1.run();
        r2.run();
        assertThat(s.a().read(s.buf(), PAGE)).isEqualTo(fill('F', PAGE));
    }
}
