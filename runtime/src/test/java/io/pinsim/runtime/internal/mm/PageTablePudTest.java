package io.pinsim.runtime.internal.mm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The page table's PUD-level leaves: one entry maps a 1 GiB folio, every subpage reads through it, and no table may sit below it. */
class PageTablePudTest {
    private static final long GIB = Pte.PUD_NR;

    @Test
    void onePudEntryMapsAllItsPages() {
        PageTable pt = new PageTable();
        long base = 5 * GIB;
        pt.setPmd(base, Pte.present(1L << 20) | Pte.PUD | Pte.WRITE);
        assertThat(pt.pudCount()).isEqualTo(1);
        assertThat(pt.pmdCount()).as("not 512 PMDs").isZero();
        assertThat(pt.populated()).as("not 262,144 PTEs").isZero();
        assertThat(Pte.pfn(pt.get(base + 77_777))).isEqualTo((1L << 20) + 77_777);
        assertThat(Pte.pfn(pt.get(base + GIB - 1))).isEqualTo((1L << 20) + GIB - 1);
        assertThat(Pte.isWrite(pt.get(base + 3)) && Pte.isHuge(pt.get(base + 3))).isTrue();
        assertThat(pt.get(base + GIB)).as("past the entry").isEqualTo(Pte.NONE);
        assertThat(pt.getPmd(base + 12_345)).isEqualTo(pt.getPmd(base));
        assertThat(Pte.leafPages(pt.getPmd(base))).isEqualTo(Pte.PUD_NR);
        assertThat(pt.pmdNone(base + 4096)).isFalse();
        assertThat(pt.nextPmd(0, 100 * GIB)).isEqualTo(base);
        assertThat(pt.nextPmd(base + GIB, 100 * GIB)).as("a walk that stepped past it finds none").isEqualTo(-1);
        assertThatThrownBy(() -> pt.set(base + 9, Pte.present(3))).isInstanceOf(IllegalStateException.class).hasMessageContaining("PUD");
        assertThatThrownBy(() -> pt.setPmd(base + 512, Pte.present(4096))).isInstanceOf(IllegalStateException.class).hasMessageContaining("pud_none");
        pt.setPmd(base + 999, Pte.NONE);
        assertThat(pt.pudCount()).isZero();
        assertThat(pt.get(base)).isEqualTo(Pte.NONE);
    }

    @Test
    void aPudLeafNeedsPudNone() {
        PageTable pt = new PageTable();
        pt.set(GIB + 7, Pte.present(9));
        assertThatThrownBy(() -> pt.setPmd(GIB, Pte.present(1L << 18) | Pte.PUD)).isInstanceOf(IllegalStateException.class).hasMessageContaining("pud_none");
        pt.setPmd(2 * GIB + 512, Pte.present(512));
        assertThatThrownBy(() -> pt.setPmd(2 * GIB, Pte.present(1L << 18) | Pte.PUD)).isInstanceOf(IllegalStateException.class);
        assertThat(pt.pudCount()).isZero();
    }
}
