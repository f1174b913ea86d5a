package io.pinsim.runtime;

import static io.pinsim.runtime.Fixtures.ANON_PRIVATE;
import static io.pinsim.runtime.Fixtures.PAGE;
import static io.pinsim.runtime.Fixtures.RW;
import static io.pinsim.runtime.Fixtures.fill;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pinsim.runtime.model.KernelModel;
import io.pinsim.runtime.trace.FrameSnapshot;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Kernel.Builder.frameSnapshots: who holds each frame a step changed, at the end of that step. */
class FrameSnapshotTest {

    private static List<FrameSnapshot> at(Kernel k, int step) {
        return k.frameSnapshots().stream().filter(s -> s.step() == step).toList();
    }

    @Test
    void snapshotsFollowAFrameThroughWriteForkAndPin() {
        Kernel k = Kernel.builder().model(KernelModel.LINUX_6_6).frameSnapshots(8).build();
        Process a = k.spawn("A");
        long buf = a.mmap(PAGE, RW, ANON_PRIVATE);
        a.write(buf, fill('A'));
        int writeStep = k.trace().step();
        long pfn = a.frameAt(buf).pfn();
        String addr = "0x" + Long.toHexString(buf);

        assertThat(at(k, writeStep)).singleElement().satisfies(s -> {
            assertThat(s.pfn()).isEqualTo(pfn);
            assertThat(s.mappedBy()).containsExactly("A " + addr + " rw");
            assertThat(s.heldBy()).isEmpty();
            assertThat(s.content()).contains("'A'");
        });

        Process child = a.fork();
        int forkStep = k.trace().step();
        assertThat(at(k, forkStep)).filteredOn(s -> s.pfn() == pfn).singleElement()
                .satisfies(s -> assertThat(s.mappedBy()).containsExactly("A " + addr + " ro", child.name() + " " + addr + " ro"));

        a.pinUserPages(buf, 1, Foll.WRITE | Foll.LONGTERM, "rdma0 MR#1");
        int pinStep = k.trace().step();
        // the pin unshares the parent's page: the new frame is the parent's, pinned; the old one is the child's
        long pinned = a.frameAt(buf).pfn();
        assertThat(pinned).isNotEqualTo(pfn);
        assertThat(at(k, pinStep)).filteredOn(s -> s.pfn() == pinned).singleElement().satisfies(s -> {
            assertThat(s.mappedBy()).containsExactly("A " + addr + " rw");
            assertThat(s.heldBy()).singleElement().asString().startsWith("PIN by rdma0 MR#1");
            assertThat(s.describe()).contains("mapped by A " + addr + " rw").contains("held by PIN by rdma0 MR#1");
        });
        assertThat(at(k, pinStep)).filteredOn(s -> s.pfn() == pfn).singleElement()
                .satisfies(s -> assertThat(s.mappedBy()).containsExactly(child.name() + " " + addr + " ro"));
    }

    @Test
    void offByDefaultAndBoundedPerStep() {
        Kernel off = Kernel.builder().build();
        Process a = off.spawn("A");
        long buf = a.mmap(4 * PAGE, RW, ANON_PRIVATE);
        a.write(buf, fill('A', 4 * PAGE));
        assertThat(off.frameSnapshots()).isEmpty();

        Kernel two = Kernel.builder().frameSnapshots(2).invariants(false).build();
        Process b = two.spawn("B");
        long buf2 = b.mmap(4 * PAGE, RW, ANON_PRIVATE);
        b.write(buf2, fill('B', 4 * PAGE));
        assertThat(at(two, two.trace().step())).hasSize(2).extracting(FrameSnapshot::pfn)
                .containsExactly(b.frameAt(buf2).pfn(), b.frameAt(buf2 + PAGE).pfn());
    }

    @Test
    void aNegativeLimitIsRefused() {
        assertThatThrownBy(() -> Kernel.builder().frameSnapshots(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0 (off) or more");
    }
}
