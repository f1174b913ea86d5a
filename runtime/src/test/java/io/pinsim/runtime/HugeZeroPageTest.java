package io.pinsim.runtime;

import static io.pinsim.runtime.Fixtures.ANON_PRIVATE;
import static io.pinsim.runtime.Fixtures.PAGE;
import static io.pinsim.runtime.Fixtures.RW;
import static io.pinsim.runtime.Fixtures.builder;
import static org.assertj.core.api.Assertions.assertThat;

import io.pinsim.runtime.model.KernelModel;
import io.pinsim.runtime.model.RoLongtermPinNonAnon;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The huge zero page (HugeZeroPage): a read fault in a THP-eligible range maps it with one
 * read-only PMD (do_huge_pmd_anonymous_page()); a write fault replaces it by a new THP up to 5.7 and
 * splits it to small zero-page PTEs from 5.8 (do_huge_pmd_wp_page(), 3917c80280c9); and upstream
 * cow.c's non-anonymous cases on it (run_with_huge_zeropage()).
 */
class HugeZeroPageTest {
    static final int THP = ThpTest.THP;

    /** A 2 MiB-aligned, MADV_HUGEPAGE range inside a 4 MiB mapping, as cow.c's run_with_huge_zeropage() makes it. */
    static long hugeRange(Process p, int prot) {
        long m = p.mmap(2L * THP, prot, ANON_PRIVATE);
        long mem = (m + THP) & -(long) THP;
        p.madvise(mem, THP, Advice.HUGEPAGE);
        return mem;
    }

    static Kernel kernel(String model) {
        return builder(KernelModel.byName(model)).transparentHugepage(TransparentHugepage.MADVISE).build();
    }

    /**
     * use_zero_page = 0 (transparent_hugepage_use_zero_page() false): do_huge_pmd_anonymous_page()
     * allocates a THP for a read fault too, mapped writable and dirty (maybe_pmd_mkwrite(pmd_mkdirty())),
     * so the later write needs no fault; mappings of the huge zero page made before stay.
     */
    @Test
    void withUseZeroPageOffAReadFaultMapsANewThp() {
        Kernel k = kernel("LINUX_6_6");
        assertThat(k.thpUseZeroPage()).as("the kernel's default").isTrue();
        Process a = k.spawn("A");
        long before = hugeRange(a, RW);
        assertThat(a.read(before, 1)[0]).isZero();
        k.setThpUseZeroPage(false);
        long mem = hugeRange(a, RW);
        assertThat(a.read(mem, 1)[0]).isZero();
        Frame f = a.frameAt(mem + 3L * PAGE);
        assertThat(f.isCompound()).isTrue();
        assertThat(f.isAnon()).as("a new anonymous THP, not the huge zero page").isTrue();
        assertThat(a.pteAt(mem)).contains("PMD-mapped THP");
        assertThat(a.frameAt(before).isAnon()).as("the huge zero page mapped before stays").isFalse();
        a.write(mem + PAGE, new byte[] {7});
        assertThat(a.frameAt(mem + PAGE).pfn()).as("written in place").isEqualTo(f.compoundHead().pfn() + 1);
        k.checkInvariants();
        k.close();
    }

    @Test
    void aReadFaultMapsTheHugeZeroPageWithOnePmdSharedByEveryone() {
        Kernel k = kernel("LINUX_6_6");
        Process a = k.spawn("A");
        Process b = k.spawn("B");
        long mem = hugeRange(a, RW);
        long other = hugeRange(b, Prot.READ);
        assertThat(a.read(mem, 1)[0]).isZero();
        assertThat(b.read(other, 1)[0]).isZero();
        assertThat(a.pteAt(mem + PAGE)).as("pagemap_is_populated(mem + pagesize)").contains("PMD");
        assertThat(a.populatedPtes()).isZero();
        Frame z = a.frameAt(mem + 3L * PAGE);
        assertThat(z.isCompound()).isTrue();
        assertThat(z.isAnon()).isFalse();
        assertThat(b.frameAt(other + 3L * PAGE).pfn()).as("one huge zero page per kernel").isEqualTo(z.pfn());
        assertThat(z.mapcount()).as("the reverse map does not see it").isZero();
        assertThat(k.usedFrames()).isEqualTo(512);
        a.exit();
        b.exit();
        assertThat(k.usedFrames()).as("freed once no mm uses it").isZero();
        k.close();
    }

    /** do_huge_pmd_wp_page(): "goto alloc" of a new THP until 3917c80280c9 (5.8), the small zero page's PTEs after. */
    @ParameterizedTest
    @ValueSource(strings = {"LINUX_4_19", "LINUX_5_8", "LINUX_5_10", "LINUX_6_1", "LINUX_6_6"})
    void aWriteFaultOnTheHugeZeroPageAllocatesATHPBefore58AndSplitsToSmallZeroPagesAfter(String model) {
        Kernel k = kernel(model);
        Process a = k.spawn("A");
        long mem = hugeRange(a, RW);
        a.read(mem, 1);
        a.write(mem + 5L * PAGE, new byte[] {7});
        Frame written = a.frameAt(mem + 5L * PAGE);
        assertThat(written.isAnon()).isTrue();
        if (model.equals("LINUX_4_19")) {
            assertThat(written.isCompound()).as("a new zeroed THP").isTrue();
            assertThat(a.pteAt(mem)).contains("PMD-mapped THP");
            assertThat(a.read(mem + 6L * PAGE, 1)[0]).isZero();
        } else {
            assertThat(written.isCompound()).as("one small page copied").isFalse();
            assertThat(a.frameAt(mem + 6L * PAGE).isZeroPage()).as("the rest maps the small zero page").isTrue();
            assertThat(a.populatedPtes()).isEqualTo(512);
        }
        assertThat(a.read(mem + 5L * PAGE, 1)[0]).isEqualTo((byte) 7);
        k.close();
    }

    @Test
    void forkSharesTheHugeZeroPageAndAPartialMunmapSplitsItToSmallZeroPages() {
        Kernel k = kernel("LINUX_6_6");
        Process a = k.spawn("A");
        long mem = hugeRange(a, RW);
        a.read(mem, 1);
        Process c = a.fork();
        assertThat(c.pteAt(mem + PAGE)).contains("PMD");
        a.munmap(mem, PAGE);
        assertThat(a.frameAt(mem + PAGE).isZeroPage()).isTrue();
        assertThat(c.frameAt(mem + PAGE).isCompound()).isTrue();
        a.mremap(mem + PAGE, THP - PAGE, THP - PAGE, MremapFlags.MAYMOVE | MremapFlags.FIXED, 0x7e0000000000L);
        assertThat(a.read(0x7e0000000000L + PAGE, 1)[0]).isZero();
        k.close();
    }

    enum NonAnonCase { BASIC_COW, RO_LONGTERM_GUP_PIN, RO_LONGTERM_GUP_FAST_PIN }

    static Stream<Arguments> cowCases() {
        List<Arguments> out = new ArrayList<>();
        for (String m : new String[] {"LINUX_4_19", "LINUX_5_8", "LINUX_5_10", "LINUX_6_1", "LINUX_6_6"}) {
            for (NonAnonCase c : NonAnonCase.values()) {
                out.add(Arguments.of(m, c));
            }
        }
        return out.stream();
    }

    /**
     * cow.c's non_anon_test_cases[] on the huge zero page: "Basic COW" (test_cow: a write to mem must
     * not change smem) passes everywhere; "R/O longterm GUP pin" / "GUP-fast pin" (do_test_ro_pin():
     * the pin must see the process's later write) pass only where a R/O long-term pin in a COW mapping
     * unshares a non-anonymous page first (84209e87c696, 6.2: {@link RoLongtermPinNonAnon#UNSHARE})
     * or, on 5.8, where every GUP in a COW mapping breaks COW, reads included (17839856fd58);
     * before, the huge zero page itself is pinned and the write maps a new page: the pin goes stale.
     */
    @ParameterizedTest(name = "{1} with huge zeropage on {0}")
    @MethodSource("cowCases")
    void cowSelftestNonAnonCasesOnTheHugeZeroPage(String model, NonAnonCase c) {
        Kernel k = kernel(model);
        Process p = k.spawn("cow");
        long mem = hugeRange(p, RW);
        long smem = hugeRange(p, Prot.READ);
        p.read(mem, 1);
        p.read(smem, 1);
        assertThat(p.pteAt(mem + PAGE)).contains("PMD");
        assertThat(p.pteAt(smem + PAGE)).contains("PMD");
        if (c == NonAnonCase.BASIC_COW) {
            byte[] old = p.read(smem, THP);
            p.fill(mem, THP, (byte) 0xff);
            assertThat(p.read(smem, THP)).as("Other mapping not modified").isEqualTo(old);
            k.close();
            return;
        }
        int n = THP / PAGE;
        GupPages pin = c == NonAnonCase.RO_LONGTERM_GUP_FAST_PIN ? p.pinUserPagesFast(mem, n, Foll.LONGTERM, "gup_test")
                : p.pinUserPages(mem, n, Foll.LONGTERM, "gup_test");
        assertThat(pin.count()).isEqualTo(n);
        p.fill(mem, THP, (byte) 0xff);
        boolean reliable = Arrays.equals(pin.read(0, THP), p.read(mem, THP));
        boolean unshares = k.model().get(RoLongtermPinNonAnon.class) == RoLongtermPinNonAnon.UNSHARE
                || k.model().get(io.pinsim.runtime.model.GupReadOnShared.class) == io.pinsim.runtime.model.GupReadOnShared.FORCE_COW_BREAK;
        assertThat(reliable).as("Longterm R/O pin is reliable exactly where the pin unshares (84209e87c696) or breaks COW (17839856fd58) first").isEqualTo(unshares);
        pin.unpin(false);
        k.close();
    }

    @Test
    void theUnshareOfRoLongtermPinsStartsWith62() {
        assertThat(KernelModel.LINUX_6_6.get(RoLongtermPinNonAnon.class)).isEqualTo(RoLongtermPinNonAnon.UNSHARE);
        assertThat(KernelModel.LINUX_6_1.get(RoLongtermPinNonAnon.class)).isNotEqualTo(RoLongtermPinNonAnon.UNSHARE);
    }
}
