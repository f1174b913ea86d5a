package io.pinsim.runtime;

import static io.pinsim.runtime.Fixtures.ANON_PRIVATE;
import static io.pinsim.runtime.Fixtures.PAGE;
import static io.pinsim.runtime.Fixtures.RW;
import static io.pinsim.runtime.Fixtures.buffer;
import static io.pinsim.runtime.Fixtures.fill;
import static io.pinsim.runtime.Fixtures.kernel;
import static io.pinsim.runtime.Fixtures.seen;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pinsim.runtime.model.KernelModel;
import io.pinsim.runtime.trace.TraceKind;
import org.junit.jupiter.api.Test;

/**
 * Edge cases where an earlier version of the model answered differently from the kernel (found by
 * reading mm/gup.c, mm/memory.c, mm/rmap.c, mm/swap_state.c and mm/mprotect.c of 5.10.13 and 6.1);
 * each test names the kernel code it follows.
 */
class KernelEdgeCasesTest {

    /** gup_pte_range(): if (pte_protnone(pte)) goto pte_unmap; the slow path then fails check_vma_flags(). */
    @Test
    void gupFastDoesNotTakeProtNonePages() {
        Kernel k = kernel(KernelModel.LATEST);
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        a.mprotect(buf, PAGE, Prot.NONE);
        assertThatThrownBy(() -> a.getUserPagesFast(buf, 1, 0, "x")).isInstanceOfSatisfying(ErrnoException.class,
                e -> assertThat(e.errno()).isEqualTo(Errno.EFAULT));
        assertThatThrownBy(() -> a.vmsplice(a.pipe(), buf, 10)).isInstanceOf(ErrnoException.class);
        assertThat(k.trace().events(e -> e.message().contains("pte_protnone"))).isNotEmpty();
    }

    /** try_to_unmap_one() in 6.1: page_try_share_anon_rmap() is -EBUSY for an exclusive page that may be pinned. */
    @Test
    void anExclusivePinnedPageInTheSwapCacheStaysMappedUnderReclaim() {
        Kernel k = kernel(KernelModel.LINUX_6_1);
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        k.reclaim(a, buf);
        seen(a, buf);
        Frame f = a.frameAt(buf);
        assertThat(f.isInSwapCache()).isTrue();
        assertThat(f.isAnonExclusive()).isTrue();
        GupPages pin = a.pinUserPages(buf, 1, 0, "ro-pin");
        assertThat(k.reclaim(a, buf)).isFalse();
        assertThat(pin.isCoherent(0)).isTrue();
        assertThat(k.trace().events(e -> e.message().contains("page_try_share_anon_rmap"))).hasSize(1);
    }

    /** free_pages_and_swap_cache() -> free_swap_cache(): an unmapped page no swap entry refers to leaves the swap cache. */
    @Test
    void unmappingAPageStillInTheSwapCacheFreesItAndItsSlot() {
        Kernel k = kernel(KernelModel.LINUX_5_10);
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        k.reclaim(a, buf);
        seen(a, buf);
        assertThat(a.frameAt(buf).isInSwapCache()).isTrue();
        a.munmap(buf, PAGE);
        assertThat(k.usedFrames()).isZero();
        assertThat(k.swapSlotsInUse()).isZero();
        k.checkInvariants();
    }

    /** should_try_to_free_swap() / folio_free_swap(): not while another swap PTE uses the slot; so the parent copies. */
    @Test
    void aWriteSwapInKeepsTheSwapCacheWhileTheChildStillHasASwapEntry() {
        Kernel k = kernel(KernelModel.LINUX_6_1);
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        Process child = a.fork();
        k.reclaim(a, buf);
        a.write(buf, fill('P', 1));
        assertThat(k.trace().lastAt(buf, TraceKind.COW_COPY)).as("the parent copied").isNotNull();
        assertThat(seen(child, buf)).isEqualTo('A');
        assertThat(k.trace().events(e -> e.actor().equals(child.name()) && e.message().contains("from the swap cache"))).hasSize(1);
    }

    /** do_swap_page(): if (pte_swp_soft_dirty(vmf->orig_pte)) pte = pte_mksoft_dirty(pte). */
    @Test
    void swapInKeepsTheSoftDirtyBitSoMprotectCanStillUpgrade() {
        Kernel k = kernel(KernelModel.LINUX_6_6);
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        a.clearSoftDirty();
        a.write(buf, fill('W', 1));
        k.reclaim(a, buf);
        seen(a, buf);
        a.mprotect(buf, PAGE, Prot.READ);
        a.mprotect(buf, PAGE, RW);
        assertThat(a.isMappedWritable(buf)).isTrue();
    }

    /** mprotect_fixup(): if (newflags == oldflags) return 0: no split, no notifier, no PTE change. */
    @Test
    void mprotectWithUnchangedFlagsIsANoOp() {
        Kernel k = kernel(KernelModel.LINUX_6_1);
        Process a = k.spawn("A");
        long buf = buffer(a, 2, 'A');
        a.fork();
        a.pinUserPages(buf, 1, 0, "ro-pin");
        assertThat(a.isMappedWritable(buf)).as("the unshare left the PTE read-only").isFalse();
        NotifierHookTest.Recorder r = new NotifierHookTest.Recorder();
        a.registerMmuNotifier(r);
        a.mprotect(buf + PAGE, PAGE, RW);
        assertThat(a.vmas()).hasSize(1);
        assertThat(a.isMappedWritable(buf)).isFalse();
        assertThat(r.calls).isEmpty();
    }

    /** change_pte_range(): under writenotify only a dirty PTE becomes writable (dirty_accountable; can_change_pte_writable for VM_SHARED). */
    @Test
    void mprotectKeepsCleanPtesOfADirtyTrackedSharedMappingReadOnly() {
        Kernel k = kernel(KernelModel.LATEST);
        Inode ino = k.mount(FsKind.EXT4).create("data", fill('F', 2 * PAGE));
        Process a = k.spawn("A");
        OpenFile f = a.open(ino, OpenFlags.RDWR);
        long map = a.mmap(0, 2L * PAGE, RW, MapFlags.SHARED, f, 0);
        seen(a, map);
        a.write(map + PAGE, fill('D', 1));
        a.mprotect(map, 2L * PAGE, Prot.READ);
        a.mprotect(map, 2L * PAGE, RW);
        assertThat(a.isMappedWritable(map)).as("clean: the next write must go through ->page_mkwrite").isFalse();
        assertThat(a.isMappedWritable(map + PAGE)).as("dirty").isTrue();
    }

    /** copy_page_range(): a VMA without anon_vma is not copied: no PROTECTION_PAGE, no write_protect_seq. */
    @Test
    void forkOfAVmaWithoutAnonPagesCopiesNothingAndNotifiesNothing() {
        Kernel k = kernel(KernelModel.LATEST);
        Process a = k.spawn("A");
        long readOnly = a.mmap(PAGE, RW, ANON_PRIVATE);
        seen(a, readOnly);
        long emptied = buffer(a, 1, 'E');
        a.madvise(emptied, PAGE, Advice.DONTNEED);
        NotifierHookTest.Recorder r = new NotifierHookTest.Recorder();
        a.registerMmuNotifier(r);
        Process child = a.fork();
        assertThat(child.pteAt(readOnly)).as("the zero-page PTE is not copied").isEqualTo("none");
        assertThat(r.calls).as("only the VMA with an anon_vma is notified, although it has no PTE")
                .containsExactly("start PROTECTION_PAGE " + Long.toHexString(emptied) + "-" + Long.toHexString(emptied + PAGE),
                        "end PROTECTION_PAGE " + Long.toHexString(emptied) + "-" + Long.toHexString(emptied + PAGE));
        assertThat(seen(child, readOnly)).isEqualTo('\0');
    }

    /** is_valid_gup_flags() (5.10): FOLL_LONGTERM only with pins. */
    @Test
    void getUserPagesWithLongtermIsRefusedFrom510() {
        Process old = kernel(KernelModel.LINUX_5_8).spawn("A");
        long b1 = buffer(old, 1, 'A');
        assertThat(old.getUserPages(b1, 1, Foll.LONGTERM, "x").count()).isEqualTo(1);
        Process now = kernel(KernelModel.LINUX_5_10).spawn("A");
        long b2 = buffer(now, 1, 'A');
        assertThatThrownBy(() -> now.getUserPagesFast(b2, 1, Foll.LONGTERM, "x")).isInstanceOfSatisfying(ErrnoException.class,
                e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
    }

    /** populate_vma_page_range(): a PROT_NONE mapping is not populated (check_vma_flags fails, __mm_populate ignores it). */
    @Test
    void mapPopulateOfProtNoneMapsNothing() {
        Kernel k = kernel(KernelModel.LATEST);
        Process a = k.spawn("A");
        a.mmap(2L * PAGE, Prot.NONE, ANON_PRIVATE | MapFlags.POPULATE);
        assertThat(a.populatedPtes()).isZero();
    }

    /**
     * do_anonymous_page() dirties the PTE only with VM_WRITE, so a FOLL_FORCE write to an untouched
     * read-only page takes two faults: the first maps a clean page, follow_page_pte() refuses it, the
     * second (do_wp_page() -> wp_page_reuse(): maybe_mkwrite(pte_mkdirty())) dirties it and FOLL_COW
     * lets GUP take it. The PTE ends read-only and dirty.
     */
    @Test
    void aForcedWriteIntoAnUntouchedReadOnlyPageTakesTwoFaults() {
        Kernel k = kernel(KernelModel.LINUX_5_10);
        Process a = k.spawn("A");
        long ro = a.mmap(PAGE, Prot.READ, ANON_PRIVATE);
        GupPages p = a.getUserPages(ro, 1, Foll.WRITE | Foll.FORCE, "ptrace");
        assertThat(p.frame(0).isZeroPage()).isFalse();
        assertThat(a.pteAt(ro)).isEqualTo("pfn " + p.frame(0).pfn() + " RO dirty");
        assertThat(k.trace().events(e -> e.kind() == TraceKind.FAULT && e.message().contains("new anonymous page"))).hasSize(1);
        assertThat(k.trace().events(e -> e.kind() == TraceKind.COW_REUSE)).hasSize(1);
    }
}
