package io.pinsim.runtime;

import static io.pinsim.runtime.Fixtures.buffer;
import static io.pinsim.runtime.Fixtures.fill;
import static io.pinsim.runtime.Fixtures.kernel;
import static io.pinsim.runtime.Internals.core;
import static io.pinsim.runtime.Internals.mm;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pinsim.runtime.internal.mm.Content;
import io.pinsim.runtime.internal.mm.Pte;
import io.pinsim.runtime.model.KernelModel;
import org.junit.jupiter.api.Test;

/** The model's kmemleak: {@link Kernel#leaks()}, {@link Kernel#checkNoLeaks()} and {@link Kernel#close()}. */
class LeakCheckTest {

    @Test
    void aHealthyScenarioLeaksNothingAndClosesCleanly() {
        Kernel k = kernel(KernelModel.LATEST);
        Process a = k.spawn("A");
        long buf = buffer(a, 3, 'A');
        GupPages pin = a.pinUserPages(buf, 2, Foll.WRITE | Foll.LONGTERM, "rdma0");
        Process child = a.fork();
        child.write(buf, fill('C', 1));
        k.reclaim(a, buf + 2L * Fixtures.PAGE);
        assertThat(k.leaks()).isEmpty();
        pin.unpin(true);
        k.close();
        assertThat(a.isAlive()).isFalse();
        assertThat(child.isAlive()).isFalse();
        assertThat(k.usedFrames()).as("every anonymous frame is freed once its processes exit").isZero();
        assertThat(k.swapSlotsInUse()).isZero();
    }

    @Test
    void framesADeviceStillHoldsAreHeldNotLeaked() {
        Kernel k = kernel(KernelModel.LATEST);
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        a.pinUserPages(buf, 1, Foll.WRITE | Foll.LONGTERM, "rdma0");
        k.close();
        assertThat(k.usedFrames()).isEqualTo(1);
        assertThat(k.leaks()).isEmpty();
    }

    @Test
    void aFrameNothingHoldsIsReportedWithTheStepThatAllocatedIt() {
        Kernel k = Kernel.builder().invariants(false).build();
        k.spawn("A");
        core(k).run("driver", "alloc_page() and forget it", -1, () -> core(k).allocFrame(new Content()));
        assertThat(k.leaks()).singleElement().satisfies(l -> {
            assertThat(l.what()).startsWith("frame #1");
            assertThat(l.why()).contains("refcount 0");
            assertThat(l.step()).isEqualTo(2);
            assertThat(l.allocatedBy()).isEqualTo("driver: alloc_page() and forget it");
        });
        assertThatThrownBy(k::checkNoLeaks).isInstanceOfSatisfying(KernelBugException.class, e -> {
            assertThat(e.invariant()).isEqualTo("memory-leak");
            assertThat(e.getMessage()).contains("1 unreferenced object(s)").contains("allocated at step 2 by driver: alloc_page() and forget it");
        });
        assertThat(k.log().contains("BUG: memory-leak")).isTrue();
    }

    @Test
    void aSwapCountThatNoSwapPteExplainsIsALeak() {
        Kernel k = kernel(KernelModel.LATEST);
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        k.reclaim(a, buf);
        long pte = mm(a).pt.get(buf >>> Kernel.PAGE_SHIFT);
        assertThat(Pte.isSwap(pte)).isTrue();
        core(k).swap.get(Pte.slot(pte)).count++;
        assertThat(k.leaks()).singleElement().satisfies(l -> assertThat(l.why()).contains("swap count 2 but 1 swap PTE(s)"));
        assertThatThrownBy(k::close).isInstanceOf(KernelBugException.class).hasMessageContaining("swap_map drift");
    }
}
