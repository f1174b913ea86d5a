package io.pinsim.runtime;

import static io.pinsim.runtime.Fixtures.ANON_PRIVATE;
import static io.pinsim.runtime.Fixtures.PAGE;
import static io.pinsim.runtime.Fixtures.RW;
import static io.pinsim.runtime.Fixtures.builder;
import static org.assertj.core.api.Assertions.assertThat;

import io.pinsim.runtime.HugeZeroPageTest.NonAnonCase;
import io.pinsim.runtime.model.GupReadOnShared;
import io.pinsim.runtime.model.KernelModel;
import io.pinsim.runtime.model.RoLongtermPinNonAnon;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Upstream cow.c's non_anon_test_cases[] ("Basic COW", "R/O longterm GUP pin", "R/O longterm
 * GUP-fast pin": pages in private mappings that are not anonymous, COW-shared independent of
 * fork()) on run_with_zeropage(), run_with_memfd(), run_with_tmpfile() and
 * run_with_memfd_hugetlb() for each hugetlb size the model has ({@link #HUGETLB_SIZES}), on every
 * model. run_with_huge_zeropage() is {@link HugeZeroPageTest}. Each run maps the backing twice -
 * {@code mem} MAP_PRIVATE R/W, {@code smem} R/O (MAP_SHARED of the file, a second private
 * anonymous mapping for the zero page) - sizes the file with fallocate(fd, 0, 0, size)
 * ({@link FallocateTest}) and reads both to fault them in.
 *
 * <p>"Basic COW" (test_cow(): a write to {@code mem} must not show through {@code smem}) passes
 * on every model: the write fault copies the zero page or the page-cache page. The R/O pins
 * (do_test_ro_pin() with RO_PIN_TEST: the pin must see the process's later memset()) pass where
 * the pin does not hold the shared page itself:
 * <ul>
 *   <li>6.2 and later ({@link RoLongtermPinNonAnon#UNSHARE}, LINUX_6_6): 84209e87c696 makes
 *       gup_must_unshare() true for non-anonymous pages in COW mappings, so the pin first gets an
 *       exclusive anonymous copy and the memset() writes into it;</li>
 *   <li>5.8 ({@link GupReadOnShared#FORCE_COW_BREAK}): 17839856fd58 breaks COW for every GUP in a
 *       COW mapping, reads included (GUP-fast insists on a writable PTE and falls back), and
 *       follow_hugetlb_page() does the same for the private hugetlb mapping;</li>
 *   <li>4.19, 5.10 and 6.1 ({@link RoLongtermPinNonAnon#PIN_IN_PLACE}): the zero page, the
 *       page-cache page or the hugetlbfs folio itself is pinned and the memset()'s write fault
 *       maps a copy: the pin goes stale, which is why upstream added 84209e87c696 and these
 *       cases. History has no test run of them before 6.2; the test asserts what the mechanism
 *       gives.</li>
 * </ul>
 */
class CowSelftestNonAnonTest {
    /** The hugetlb page sizes run_with_memfd_hugetlb() runs with (detect_hugetlb_page_sizes()). */
    static final List<Integer> HUGETLB_SIZES = List.of(2 << 20, 1 << 30);
    /** The part of a 1 GiB folio a case writes, compares and pins (a test heap cannot hold 1 GiB copies or 262,144 pins). */
    static final int WINDOW = 64 << 10;

    /**
     * run_with_*(): the backing, its size, and the bytes a case touches from its start (all of it,
     * but {@value #WINDOW} of a 1 GiB folio: its fault maps the whole folio by one PUD entry, and
     * COW, GUP and the unshare decide per folio, so the window sees what the whole page would).
     */
    record Backing(String desc, int size, int touched) {
        static final Backing ZEROPAGE = new Backing("shared zeropage", PAGE, PAGE);
        static final Backing MEMFD = new Backing("memfd", PAGE, PAGE);
        static final Backing TMPFILE = new Backing("tmpfile", PAGE, PAGE);

        /** run_with_memfd_hugetlb() for one size. */
        static Backing memfdHugetlb(int size) {
            return new Backing("memfd hugetlb (" + size / 1024 + " kB)", size, size <= 2 << 20 ? size : WINDOW);
        }

        boolean hugetlb() {
            return desc.startsWith("memfd hugetlb");
        }

        @Override
        public String toString() {
            return desc;
        }
    }

    static List<Backing> backings() {
        List<Backing> out = new ArrayList<>(List.of(Backing.ZEROPAGE, Backing.MEMFD, Backing.TMPFILE));
        HUGETLB_SIZES.forEach(s -> out.add(Backing.memfdHugetlb(s)));
        return out;
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (KernelModel m : KernelModel.all()) {
            for (NonAnonCase c : NonAnonCase.values()) {
                for (Backing b : backings()) {
                    out.add(Arguments.of(m.name(), c, b));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{1} ... with {2} on {0}")
    @MethodSource("cases")
    void nonAnonTestCase(String model, NonAnonCase c, Backing b) {
        Kernel k = builder(KernelModel.byName(model)).hugetlbPages(2).hugetlbPages(Kernel.HUGE_PAGE_1GB, b.size() == 1 << 30 ? 2 : 0).build();
        Process p = k.spawn("cow");
        long[] ms = run(k, p, b);
        long mem = ms[0];
        long smem = ms[1];
        int size = b.touched();
        if (c == NonAnonCase.BASIC_COW) {
            // test_cow()
            byte[] old = p.read(smem, size);
            p.fill(mem, size, (byte) 0xff);
            assertThat(p.read(smem, size)).as("Other mapping not modified").isEqualTo(old);
        } else {
            // do_test_ro_pin(mem, size, RO_PIN_TEST, fast)
            int n = size / PAGE;
            GupPages pin = c == NonAnonCase.RO_LONGTERM_GUP_FAST_PIN ? p.pinUserPagesFast(mem, n, Foll.LONGTERM, "gup_test")
                    : p.pinUserPages(mem, n, Foll.LONGTERM, "gup_test");
            assertThat(pin.count()).isEqualTo(n);
            p.fill(mem, size, (byte) 0xff);
            boolean reliable = Arrays.equals(pin.read(0, size), p.read(mem, size));
            assertThat(reliable).as("Longterm R/O pin is reliable: %s with %s on %s", c, b, model).isEqualTo(roPinIsReliable(k));
            pin.unpin(false);
        }
        k.checkInvariants();
        p.exit();
        assertThat(k.hugePages().free()).as("the memfd and its folios are gone").isEqualTo(2);
        assertThat(k.hugePages(Kernel.HUGE_PAGE_1GB).free()).as("the 1 GiB pool is whole again").isEqualTo(k.hugePages(Kernel.HUGE_PAGE_1GB).total());
        k.close();
    }

    /** The mechanisms that keep a R/O long-term pin of a non-anonymous page in a COW mapping coherent (see the class comment). */
    private static boolean roPinIsReliable(Kernel k) {
        return k.model().get(RoLongtermPinNonAnon.class) == RoLongtermPinNonAnon.UNSHARE
                || k.model().get(GupReadOnShared.class) == GupReadOnShared.FORCE_COW_BREAK;
    }

    /** run_with_zeropage() / run_with_memfd() / run_with_tmpfile() / run_with_memfd_hugetlb() up to fn(): returns {mem, smem}. */
    static long[] run(Kernel k, Process p, Backing b) {
        long mem;
        long smem;
        if (b == Backing.ZEROPAGE) {
            mem = p.mmap(PAGE, RW, ANON_PRIVATE);
            smem = p.mmap(PAGE, Prot.READ, ANON_PRIVATE);
        } else {
            OpenFile fd = b.hugetlb() ? p.memfdCreate("test", MemfdFlags.HUGETLB | (Integer.numberOfTrailingZeros(b.size()) << MemfdFlags.HUGE_SHIFT))
                    : b == Backing.MEMFD ? p.memfdCreate("test", 0)
                    : p.open(k.mount(FsKind.TMPFS).create("tmpfile"), OpenFlags.RDWR);
            // "File consists of a single page filled with zeroes."
            fd.fallocate(0, 0, b.size());
            mem = p.mmap(0, b.size(), RW, MapFlags.PRIVATE, fd, 0);
            smem = p.mmap(0, b.size(), Prot.READ, MapFlags.SHARED, fd, 0);
            fd.close();
        }
        // "Fault the page in."
        p.read(mem, 1);
        p.read(smem, 1);
        Frame f = p.frameAt(mem);
        assertThat(f.isAnon()).as("mem maps the %s, not an anonymous page", b).isFalse();
        if (b == Backing.ZEROPAGE) {
            assertThat(f.isZeroPage()).isTrue();
        } else {
            assertThat(f.compoundHead().pfn()).as("mem and smem map the same page-cache page").isEqualTo(p.frameAt(smem).compoundHead().pfn());
        }
        return new long[] {mem, smem};
    }
}
