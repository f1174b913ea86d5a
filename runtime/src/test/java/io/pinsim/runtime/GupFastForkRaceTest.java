package io.pinsim.runtime;

import static io.pinsim.runtime.Fixtures.buffer;
import static io.pinsim.runtime.Fixtures.fill;
import static io.pinsim.runtime.Fixtures.kernel;
import static io.pinsim.runtime.Fixtures.seen;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pinsim.runtime.model.GupFastVsFork;
import io.pinsim.runtime.model.KernelModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * S7: pin_user_pages_fast() in one thread while another thread forks, interleaved as in the commit
 * message of 57efa1fe5957 ("mm/gup: prevent gup_fast from racing with COW during fork"): GUP-fast
 * reads the PTE and pins the page after fork decided to share it and before fork write-protects it.
 * Without write_protect_seq the pin ends up on a page shared with the child, and the parent's next
 * write moves the parent away from it.
 */
class GupFastForkRaceTest {

    private static KernelModel model(String name) {
        return switch (name) {
            case "5.9" -> KernelModel.LINUX_5_10.with(GupFastVsFork.UNSERIALIZED).named("5.9", "5.9 / 5.10.0: early COW at fork without write_protect_seq");
            // page_try_dup_anon_rmap() relies on write_protect_seq too: without it the pin lands on the shared page.
            case "6.1-unserialized" -> KernelModel.LINUX_6_1.with(GupFastVsFork.UNSERIALIZED);
            default -> KernelModel.byName(name);
        };
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({"LINUX_4_19, BUG", "LINUX_5_8, BUG", "LINUX_5_10, OK", "LINUX_6_1, OK", "LINUX_6_6, OK", "5.9, BUG", "6.1-unserialized, BUG"})
    void thePinMustFollowTheParent(String name, String expected) {
        Kernel k = kernel(model(name));
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
        GupPages mr = gup.isDone() ? gup.result() : gup.run();
        Process child = fork.child();

        a.write(buf, fill('P', 8));
        mr.write(8, fill('D', 8));
        boolean ok = seen(a, buf + 8) == 'D';
        assertThat(ok).as("parent sees the DMA on %s", name).isEqualTo(expected.equals("OK"));
        assertThat(seen(child, buf)).isEqualTo('A');
        if (k.model().get(GupFastVsFork.class) == GupFastVsFork.WRITE_PROTECT_SEQ) {
            assertThat(k.trace().events(e -> e.message().contains("write_protect_seq changed"))).hasSize(1);
        }
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
