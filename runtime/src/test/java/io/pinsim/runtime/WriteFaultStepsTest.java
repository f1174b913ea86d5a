package io.pinsim.runtime;

import static io.pinsim.runtime.Fixtures.PAGE;
import static io.pinsim.runtime.Fixtures.buffer;
import static io.pinsim.runtime.Fixtures.kernel;
import static io.pinsim.runtime.Fixtures.seen;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pinsim.runtime.model.KernelModel;
import io.pinsim.runtime.trace.TraceKind;
import org.junit.jupiter.api.Test;

/** A thread's store with its write fault as do_wp_page() / wp_page_copy() steps, and the locks between them. */
class WriteFaultStepsTest {
    private record Cow(Kernel k, Process a, Process b, Task t2, long buf) {
    }

    /** "A" with a page written 'A', forked into "B": the page is COW-shared and write-protected in both. */
    private static Cow cow(KernelModel model) {
        Kernel k = kernel(model);
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        Task t2 = a.spawnThread("T2");
        Process b = a.fork("B");
        return new Cow(k, a, b, t2, buf);
    }

    /** Every step in a row stores as fill() does: the same copy, the same frames, the same counts. */
    @Test
    void everyStepInARowStoresAsFillDoes() {
        for (KernelModel m : KernelModel.all()) {
            Cow stepped = cow(m);
            Cow plain = cow(m);
            stepped.t2().writeSteps(stepped.buf(), (byte) 'W').run();
            plain.a().fill(plain.buf(), 1, (byte) 'W');

            assertThat(stepped.a().read(stepped.buf(), PAGE)).isEqualTo(plain.a().read(plain.buf(), PAGE));
            assertThat(stepped.a().frameAt(stepped.buf()).pfn()).as(m.name()).isEqualTo(plain.a().frameAt(plain.buf()).pfn());
            assertThat(stepped.b().frameAt(stepped.buf()).refcount()).isEqualTo(plain.b().frameAt(plain.buf()).refcount());
            assertThat(seen(stepped.b(), stepped.buf())).isEqualTo('A');
            assertThat(stepped.k().trace().lastAt(stepped.buf(), TraceKind.COW_COPY).message())
                    .isEqualTo(plain.k().trace().lastAt(plain.buf(), TraceKind.COW_COPY).message());
            stepped.k().checkInvariants();
            stepped.k().checkNoLeaks();
        }
    }

    /**
     * The fault decides under the PTL, copies with it dropped, and installs under it again: the copy
     * step allocates and reads the old frame only; mmap_lock is held for read throughout.
     */
    @Test
    void theCopyRunsBetweenTwoPtlSectionsUnderMmapLock() {
        Cow c = cow(KernelModel.LINUX_6_1);
        WriteFaultSteps w = c.t2().writeSteps(c.buf(), (byte) 'W');
        Frame old = c.a().frameAt(c.buf());
        assertThat(w.nextStep()).contains("do_wp_page() reads the PTE under the PTL");
        w.step();
        assertThat(w.nextStep()).contains("PTL dropped, allocate a page and copy frame #" + old.pfn());
        assertThat(w.nextFootprint()).hasToString("reads [frame:" + old.pfn() + "] writes [alloc]");
        assertThat(w.holds()).containsExactly("mm:" + c.a().pid() + ":mmap_lock");
        w.step();
        assertThat(w.nextStep()).contains("retake the PTL, pte_same()?");
        w.step();
        assertThat(w.isDone()).isTrue();
        assertThat(w.holds()).isEmpty();
        assertThat(c.a().frameAt(c.buf())).isNotSameAs(old);
    }

    /**
     * Two threads fault on the same COW page: both decide to copy; the first installs its copy; the
     * second finds the PTE changed (pte_same() fails), frees its copy and stores into the first's.
     */
    @Test
    void theSecondOfTwoRacingFaultsFailsPteSameAndBacksOut() {
        for (KernelModel m : KernelModel.all()) {
            Cow c = cow(m);
            Task t3 = c.a().spawnThread("T3");
            WriteFaultSteps w2 = c.t2().writeSteps(c.buf(), (byte) 'X');
            WriteFaultSteps w3 = t3.writeSteps(c.buf() + 1, (byte) 'Y');
            w2.step();
            w3.step();
            assertThat(w3.nextStep()).as(m.name()).contains("wp_page_copy()");
            w2.run();
            long used = c.k().usedFrames();
            w3.run();

            assertThat(c.k().trace().render()).contains("pte_same() failed, the PTE changed");
            assertThat(c.k().usedFrames()).as("the second copy was freed").isEqualTo(used);
            assertThat(new String(c.a().read(c.buf(), 3))).isEqualTo("XYA");
            assertThat(seen(c.b(), c.buf())).isEqualTo('A');
            c.k().checkInvariants();
            c.k().checkNoLeaks();
        }
    }

    /** fork() takes mmap_lock for write: it waits while a fault holds it for read, and the fault's first step waits while fork holds it. */
    @Test
    void forkAndTheFaultWaitForEachOthersMmapLock() {
        Kernel k = kernel(KernelModel.LINUX_5_10);
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        Task t2 = a.spawnThread("T2");
        a.fork("B");
        WriteFaultSteps w = t2.writeSteps(buf, (byte) 'W');
        w.step();
        ForkSteps fork = a.mainThread().forkSteps("C");
        assertThat(fork.isBlocked()).isTrue();
        assertThat(fork.waitsFor()).isEqualTo("mm:" + a.pid() + ":mmap_lock").isIn(w.holds());
        assertThatThrownBy(fork::step).isInstanceOf(IllegalStateException.class).hasMessageContaining("holds for read");
        w.run();
        assertThat(fork.isBlocked()).isFalse();
        fork.step();

        WriteFaultSteps later = t2.writeSteps(buf, (byte) 'V');
        assertThat(later.isBlocked()).isTrue();
        assertThat(later.waitsFor()).isIn(fork.holds());
        fork.run();
        later.run();
        assertThat(seen(a, buf)).isEqualTo('V');
        k.checkInvariants();
    }
}
