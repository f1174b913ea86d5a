package io.pinsim.runtime;

import static io.pinsim.runtime.Fixtures.ANON_PRIVATE;
import static io.pinsim.runtime.Fixtures.PAGE;
import static io.pinsim.runtime.Fixtures.RW;
import static io.pinsim.runtime.Fixtures.builder;
import static io.pinsim.runtime.Fixtures.fill;
import static org.assertj.core.api.Assertions.assertThat;

import io.pinsim.runtime.model.KernelModel;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** PMD-mapped anonymous THPs: faults, split_huge_pmd(), COW per era (do_huge_pmd_wp_page()), GUP and fork. */
class ThpTest {
    static final int THP = 2 << 20;

    static Kernel thpKernel(String model) {
        return builder(KernelModel.byName(model)).transparentHugepage(TransparentHugepage.ALWAYS).build();
    }

    /** A 2 MiB-aligned THP-sized private anonymous buffer (the first mapping lands at MMAP_BASE), written with c. */
    static long thpBuffer(Process p, char c) {
        long a = p.mmap(THP, RW, ANON_PRIVATE);
        assertThat(a % THP).as("the first mapping is 2 MiB aligned").isZero();
        p.fill(a, THP, (byte) c);
        return a;
    }

    @Test
    void aWriteFaultInAnAlignedRangeMapsOneThpWithOnePmd() {
        Kernel k = thpKernel("LINUX_6_6");
        Process a = k.spawn("A");
        long p = thpBuffer(a, 'x');
        assertThat(a.populatedPtes()).as("one PMD, no PTEs").isZero();
        Frame head = a.frameAt(p);
        Frame tail = a.frameAt(p + 5 * PAGE);
        assertThat(head.isCompound()).isTrue();
        assertThat(tail.compoundHead().pfn()).isEqualTo(head.pfn());
        assertThat(tail.pfn()).isEqualTo(head.pfn() + 5);
        assertThat(head.nrPages()).isEqualTo(512);
        assertThat(tail.mapcount()).as("page_mapcount() counts the PMD mapping").isEqualTo(1);
        assertThat(tail.entireMapcount()).isEqualTo(1);
        assertThat(tail.refcount()).as("the folio's refcount: one PMD mapping").isEqualTo(1);
        assertThat(a.pteAt(p + PAGE)).contains("PMD-mapped THP");
        assertThat(k.usedFrames()).isEqualTo(512);
        a.munmap(p, THP);
        assertThat(k.usedFrames()).as("zap_huge_pmd() frees the whole folio").isZero();
    }

    @Test
    void thpNeverOrAnUnadvisedVmaUnderMadviseMapsSmallPages() {
        Kernel never = builder(KernelModel.LINUX_6_6).build();
        Process a = never.spawn("A");
        long p = thpBuffer(a, 'x');
        assertThat(a.frameAt(p).isCompound()).isFalse();
        assertThat(a.populatedPtes()).isEqualTo(512);

        Kernel madvise = builder(KernelModel.LINUX_6_6).transparentHugepage(TransparentHugepage.MADVISE).build();
        Process b = madvise.spawn("B");
        long q = b.mmap(THP, RW, ANON_PRIVATE);
        b.madvise(q, THP, Advice.HUGEPAGE);
        b.fill(q, THP, (byte) 'y');
        assertThat(b.frameAt(q).isCompound()).as("MADV_HUGEPAGE under \"madvise\"").isTrue();
    }

    @Test
    void madvNoHugepageKeepsSmallPagesUnderAlways() {
        Kernel k = thpKernel("LINUX_6_6");
        Process a = k.spawn("A");
        long p = a.mmap(THP, RW, ANON_PRIVATE);
        a.madvise(p, THP, Advice.NOHUGEPAGE);
        a.fill(p, THP, (byte) 'x');
        assertThat(a.frameAt(p).isCompound()).isFalse();
    }

    @Test
    void aVmaSmallerThanTwoMegabytesGetsNoThp() {
        Kernel k = thpKernel("LINUX_6_6");
        Process a = k.spawn("A");
        long p = a.mmap(THP - PAGE, RW, ANON_PRIVATE);
        a.fill(p, PAGE, (byte) 'x');
        assertThat(a.frameAt(p).isCompound()).isFalse();
    }

    @Test
    void aPartialMunmapSplitsThePmdAndKeepsTheFolio() {
        Kernel k = thpKernel("LINUX_6_6");
        Process a = k.spawn("A");
        long p = thpBuffer(a, 'x');
        a.munmap(p + THP / 2, THP / 2);
        assertThat(a.populatedPtes()).isEqualTo(256);
        assertThat(a.frameAt(p).isCompound()).as("still one compound page, PTE-mapped").isTrue();
        assertThat(a.frameAt(p).entireMapcount()).isZero();
        assertThat(a.frameAt(p).refcount()).as("one reference per PTE mapping").isEqualTo(256);
        assertThat(a.read(p + 7 * PAGE, 1)[0]).isEqualTo((byte) 'x');
        assertThat(k.usedFrames()).as("queued for the deferred split: the folio stays whole until the shrinker runs").isEqualTo(512);
        a.munmap(p, THP / 2);
        assertThat(k.usedFrames()).isZero();
    }

    @Test
    void mprotectOfPartOfATHPSplitsItAndWriteProtectsOnlyThatPart() {
        Kernel k = thpKernel("LINUX_6_6");
        Process a = k.spawn("A");
        long p = thpBuffer(a, 'x');
        a.mprotect(p, PAGE, Prot.READ);
        assertThat(a.isMappedWritable(p)).isFalse();
        assertThat(a.isMappedWritable(p + PAGE)).isTrue();
        assertThat(a.pteAt(p + PAGE)).doesNotContain("PMD-mapped");
    }

    @Test
    void mprotectOfTheWholeThpWriteProtectsThePmd() {
        Kernel k = thpKernel("LINUX_6_6");
        Process a = k.spawn("A");
        long p = thpBuffer(a, 'x');
        a.mprotect(p, THP, Prot.READ);
        assertThat(a.isMappedWritable(p + 3 * PAGE)).isFalse();
        assertThat(a.pteAt(p + 3 * PAGE)).contains("PMD-mapped THP");
    }

    @Test
    void madvDontneedOfOnePageSplitsAndZapsOnlyIt() {
        Kernel k = thpKernel("LINUX_6_6");
        Process a = k.spawn("A");
        long p = thpBuffer(a, 'x');
        a.madvise(p + PAGE, PAGE, Advice.DONTNEED);
        assertThat(a.read(p + PAGE, 1)[0]).isZero();
        assertThat(a.read(p, 1)[0]).isEqualTo((byte) 'x');
    }

    @Test
    void forkSharesTheThpWithOnePmdEntryInEach() {
        Kernel k = thpKernel("LINUX_6_6");
        Process a = k.spawn("A");
        long p = thpBuffer(a, 'x');
        Process c = a.fork();
        assertThat(c.populatedPtes()).isZero();
        assertThat(c.frameAt(p).pfn()).isEqualTo(a.frameAt(p).pfn());
        assertThat(a.frameAt(p).mapcount()).isEqualTo(2);
        assertThat(a.isMappedWritable(p)).isFalse();
        assertThat(a.frameAt(p).isAnonExclusive()).isFalse();
    }

    /**
     * The parent writes a THP shared with a child. 4.19 copies the whole THP (do_huge_pmd_wp_page()
     * allocates a new huge page); from 5.8 (3917c80280c9) the PMD is split and one subpage copied.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"LINUX_4_19, true", "LINUX_5_8, false", "LINUX_5_10, false", "LINUX_6_1, false", "LINUX_6_6, false"})
    void cowOfASharedThpCopiesTheWholeThpOnlyBefore58(String model, boolean wholeCopy) {
        Kernel k = thpKernel(model);
        Process a = k.spawn("A");
        long p = thpBuffer(a, 'x');
        Process c = a.fork();
        a.write(p + PAGE, fill('P', 1));
        assertThat(c.read(p + PAGE, 1)[0]).isEqualTo((byte) 'x');
        assertThat(a.read(p + PAGE, 1)[0]).isEqualTo((byte) 'P');
        assertThat(a.frameAt(p + PAGE).isCompound()).as("the written page is a new THP (4.19) or a new small page").isEqualTo(wholeCopy);
        assertThat(a.pteAt(p + 2 * PAGE).contains("PMD-mapped")).as("the parent's PMD stays whole only when the THP is copied").isEqualTo(wholeCopy);
        assertThat(c.pteAt(p + 2 * PAGE)).contains("PMD-mapped");
    }

    /**
     * CVE-2020-29374 on a PMD-mapped THP (reference S1 variant, B3/B18): do_huge_pmd_wp_page() kept
     * the mapcount rule until 5.18 (3bff7e3f1f16), so the leak fixed for small pages in 5.9 stays
     * open for THPs in 5.10; 5.8 breaks COW at GUP time; 5.19 trusts PageAnonExclusive.
     */
    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({"LINUX_4_19, LEAKS", "LINUX_5_8, SAFE", "LINUX_5_10, LEAKS", "LINUX_6_1, SAFE", "LINUX_6_6, SAFE"})
    void vmspliceOfAThpLeaksUntil518(String model, String expected) {
        Kernel k = thpKernel(model);
        Process parent = k.spawn("A");
        long p = thpBuffer(parent, 'x');
        Process child = parent.fork();
        Pipe pipe = child.pipe();
        child.vmsplice(pipe, p, PAGE);
        child.munmap(p, THP);
        parent.write(p, fill('S', 6));
        byte[] got = pipe.read(child, 6);
        boolean leaked = new String(got, StandardCharsets.US_ASCII).equals("SSSSSS");
        assertThat(leaked).as("the child reads the parent's secret on %s", model).isEqualTo(expected.equals("LEAKS"));
    }

    /** A pin on a subpage counts on the folio: refcount +1 and pincount +1 since 5.7 (47e29d32afba); a plain reference before. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"LINUX_4_19, 2, 0", "LINUX_5_10, 2, 1", "LINUX_6_6, 2, 1"})
    void aPinOnASubpageCountsOnTheFolio(String model, int refcount, int pincount) {
        Kernel k = thpKernel(model);
        Process a = k.spawn("A");
        long p = thpBuffer(a, 'x');
        GupPages pin = a.pinUserPages(p + 9 * PAGE, 1, Foll.WRITE | Foll.LONGTERM, "rdma0");
        assertThat(a.frameAt(p).refcount()).isEqualTo(refcount);
        assertThat(a.frameAt(p + 100 * PAGE).pincount()).isEqualTo(pincount);
        assertThat(a.frameAt(p + 100 * PAGE).maybeDmaPinned()).isEqualTo(pincount > 0);
        pin.unpin(false);
        assertThat(a.frameAt(p).refcount()).isEqualTo(1);
    }

    /**
     * Fork with a pinned THP (reference S3): up to 5.8 fork shares it, so the parent's write to the
     * pinned page after fork copies it away from the pin (4.19 the whole THP, 5.8 the subpage); from 5.9 copy_huge_pmd() splits the pinned PMD
     * (d042035eaf5f) and every subpage is copied for the child, the parent keeps the pinned THP.
     */
    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({"LINUX_4_19, LOST", "LINUX_5_8, LOST", "LINUX_5_10, KEPT", "LINUX_6_1, KEPT", "LINUX_6_6, KEPT"})
    void forkOfAPinnedThpKeepsThePinnedPageWithTheParentFrom59(String model, String expected) {
        Kernel k = thpKernel(model);
        Process a = k.spawn("A");
        long p = thpBuffer(a, 'x');
        GupPages pin = a.pinUserPages(p, 1, Foll.WRITE | Foll.LONGTERM, "rdma0");
        Process c = a.fork();
        a.write(p, fill('P', 1));
        boolean kept = a.frameAt(p).pfn() == pin.frame(0).pfn();
        assertThat(kept).isEqualTo(expected.equals("KEPT"));
        if (kept) {
            assertThat(c.frameAt(p + 200 * PAGE).isCompound()).as("all subpages copied for the child").isFalse();
            assertThat(a.pteAt(p + 200 * PAGE)).as("the parent's PMD was split").doesNotContain("PMD-mapped");
            assertThat(a.isMappedWritable(p + 200 * PAGE)).as("the parent keeps its pages writable").isTrue();
        }
        pin.unpin(false);
    }
}
