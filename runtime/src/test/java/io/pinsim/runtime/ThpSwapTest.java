package io.pinsim.runtime;

import static io.pinsim.runtime.Fixtures.PAGE;
import static io.pinsim.runtime.Fixtures.fill;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * THP swap-out and swap-in (ThpReclaim): a PMD-mapped THP goes to swap whole (CONFIG_THP_SWAP) and
 * comes back one small page per fault; a THP with extra references cannot be split and is skipped
 * (can_split_huge_page()); MADV_PAGEOUT splits a THP it covers in part or meets PTE-mapped, and
 * leaves one mapped more than once alone (madvise_cold_or_pageout_pte_range()).
 */
class ThpSwapTest {
    static final int THP = ThpTest.THP;

    /** The same mechanism on every model with MADV_PAGEOUT (5.4+). */
    @ParameterizedTest
    @ValueSource(strings = {"LINUX_5_8", "LINUX_5_10", "LINUX_6_1", "LINUX_6_6"})
    void pageoutOfAWholePmdMappedThpSwapsItOutWholeAndSwapInIsPerSmallPage(String model) {
        Kernel k = ThpTest.thpKernel(model);
        Process a = k.spawn("A");
        long p = ThpTest.thpBuffer(a, 'x');
        a.write(p + 7L * PAGE, fill('s', 1));
        a.madvise(p, THP, Advice.PAGEOUT);
        assertThat(k.usedFrames()).as("the folio is freed").isZero();
        assertThat(k.swapSlotsInUse()).as("512 swap slots").isEqualTo(512);
        assertThat(a.frameAt(p)).isNull();
        assertThat(a.pteAt(p + 9L * PAGE)).contains("swap");
        assertThat(a.read(p + 7L * PAGE, 1)[0]).isEqualTo((byte) 's');
        Frame back = a.frameAt(p + 7L * PAGE);
        assertThat(back.isCompound()).as("do_swap_page() brings back one small page").isFalse();
        assertThat(k.usedFrames()).isEqualTo(1);
        assertThat(a.read(p + 8L * PAGE, 1)[0]).isEqualTo((byte) 'x');
        k.close();
    }

    @Test
    void kernelReclaimSwapsAPmdMappedThpOutWholeOn419Too() {
        Kernel k = ThpTest.thpKernel("LINUX_4_19");
        Process a = k.spawn("A");
        long p = ThpTest.thpBuffer(a, 'x');
        assertThat(k.reclaim(a, p + 3L * PAGE)).isTrue();
        assertThat(k.usedFrames()).isZero();
        assertThat(a.read(p + 3L * PAGE, 1)[0]).isEqualTo((byte) 'x');
        k.close();
    }

    /** A pin, or a plain GUP reference, means can_split_huge_page() fails: the whole THP stays, PMD-mapped. */
    @ParameterizedTest
    @ValueSource(strings = {"pin", "get"})
    void aThpWithAReferenceBesidesItsMappingsIsNotSwappedOut(String how) {
        Kernel k = ThpTest.thpKernel("LINUX_6_6");
        Process a = k.spawn("A");
        long p = ThpTest.thpBuffer(a, 'x');
        GupPages held = how.equals("pin") ? a.pinUserPages(p + 9L * PAGE, 1, Foll.WRITE | Foll.LONGTERM, "rdma0")
                : a.getUserPages(p + 9L * PAGE, 1, Foll.WRITE, "driver");
        a.madvise(p, THP, Advice.PAGEOUT);
        assertThat(a.pteAt(p)).contains("PMD-mapped THP");
        assertThat(k.swapSlotsInUse()).isZero();
        assertThat(k.trace().lastAt(p, io.pinsim.runtime.trace.TraceKind.RECLAIM).message())
                .containsAnyOf("cannot split THP, skip it", "may be pinned");
        if (held.isPin()) {
            held.unpin(false);
        } else {
            held.release();
        }
        k.close();
    }

    @Test
    void pageoutOfPartOfAThpSplitsTheFolioAndPagesOutOnlyThatPart() {
        Kernel k = ThpTest.thpKernel("LINUX_6_6");
        Process a = k.spawn("A");
        long p = ThpTest.thpBuffer(a, 'x');
        a.madvise(p, 2L * PAGE, Advice.PAGEOUT);
        assertThat(k.swapSlotsInUse()).isEqualTo(2);
        assertThat(a.frameAt(p + 2L * PAGE).isCompound()).as("split_huge_page(): small pages now").isFalse();
        assertThat(k.usedFrames()).isEqualTo(510);
        assertThat(a.read(p + PAGE, 1)[0]).isEqualTo((byte) 'x');
        k.close();
    }

    @Test
    void aThpMappedByParentAndChildIsLeftAlone() {
        Kernel k = ThpTest.thpKernel("LINUX_6_6");
        Process a = k.spawn("A");
        long p = ThpTest.thpBuffer(a, 'x');
        Process c = a.fork();
        a.madvise(p, THP, Advice.PAGEOUT);
        assertThat(a.pteAt(p)).contains("PMD-mapped THP");
        assertThat(k.swapSlotsInUse()).isZero();
        assertThat(c.read(p, 1)[0]).isEqualTo((byte) 'x');
        k.close();
    }

    @Test
    void aPteMappedThpIsSplitAndEachPageSwappedOut() {
        Kernel k = ThpTest.thpKernel("LINUX_6_6");
        Process a = k.spawn("A");
        long p = ThpTest.thpBuffer(a, 'x');
        a.mprotect(p + PAGE, PAGE, Prot.READ);
        a.mprotect(p + PAGE, PAGE, Prot.READ | Prot.WRITE);
        a.madvise(p, THP, Advice.PAGEOUT);
        assertThat(k.usedFrames()).isZero();
        assertThat(k.swapSlotsInUse()).isEqualTo(512);
        assertThat(a.read(p + 100L * PAGE, 1)[0]).isEqualTo((byte) 'x');
        k.close();
    }

    /** A single remaining PTE of a THP (cow.c's THP_RUN_SINGLE_PTE): the split frees the 511 unmapped subpages. */
    @Test
    void pageoutOfTheLastPteOfAThpSplitsItAndFreesTheRest() {
        Kernel k = ThpTest.thpKernel("LINUX_6_6");
        Process a = k.spawn("A");
        long p = ThpTest.thpBuffer(a, 'x');
        a.madvise(p + PAGE, THP - PAGE, Advice.DONTNEED);
        assertThat(k.usedFrames()).as("no deferred split: the folio stays whole").isEqualTo(512);
        a.madvise(p, PAGE, Advice.PAGEOUT);
        assertThat(k.usedFrames()).isZero();
        assertThat(k.swapSlotsInUse()).isEqualTo(1);
        assertThat(a.read(p, 1)[0]).isEqualTo((byte) 'x');
        k.close();
    }
}
