package io.pinsim.runtime;

import static io.pinsim.runtime.Fixtures.buffer;
import static io.pinsim.runtime.Fixtures.kernel;
import static org.assertj.core.api.Assertions.assertThat;

import io.pinsim.runtime.model.KernelModel;
import org.junit.jupiter.api.Test;

/** What the steps of GUP-fast and fork say they touch, for the explorer's partial-order reduction. */
class GupFastForkFootprintTest {

    /** The lockless walk reads the PTE and grabs the frame; fork's decision reads the frame's refcount: they conflict, which is the race. */
    @Test
    void gupFastAndForkNameTheObjectsOfTheirSteps() {
        Kernel k = kernel(KernelModel.LINUX_5_10);
        Process a = k.spawn("A");
        long buf = buffer(a, 2, 'A');
        long pfn0 = a.frameAt(buf).pfn();
        GupFast gup = a.spawnThread("T2").pinUserPagesFastSteps(buf, 2, Foll.WRITE | Foll.LONGTERM, "rdma0");
        ForkSteps fork = a.mainThread().forkSteps("B");

        assertThat(gup.nextFootprint()).hasToString("reads [mm:1:write_protect_seq] writes [mm:1:has_pinned]");
        gup.step();
        assertThat(gup.nextFootprint()).hasToString("reads [mm:1:pte:0x7f0000000000, mm:1:vmas, mm:1:mmap_lock] writes [frame:" + pfn0 + "]");
        assertThat(fork.nextFootprint()).hasToString("reads [mm:1:vmas] writes [mm:1:mmap_lock, mm:1:anon_vma, kernel:processes]");
        assertThat(fork.holds()).isEmpty();
        fork.step();
        assertThat(fork.holds()).containsExactly("mm:1:mmap_lock");
        assertThat(fork.nextFootprint()).hasToString("reads [mm:1:vmas, mm:1:pte] writes [mm:2, mm:1:write_protect_seq]");
        fork.step();
        assertThat(fork.holds()).as("inside copy_page_range() of a COW VMA: raw_write_seqcount_begin()").containsExactly("mm:1:mmap_lock", "mm:1:write_protect_seq");
        Footprint decide = fork.nextFootprint();
        assertThat(decide).hasToString("reads [mm:1:pte, mm:1:has_pinned] writes [mm:1:ptl:0x7f0000000000, frame:" + pfn0 + "]");
        assertThat(decide.conflictsWith(gup.nextFootprint())).isTrue();
        fork.step();
        assertThat(fork.holds()).as("between deciding and applying a PTE: the parent's PTE table lock").contains("mm:1:ptl:0x7f0000000000");
        assertThat(fork.nextFootprint()).hasToString("writes [mm:1:pte:0x7f0000000000, mm:1:ptl:0x7f0000000000, mm:2, frame:" + pfn0 + "]");
        fork.step();
        assertThat(fork.nextFootprint().conflictsWith(gup.nextFootprint())).as("deciding page 1 and walking page 0").isFalse();
        gup.step();
        gup.step();
        gup.step();
        assertThat(gup.isBlocked()).isTrue();
        assertThat(gup.waitsFor()).isEqualTo("mm:1:mmap_lock");
        assertThat(gup.nextFootprint()).isSameAs(Footprint.ALL);
        fork.run();
        assertThat(gup.waitsFor()).isNull();
        assertThat(fork.nextFootprint()).isSameAs(Footprint.NONE);
    }
}
