package io.pinsim.runtime;

import static io.pinsim.runtime.Fixtures.PAGE;
import static io.pinsim.runtime.Fixtures.fill;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pinsim.runtime.trace.TraceEvent;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The deferred split queue of partly unmapped THPs (mm/huge_memory.c, 9a982250f773 "thp: introduce
 * deferred_split_huge_page()", 4.5): a partial munmap or MADV_DONTNEED of a THP frees nothing and
 * queues the folio (page_remove_rmap() -> deferred_split_huge_page()); the shrinker
 * deferred_split_scan() splits it under memory pressure and frees the subpages nothing maps;
 * split_huge_page() fails while the folio has references beyond its mappings (can_split_huge_page()),
 * so a pinned, partly unmapped THP keeps all 512 frames and stays queued. Freeing the folio takes it
 * off the queue (free_transhuge_page()).
 */
class DeferredSplitTest {
    static final int THP = ThpTest.THP;

    /** The mechanism is the same in every modelled kernel: queue on partial unmap, split and free in the shrinker. */
    @ParameterizedTest
    @ValueSource(strings = {"LINUX_4_19", "LINUX_5_8", "LINUX_5_10", "LINUX_6_1", "LINUX_6_6"})
    void aPartialMunmapQueuesTheThpAndTheShrinkerFreesTheUnmappedHalf(String model) {
        Kernel k = ThpTest.thpKernel(model);
        Process a = k.spawn("A");
        long p = ThpTest.thpBuffer(a, 'x');
        Frame head = a.frameAt(p);
        a.munmap(p + THP / 2, THP / 2);
        assertThat(k.usedFrames()).as("the folio stays whole until the shrinker runs").isEqualTo(512);
        assertThat(k.deferredSplitQueue()).containsExactly(head);
        assertThat(k.deferredSplitScan()).isEqualTo(1);
        assertThat(k.usedFrames()).as("split_huge_page() freed the 256 subpages nothing maps").isEqualTo(256);
        assertThat(k.deferredSplitQueue()).isEmpty();
        assertThat(a.frameAt(p + 7L * PAGE).isCompound()).as("small pages now").isFalse();
        assertThat(a.read(p + 255L * PAGE, 1)[0]).isEqualTo((byte) 'x');
        assertThat(k.deferredSplitScan()).as("nothing left to split").isZero();
        assertThat(k.leaks()).isEmpty();
        k.close();
    }

    /**
     * A page still mapped by a PMD has not lost its last mapping: after fork, the child's COW of one
     * page (which splits the child's PMD, or on 4.19 copies the whole THP) does not queue the
     * parent's PMD-mapped THP on any model - PG_double_map keeps the subpage's _mapcount up to 6.1,
     * COMPOUND_MAPPED from 6.2 - and the shrinker leaves the parent's PMD alone.
     */
    @ParameterizedTest
    @ValueSource(strings = {"LINUX_4_19", "LINUX_5_8", "LINUX_5_10", "LINUX_6_1", "LINUX_6_6"})
    void aChildsCowOfOnePageDoesNotQueueTheParentsPmdMappedThp(String model) {
        Kernel k = ThpTest.thpKernel(model);
        Process a = k.spawn("A");
        long p = ThpTest.thpBuffer(a, 'x');
        Process c = a.fork();
        c.write(p + 5L * PAGE, fill('c', 1));
        assertThat(a.pteAt(p)).contains("PMD-mapped THP");
        assertThat(k.deferredSplitQueue()).isEmpty();
        assertThat(k.deferredSplitScan()).isZero();
        assertThat(a.pteAt(p)).as("the parent's PMD stays").contains("PMD-mapped THP");
        assertThat(a.read(p + 5L * PAGE, 1)[0]).isEqualTo((byte) 'x');
        k.close();
    }

    @Test
    void madvDontneedOfOnePageQueuesTheThpAndKernelReclaimRunsTheShrinker() {
        Kernel k = ThpTest.thpKernel("LINUX_6_6");
        Process a = k.spawn("A");
        long p = ThpTest.thpBuffer(a, 'x');
        long small = a.mmap(PAGE, Fixtures.RW, Fixtures.ANON_PRIVATE);
        a.write(small, fill('s', 1));
        a.madvise(p + PAGE, PAGE, Advice.DONTNEED);
        assertThat(k.deferredSplitQueue()).hasSize(1);
        assertThat(k.usedFrames()).isEqualTo(513);
        // shrink_node(): the LRU page first (swapped out), then shrink_slab() runs deferred_split_scan()
        assertThat(k.reclaim(a, small)).isTrue();
        assertThat(k.deferredSplitQueue()).isEmpty();
        assertThat(k.usedFrames()).as("the small page swapped out, the one zapped subpage freed").isEqualTo(511);
        assertThat(a.read(p + PAGE, 1)[0]).isZero();
        assertThat(a.read(p + 2L * PAGE, 1)[0]).isEqualTo((byte) 'x');
        assertThat(a.read(small, 1)[0]).isEqualTo((byte) 's');
        k.close();
    }

    /** can_split_huge_page(): a pin (or a GUP reference) on any subpage keeps the whole folio, all 512 frames, queued. */
    @ParameterizedTest
    @ValueSource(strings = {"pin", "get"})
    void aPinnedPartlyUnmappedThpKeepsAll512FramesUntilThePinGoes(String how) {
        Kernel k = ThpTest.thpKernel("LINUX_6_6");
        Process a = k.spawn("A");
        long p = ThpTest.thpBuffer(a, 'x');
        GupPages held = how.equals("pin") ? a.pinUserPages(p + 3L * PAGE, 1, Foll.WRITE | Foll.LONGTERM, "rdma0")
                : a.getUserPages(p + 3L * PAGE, 1, Foll.WRITE, "driver");
        a.munmap(p + 16L * PAGE, THP - 16L * PAGE);
        assertThat(k.deferredSplitScan()).isZero();
        assertThat(k.usedFrames()).as("496 unmapped pages stay allocated while the pin lasts").isEqualTo(512);
        assertThat(k.deferredSplitQueue()).as("still queued: list_splice_tail()").hasSize(1);
        List<TraceEvent> refused = k.trace().events(e -> e.message().contains("cannot be split"));
        assertThat(refused).isNotEmpty();
        assertThat(refused.get(refused.size() - 1).message()).contains("can_split_huge_page");
        if (held.isPin()) {
            held.unpin(false);
        } else {
            held.release();
        }
        assertThat(k.usedFrames()).as("the pin going does not split it: only the shrinker does").isEqualTo(512);
        assertThat(k.deferredSplitScan()).isEqualTo(1);
        assertThat(k.usedFrames()).isEqualTo(16);
        k.close();
    }

    @Test
    void unmappingTheRestFreesTheFolioAndTakesItOffTheQueue() {
        Kernel k = ThpTest.thpKernel("LINUX_5_10");
        Process a = k.spawn("A");
        long p = ThpTest.thpBuffer(a, 'x');
        a.munmap(p, THP / 2);
        assertThat(k.deferredSplitQueue()).hasSize(1);
        a.munmap(p + THP / 2, THP / 2);
        assertThat(k.usedFrames()).isZero();
        assertThat(k.deferredSplitQueue()).as("free_transhuge_page() took it off").isEmpty();
        assertThat(k.deferredSplitScan()).isZero();
        k.close();
    }

    /** A whole PMD zap unmaps every page at once: nothing is left mapped, nothing queued (f1fe80d4ae33); the pin keeps the folio. */
    @Test
    void aWholeThpUnmappedWhilePinnedIsNotQueuedAndFreedWithItsPin() {
        Kernel k = ThpTest.thpKernel("LINUX_6_6");
        Process a = k.spawn("A");
        long p = ThpTest.thpBuffer(a, 'x');
        GupPages pin = a.pinUserPages(p, 1, Foll.WRITE | Foll.LONGTERM, "rdma0");
        a.munmap(p, THP);
        assertThat(k.deferredSplitQueue()).isEmpty();
        assertThat(k.usedFrames()).isEqualTo(512);
        pin.unpin(false);
        assertThat(k.usedFrames()).isZero();
        k.close();
    }

    /** The PTE path queues a pinned folio whose last PTE goes; the unpin frees it and takes it off the queue. */
    @Test
    void aPteMappedThpPinnedAndFullyUnmappedStaysQueuedUntilTheUnpinFreesIt() {
        Kernel k = ThpTest.thpKernel("LINUX_6_1");
        Process a = k.spawn("A");
        long p = ThpTest.thpBuffer(a, 'x');
        a.munmap(p + THP / 2, THP / 2);
        GupPages pin = a.pinUserPages(p, 1, Foll.WRITE | Foll.LONGTERM, "rdma0");
        a.munmap(p, THP / 2);
        assertThat(k.deferredSplitQueue()).hasSize(1);
        assertThat(k.deferredSplitScan()).isZero();
        assertThat(k.usedFrames()).isEqualTo(512);
        pin.unpin(false);
        assertThat(k.usedFrames()).isZero();
        assertThat(k.deferredSplitQueue()).isEmpty();
        k.close();
    }

    /** deferred_split_scan() takes the queue in order: two THPs split, both freed of their unmapped halves. */
    @Test
    void theQueueIsInQueueingOrderAndAFolioThatCannotBeSplitGoesToTheTail() {
        Kernel k = ThpTest.thpKernel("LINUX_6_6");
        Process a = k.spawn("A");
        long p = ThpTest.thpBuffer(a, 'x');
        long q = a.mmap(THP, Fixtures.RW, Fixtures.ANON_PRIVATE);
        long r = a.mmap(THP, Fixtures.RW, Fixtures.ANON_PRIVATE);
        a.fill(q, THP, (byte) 'y');
        a.fill(r, THP, (byte) 'z');
        Frame first = a.frameAt(p);
        Frame second = a.frameAt(q);
        Frame third = a.frameAt(r);
        assertThat(second.isCompound() && third.isCompound()).isTrue();
        a.munmap(p + PAGE, PAGE);
        a.munmap(q + PAGE, PAGE);
        a.munmap(r + PAGE, PAGE);
        assertThat(k.deferredSplitQueue()).containsExactly(first, second, third);
        GupPages pin = a.pinUserPages(p, 1, Foll.WRITE | Foll.LONGTERM, "rdma0");
        assertThat(k.deferredSplitScan()).isEqualTo(2);
        assertThat(k.deferredSplitQueue()).containsExactly(first);
        assertThat(k.usedFrames()).isEqualTo(3L * 512 - 2);
        pin.unpin(false);
        k.close();
    }

    /** A kernel of 513 frames: one THP, half of it unmapped, and room for one more small page. */
    private static Kernel fullKernel(Process[] out, long[] at) {
        Kernel k = Fixtures.builder(io.pinsim.runtime.model.KernelModel.LINUX_6_6).transparentHugepage(TransparentHugepage.ALWAYS).memoryFrames(513).build();
        Process a = k.spawn("A");
        long p = ThpTest.thpBuffer(a, 'x');
        a.munmap(p + THP / 2, THP / 2);
        long small = a.mmap(2L * PAGE, Fixtures.RW, Fixtures.ANON_PRIVATE);
        a.write(small, fill('s', 1));
        assertThat(k.usedFrames()).as("memory is full").isEqualTo(513);
        out[0] = a;
        at[0] = p;
        at[1] = small;
        return k;
    }

    /** __alloc_pages_slowpath(): direct reclaim runs shrink_slab() before the fault fails, so the queued THP's unmapped half is freed instead of an OOM kill. */
    @Test
    void aFaultThatFindsMemoryFullRunsTheShrinkerThroughDirectReclaim() {
        Process[] a = new Process[1];
        long[] at = new long[2];
        Kernel k = fullKernel(a, at);
        a[0].write(at[1] + PAGE, fill('t', 1));
        assertThat(k.usedFrames()).as("256 subpages freed, one new page").isEqualTo(256 + 2);
        assertThat(k.deferredSplitQueue()).isEmpty();
        assertThat(k.trace().events(e -> e.message().contains("direct reclaim runs the shrinkers"))).hasSize(1);
        assertThat(a[0].read(at[0] + 255L * PAGE, 1)[0]).isEqualTo((byte) 'x');
        k.close();
    }

    /** The same fault with a pin on the THP: nothing can be split, so the allocation fails and the OOM killer kills the process. */
    @Test
    void withThePartlyUnmappedThpPinnedTheSameFaultIsAnOomKill() {
        Process[] a = new Process[1];
        long[] at = new long[2];
        Kernel k = fullKernel(a, at);
        GupPages pin = a[0].pinUserPages(at[0], 1, Foll.WRITE | Foll.LONGTERM, "rdma0");
        assertThatThrownBy(() -> a[0].write(at[1] + PAGE, fill('t', 1))).isInstanceOf(SignalException.class).hasMessageContaining("SIGKILL");
        assertThat(k.usedFrames()).as("the pinned THP keeps its 512 frames").isEqualTo(512);
        pin.unpin(false);
        assertThat(k.usedFrames()).isZero();
        k.close();
    }

    @Test
    void kernelCloseFindsNoLeakWithAThpStillQueued() {
        Kernel k = ThpTest.thpKernel("LINUX_6_6");
        Process a = k.spawn("A");
        long p = ThpTest.thpBuffer(a, 'x');
        a.munmap(p, PAGE);
        k.checkInvariants();
        assertThat(k.leaks()).isEmpty();
        a.exit();
        assertThat(k.deferredSplitQueue()).isEmpty();
        k.close();
    }
}
