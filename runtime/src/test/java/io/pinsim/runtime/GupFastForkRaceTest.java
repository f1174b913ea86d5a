package io.pinsim.runtime;

import static io.pinsim.runtime.Fixtures.buffer;
import static io.pinsim.runtime.Fixtures.fill;
import static io.pinsim.runtime.Fixtures.kernel;
import static io.pinsim.runtime.Fixtures.seen;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pinsim.runtime.model.GupFastVsFork;
import io.pinsim.runtime.model.KernelModel;
import io.pinsim.runtime.trace.TraceKind;
import org.junit.jupiter.api.Test;

/**
 * S7: pin_user_pages_fast() in one thread while another thread forks, interleaved as in the commit
 * message of 57efa1fe5957 ("mm/gup: prevent gup_fast from racing with COW during fork"): GUP-fast
 * reads the PTE and pins the page after fork decided to share it and before fork write-protects it.
 * Without write_protect_seq the pin ends up on a page shared with the child, and the parent's next
 * write moves the parent away from it. These tests check the two mechanisms by the switch's value;
 * the gup-fast-fork-race sample says on which kernel models the pin goes astray.
 */
class GupFastForkRaceTest {

    /** The race of the commit message, step by step; returns the pins GUP-fast ended with and the fork's child. */
    private record Raced(Kernel kernel, Process parent, Process child, long buf, GupPages pins) {
    }

    private static Raced race(KernelModel model) {
        Kernel k = kernel(model);
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        Task t2 = a.spawnThread("T2");
        ForkSteps fork = a.mainThread().forkSteps("B");
        GupFast gup = t2.pinUserPagesFastSteps(buf, 1, Foll.WRITE | Foll.LONGTERM, "rdma0 MR#1");

        gup.step();                                   // T2: begin (write_protect_seq still even)
        fork.step();                                  // A: take mmap_lock, create B
        fork.step();                                  // A: copy_page_range() of the VMA starts
        fork.step();                                  // A: decide: not pinned yet -> share
        gup.step();                                   // T2: lockless walk: PTE still writable -> pin
        fork.step();                                  // A: write-protect parent and child PTEs
        gup.step();                                   // T2: finish (with write_protect_seq: retry)
        while (!fork.isDone()) {
            if (!gup.isDone()) {
                gup.step();                           // T2: slow path waits for mmap_lock
                assertThat(gup.isDone()).isFalse();
            }
            fork.step();
        }
        GupPages pins = gup.isDone() ? gup.result() : gup.run();
        return new Raced(k, a, fork.child(), buf, pins);
    }

    /**
     * Unserialized (up to 5.10.0): the lockless walk pins the page fork has just decided to share,
     * so the pin ends on a page the child maps too, and the parent's next write copies the parent
     * away from it. (Which models break this way is the gup-fast-fork-race sample's to say.)
     */
    @Test
    void unserializedTheLocklessWalkPinsThePageForkShares() {
        Raced r = race(KernelModel.LINUX_5_10.with(GupFastVsFork.UNSERIALIZED));
        Frame pinned = r.pins().frame(0);
        assertThat(r.child().frameAt(r.buf())).as("fork shared the page the walk pinned").isSameAs(pinned);
        assertThat(r.parent().frameAt(r.buf())).isSameAs(pinned);
        assertThat(pinned.mapcount()).isEqualTo(2);
        assertThat(r.kernel().trace().events(e -> e.message().contains("write_protect_seq changed"))).isEmpty();

        r.parent().write(r.buf(), fill('P', 8));
        assertThat(Fixtures.lastEvent(r.kernel(), r.buf(), TraceKind.COW_COPY).message()).contains("copied frame #" + pinned.pfn());
        assertThat(r.pins().isCoherent(0)).as("the parent's write moved the parent off the pinned frame").isFalse();
    }

    /**
     * write_protect_seq (57efa1fe5957): GUP-fast sees that a fork ran while it walked, drops its pins
     * and retries in the slow path, which waits for fork's mmap_lock and then finds the page fork
     * already copied for the child: the pin follows the parent.
     */
    @Test
    void writeProtectSeqMakesGupFastRetryAfterTheFork() {
        Raced r = race(KernelModel.LINUX_5_10.with(GupFastVsFork.WRITE_PROTECT_SEQ));
        assertThat(r.kernel().trace().events(e -> e.message().contains("write_protect_seq changed"))).hasSize(1);
        Frame pinned = r.pins().frame(0);
        assertThat(r.parent().frameAt(r.buf())).isSameAs(pinned);
        assertThat(r.child().frameAt(r.buf())).as("the child does not share the pinned frame").isNotSameAs(pinned);
        assertThat(pinned.mapcount()).isEqualTo(1);

        r.parent().write(r.buf(), fill('P', 8));
        assertThat(r.pins().isCoherent(0)).isTrue();
        assertThat(seen(r.child(), r.buf())).isEqualTo('A');
    }

    @Test
    void gupFastThatStartsDuringForkGoesStraightToTheSlowPath() {
        Kernel k = kernel(KernelModel.LINUX_6_6);
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        ForkSteps fork = a.mainThread().forkSteps("B");
        fork.step();
        fork.step();
        GupFast gup = a.spawnThread("T2").pinUserPagesFastSteps(buf, 1, Foll.WRITE, "dio");
        gup.step();
        assertThat(gup.nextStep()).contains("slow path").contains("waits for mmap_lock");
        assertThat(gup.isBlocked()).isTrue();
        assertThatThrownBy(gup::run).isInstanceOf(IllegalStateException.class).hasMessageContaining("step the fork first");
        fork.run();
        GupPages pages = gup.run();
        assertThat(pages.isCoherent(0)).isTrue();
    }

    @Test
    void aDirectGupCallDuringAForkInProgressIsAnApiMisuse() {
        Kernel k = kernel(KernelModel.LINUX_6_6);
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        ForkSteps fork = a.mainThread().forkSteps("B");
        fork.step();
        assertThatThrownBy(() -> a.pinUserPages(buf, 1, Foll.WRITE, "x"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("mmap_lock").hasMessageContaining("Steps");
        fork.run();
        assertThatThrownBy(fork::step).isInstanceOf(IllegalStateException.class).hasMessageContaining("already done");
    }
}
