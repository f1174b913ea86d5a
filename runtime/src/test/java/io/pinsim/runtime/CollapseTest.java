package io.pinsim.runtime;

import static io.pinsim.runtime.Fixtures.ANON_PRIVATE;
import static io.pinsim.runtime.Fixtures.PAGE;
import static io.pinsim.runtime.Fixtures.RW;
import static io.pinsim.runtime.Fixtures.builder;
import static io.pinsim.runtime.Fixtures.fill;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pinsim.runtime.internal.mm.Collapse;
import io.pinsim.runtime.model.KernelModel;
import org.junit.jupiter.api.Test;

/**
 * MADV_COLLAPSE (7d8faaf15545, 6.1) and khugepaged's collapse rules (Collapse, mm/khugepaged.c):
 * small pages or a PTE-mapped THP become a new PMD-mapped THP; a page with references beyond its
 * mappings refuses (is_refcount_suitable()), a range without a writable PTE is SCAN_PAGE_RO.
 */
class CollapseTest {
    static final int THP = ThpTest.THP;

    /** A 2 MiB-aligned range of small pages (THP "never"), each written with c. */
    static long smallPages(Process p, char c) {
        long m = p.mmap(2L * THP, RW, ANON_PRIVATE);
        long mem = (m + THP) & -(long) THP;
        p.fill(mem, THP, (byte) c);
        return mem;
    }

    static Kernel kernel(KernelModel m) {
        return builder(m).build();
    }

    @Test
    void madvCollapseMakesOneThpOfSmallPagesEvenUnderNever() {
        Kernel k = kernel(KernelModel.LINUX_6_6);
        Process a = k.spawn("A");
        long mem = smallPages(a, 'x');
        a.write(mem + 7L * PAGE, fill('s', 1));
        assertThat(a.populatedPtes()).isEqualTo(512);
        a.madvise(mem, THP, Advice.COLLAPSE);
        assertThat(a.pteAt(mem + PAGE)).contains("PMD-mapped THP");
        assertThat(a.populatedPtes()).isZero();
        assertThat(k.usedFrames()).as("the small pages are freed").isEqualTo(512);
        assertThat(a.read(mem + 7L * PAGE, 1)[0]).isEqualTo((byte) 's');
        assertThat(a.frameAt(mem).isAnonExclusive()).isTrue();
        a.write(mem, fill('w', 1));
        assertThat(a.pteAt(mem)).as("reused: still one PMD").contains("PMD-mapped THP");
        k.close();
    }

    @Test
    void aPteMappedThpIsCopiedIntoANewThp() {
        Kernel k = builder(KernelModel.LINUX_6_6).transparentHugepage(TransparentHugepage.ALWAYS).build();
        Process a = k.spawn("A");
        long p = ThpTest.thpBuffer(a, 'x');
        long old = a.frameAt(p).pfn();
        a.mprotect(p + PAGE, PAGE, Prot.READ);
        a.mprotect(p + PAGE, PAGE, RW);
        a.madvise(p, THP, Advice.COLLAPSE);
        assertThat(a.pteAt(p)).contains("PMD-mapped THP");
        assertThat(a.frameAt(p).pfn()).as("collapse_huge_page() always allocates").isNotEqualTo(old);
        assertThat(k.usedFrames()).isEqualTo(512);
        k.close();
    }

    @Test
    void aPinnedPageRefusesTheCollapseWithEagainAndNothingChanges() {
        Kernel k = kernel(KernelModel.LINUX_6_6);
        Process a = k.spawn("A");
        long mem = smallPages(a, 'x');
        GupPages pin = a.pinUserPages(mem + 3L * PAGE, 1, Foll.WRITE | Foll.LONGTERM, "rdma0");
        assertThatThrownBy(() -> a.madvise(mem, THP, Advice.COLLAPSE))
                .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EAGAIN));
        assertThat(a.populatedPtes()).isEqualTo(512);
        assertThat(a.frameAt(mem + 3L * PAGE).pfn()).isEqualTo(pin.frame(0).pfn());
        pin.unpin(false);
        a.madvise(mem, THP, Advice.COLLAPSE);
        assertThat(a.pteAt(mem)).contains("PMD-mapped THP");
        k.close();
    }

    @Test
    void aRangeWithoutAWritablePteIsEinval() {
        Kernel k = kernel(KernelModel.LINUX_6_6);
        Process a = k.spawn("A");
        long mem = smallPages(a, 'x');
        a.mprotect(mem, THP, Prot.READ);
        assertThatThrownBy(() -> a.madvise(mem, THP, Advice.COLLAPSE))
                .isInstanceOfSatisfying(ErrnoException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.EINVAL);
                    assertThat(e.getMessage()).contains("SCAN_PAGE_RO");
                });
        k.close();
    }

    @Test
    void swappedOutPagesAreSwappedInAndCollapsed() {
        Kernel k = kernel(KernelModel.LINUX_6_6);
        Process a = k.spawn("A");
        long mem = smallPages(a, 'x');
        a.madvise(mem, 8L * PAGE, Advice.PAGEOUT);
        a.madvise(mem, THP, Advice.COLLAPSE);
        assertThat(a.pteAt(mem)).contains("PMD-mapped THP");
        assertThat(k.swapSlotsInUse()).isZero();
        assertThat(a.read(mem + 5L * PAGE, 1)[0]).isEqualTo((byte) 'x');
        k.close();
    }

    @Test
    void madvNoHugepageOrNoMemoryYetIsEinval() {
        Kernel k = kernel(KernelModel.LINUX_6_6);
        Process a = k.spawn("A");
        long fresh = a.mmap(2L * THP, RW, ANON_PRIVATE);
        assertThatThrownBy(() -> a.madvise(fresh, 2L * THP, Advice.COLLAPSE)).hasMessageContaining("no anon_vma yet");
        long mem = smallPages(a, 'x');
        a.madvise(mem, THP, Advice.NOHUGEPAGE);
        assertThatThrownBy(() -> a.madvise(mem, THP, Advice.COLLAPSE)).hasMessageContaining("MADV_NOHUGEPAGE");
        k.close();
    }

    /** khugepaged's limits, which MADV_COLLAPSE does not apply: max_ptes_shared 256 and max_ptes_swap 64. */
    @Test
    void khugepagedRefusesTooManySharedOrSwappedPagesWhereMadvCollapseDoesNot() {
        Kernel k = kernel(KernelModel.LINUX_6_6);
        Process a = k.spawn("A");
        long mem = smallPages(a, 'x');
        a.madvise(mem + 300L * PAGE, THP - 300L * PAGE, Advice.DONTFORK);
        Process c = a.fork();
        a.madvise(mem + 300L * PAGE, THP - 300L * PAGE, Advice.DOFORK);
        a.write(mem + 300L * PAGE, fill('w', 1));
        Collapse collapse = new Collapse(Internals.core(k));
        long hv = mem >>> Kernel.PAGE_SHIFT;
        assertThat(collapse.collapse(Internals.mm(a), hv, true)).isEqualTo(Collapse.Scan.EXCEED_SHARED_PTE);
        assertThat(collapse.collapse(Internals.mm(a), hv, false)).isEqualTo(Collapse.Scan.SUCCEED);
        assertThat(c.read(mem, 1)[0]).as("the child keeps the old pages").isEqualTo((byte) 'x');

        Process b = k.spawn("B");
        long other = smallPages(b, 'y');
        b.madvise(other, 65L * PAGE, Advice.PAGEOUT);
        assertThat(collapse.collapse(Internals.mm(b), other >>> Kernel.PAGE_SHIFT, true)).isEqualTo(Collapse.Scan.EXCEED_SWAP_PTE);
        b.read(other, PAGE);
        assertThat(collapse.collapse(Internals.mm(b), other >>> Kernel.PAGE_SHIFT, true)).isEqualTo(Collapse.Scan.SUCCEED);
        k.close();
    }

    @Test
    void beforeSixOneMadvCollapseIsAnUnknownAdvice() {
        Kernel k = kernel(KernelModel.LINUX_5_10);
        Process a = k.spawn("A");
        long mem = smallPages(a, 'x');
        assertThatThrownBy(() -> a.madvise(mem, THP, Advice.COLLAPSE))
                .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL)).hasMessageContaining("unknown");
        assertThat(a.populatedPtes()).isEqualTo(512);
    }
}
