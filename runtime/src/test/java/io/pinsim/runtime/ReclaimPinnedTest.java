package io.pinsim.runtime;

import static io.pinsim.runtime.Fixtures.PAGE;
import static io.pinsim.runtime.Fixtures.buffer;
import static io.pinsim.runtime.Fixtures.fill;
import static io.pinsim.runtime.Fixtures.kernel;
import static io.pinsim.runtime.Fixtures.seen;
import static org.assertj.core.api.Assertions.assertThat;

import io.pinsim.runtime.model.KernelModel;
import io.pinsim.runtime.model.PinnedAnonReclaim;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * S12: reclaim pressure on a pinned anonymous page. Up to 5.10.0 the page goes to the swap cache
 * and is unmapped although it cannot be freed; the next read maps it back read-only from the swap
 * cache. 4.19's reuse_swap_page() then reuses it on the write; 5.9 - 5.10.0 copy it (swap cache +
 * pin make the refcount > 1) and the pin goes stale. feb889fb40fa (5.11, 5.10.y) keeps pinned
 * pages out of the swap cache.
 */
class ReclaimPinnedTest {

    private static KernelModel model(String name) {
        return name.equals("5.10.0")
                ? KernelModel.LINUX_5_10.with(PinnedAnonReclaim.SWAP_OUT).named("5.10.0", "5.10.0: before feb889fb40fa")
                : KernelModel.byName(name);
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({"LINUX_4_19, SWAPPED, OK", "LINUX_5_8, SWAPPED, OK", "LINUX_5_10, KEPT, OK", "LINUX_6_1, KEPT, OK", "LINUX_6_6, KEPT, OK",
        "5.10.0, SWAPPED, BUG"})
    void pinnedPageUnderReclaimThenReadThenWrite(String name, String reclaim, String expected) {
        Kernel k = kernel(model(name));
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        GupPages mr = a.pinUserPages(buf, 1, Foll.WRITE | Foll.LONGTERM, "rdma0 MR#1");

        boolean unmapped = k.reclaim(a, buf);
        assertThat(unmapped).isEqualTo(reclaim.equals("SWAPPED"));
        if (unmapped) {
            assertThat(a.pteAt(buf)).startsWith("swap entry");
            assertThat(mr.frame(0).isInSwapCache()).isTrue();
            assertThat(mr.frame(0).isFree()).as("the pin keeps the frame").isFalse();
        }
        assertThat(seen(a, buf)).isEqualTo('A');
        a.write(buf, fill('P', 8));
        mr.write(8, fill('D', 8));
        assertThat(seen(a, buf + 8) == 'D').as("the parent sees the DMA on %s", name).isEqualTo(expected.equals("OK"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"LINUX_4_19", "LINUX_5_10", "LINUX_6_1"})
    void anUnpinnedPageIsSwappedOutFreedAndReadBackIntact(String name) {
        Kernel k = kernel(name);
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'Q');
        long frames = k.usedFrames();
        assertThat(k.reclaim(a, buf)).isTrue();
        assertThat(k.usedFrames()).isEqualTo(frames - 1);
        assertThat(k.swapSlotsInUse()).isEqualTo(1);
        a.write(buf + 1, fill('W', 1));
        assertThat(a.read(buf, 2)).containsExactly('Q', 'W');
        assertThat(a.isMappedWritable(buf)).isTrue();
    }

    @Test
    void madvPageoutIsUnknownOn419() {
        Kernel k = kernel(KernelModel.LINUX_4_19);
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'Q');
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> a.madvise(buf, PAGE, Advice.PAGEOUT))
                .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
        assertThat(a.pteAt(buf)).startsWith("pfn");
    }

    @Test
    void madvPageoutLeavesPagesMappedByAnotherProcessAlone() {
        Kernel k = kernel(KernelModel.LINUX_6_6);
        Process a = k.spawn("A");
        long buf = buffer(a, 2, 'Q');
        Process child = a.fork();
        child.write(buf + PAGE, fill('C', 1));
        a.madvise(buf, 2L * PAGE, Advice.PAGEOUT);
        assertThat(a.pteAt(buf)).as("shared with the child: mapcount 2, skipped").startsWith("pfn");
        assertThat(a.pteAt(buf + PAGE)).as("the parent's own page after the child's COW").startsWith("swap entry");
        assertThat(seen(child, buf)).isEqualTo('Q');
    }

    @Test
    void aSharedSwappedPageIsCopiedOnWriteAfterSwapIn() {
        Kernel k = kernel(KernelModel.LINUX_4_19);
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'Q');
        Process child = a.fork();
        k.reclaim(a, buf);
        assertThat(a.pteAt(buf)).startsWith("swap entry");
        assertThat(child.pteAt(buf)).startsWith("swap entry");
        a.write(buf, fill('P', 1));
        assertThat(seen(child, buf)).isEqualTo('Q');
        assertThat(seen(a, buf)).isEqualTo('P');
    }
}
