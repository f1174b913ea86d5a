package io.pinsim.runtime;

import static io.pinsim.runtime.Fixtures.PAGE;
import static io.pinsim.runtime.Fixtures.RW;
import static io.pinsim.runtime.Fixtures.fill;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pinsim.runtime.model.KernelModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * 1 GiB hugetlb pages (x86-64 gigantic pages, hstate of order 18): the pool of that size, mmap(MAP_HUGETLB|MAP_HUGE_1GB)
 * with 1 GiB alignment and reservation, one PUD-level entry per folio, faults, COW and fork, pins on the folio through
 * GUP slow and fast, the 1 GiB split checks (hugetlb_vm_op_split()), MADV_DONTNEED per model and memfd_create(MFD_HUGE_1GB).
 */
class Hugetlb1gTest {
    static final long GPAGE = Kernel.HUGE_PAGE_1GB;
    static final int PRIVATE = MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.HUGETLB | MapFlags.HUGE_1GB;
    static final int SHARED = MapFlags.SHARED | MapFlags.ANONYMOUS | MapFlags.HUGETLB | MapFlags.HUGE_1GB;

    static Kernel kernel(KernelModel model, int pool) {
        return Fixtures.builder(model).hugetlbPages(Kernel.HUGE_PAGE_1GB, pool).build();
    }

    private static Errno errnoOf(Runnable r) {
        try {
            r.run();
        } catch (ErrnoException e) {
            return e.errno();
        }
        return null;
    }

    @Test
    void eachSizeHasItsOwnPool() {
        Kernel k = Fixtures.builder(KernelModel.LINUX_6_6).hugetlbPages(3).hugetlbPages(Kernel.HUGE_PAGE_1GB, 2).build();
        assertThat(k.hugePages()).isEqualTo(new HugePages(3, 3, 0));
        assertThat(k.hugePages(Kernel.HUGE_PAGE_2MB)).isEqualTo(new HugePages(3, 3, 0));
        assertThat(k.hugePages(Kernel.HUGE_PAGE_1GB)).isEqualTo(new HugePages(2, 2, 0));
        assertThat(k.usedFrames()).as("both pools' frames are in use from boot").isEqualTo(3L * 512 + 2L * 262_144);
        Process a = k.spawn("A");
        long p = a.mmap(GPAGE, RW, PRIVATE);
        assertThat(p % GPAGE).as("hugetlb_get_unmapped_area: 1 GiB aligned").isZero();
        assertThat(k.hugePages(Kernel.HUGE_PAGE_1GB)).isEqualTo(new HugePages(2, 2, 1));
        assertThat(k.hugePages()).as("the 2 MiB pool is untouched").isEqualTo(new HugePages(3, 3, 0));
        a.write(p + GPAGE - PAGE, fill('Z', 4));
        assertThat(k.hugePages(Kernel.HUGE_PAGE_1GB)).isEqualTo(new HugePages(2, 1, 0));
        a.munmap(p, GPAGE);
        assertThat(k.hugePages(Kernel.HUGE_PAGE_1GB)).isEqualTo(new HugePages(2, 2, 0));
        k.close();
    }

    @Test
    void aGiganticFolioIsMappedByOnePudEntry() {
        Kernel k = kernel(KernelModel.LINUX_6_6, 1);
        Process a = k.spawn("A");
        long p = a.mmap(GPAGE, RW, PRIVATE);
        assertThat(a.vmaAt(p).length()).isEqualTo(GPAGE);
        a.write(p, fill('A', 4));
        a.write(p + GPAGE - PAGE, fill('B', 4));
        a.write(p + GPAGE / 2 + 5 * PAGE, fill('C', 4));
        assertThat(a.pteAt(p)).contains("PUD-mapped");
        assertThat(a.pteAt(p + GPAGE / 2)).contains("PUD-mapped");
        Frame head = a.frameAt(p);
        assertThat(head.nrPages()).isEqualTo(262_144);
        assertThat(a.frameAt(p + GPAGE - PAGE).compoundHead().pfn()).isEqualTo(head.pfn());
        assertThat(a.frameAt(p + GPAGE - PAGE).pfn()).isEqualTo(head.pfn() + 262_143);
        assertThat(a.frameAt(p + 3 * PAGE).mapcount()).as("each subpage is mapped once, by the PUD").isEqualTo(1);
        assertThat(head.refcount()).as("one PUD mapping").isEqualTo(1);
        assertThat(a.read(p + GPAGE / 2 + 5 * PAGE, 4)).containsOnly((byte) 'C');
        assertThat(a.read(p + 7 * PAGE, 4)).as("a new folio is zeroed").containsOnly((byte) 0);
        a.exit();
        assertThat(k.hugePages(Kernel.HUGE_PAGE_1GB)).isEqualTo(new HugePages(1, 1, 0));
        k.close();
    }

    @Test
    void errnosAtOneGibGranularity() {
        Kernel k = kernel(KernelModel.LINUX_6_6, 1);
        Process a = k.spawn("A");
        assertThat(errnoOf(() -> a.mmap(2 * GPAGE, RW, PRIVATE))).as("hugetlb_reserve_pages: one in the pool").isEqualTo(Errno.ENOMEM);
        assertThat(errnoOf(() -> a.mmap(0x7f0000200000L, GPAGE, RW, PRIVATE | MapFlags.FIXED))).as("2 MiB aligned is not enough").isEqualTo(Errno.EINVAL);
        long p = a.mmap(PAGE, RW, PRIVATE);
        assertThat(a.vmaAt(p).length()).as("the length is rounded up to 1 GiB").isEqualTo(GPAGE);
        a.write(p, fill('A', 4));
        assertThat(errnoOf(() -> a.munmap(p, 2L << 20))).as("hugetlb_vm_op_split at 1 GiB").isEqualTo(Errno.EINVAL);
        assertThatThrownBy(() -> a.mprotect(p + (2L << 20), 2L << 20, Prot.READ)).isInstanceOf(ErrnoException.class).hasMessageContaining("1 GiB page");
        assertThat(errnoOf(() -> a.madvise(p + (2L << 20), 2L << 20, Advice.DONTNEED))).isEqualTo(Errno.EINVAL);
        assertThat(a.read(p, 4)).as("nothing changed").containsOnly((byte) 'A');
        assertThat(a.pteAt(p)).contains("PUD-mapped");
        k.close();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({"LINUX_4_19, REFUSED", "LINUX_5_10, REFUSED", "LINUX_6_1, ZAPS", "LINUX_6_6, ZAPS"})
    void madvDontneedPerModel(String model, String expected) {
        Kernel k = kernel(KernelModel.byName(model), 1);
        Process a = k.spawn("A");
        long p = a.mmap(GPAGE, RW, PRIVATE);
        a.write(p, fill('A', 4));
        if (expected.equals("REFUSED")) {
            assertThat(errnoOf(() -> a.madvise(p, GPAGE, Advice.DONTNEED))).isEqualTo(Errno.EINVAL);
            assertThat(a.read(p, 1)).containsOnly((byte) 'A');
        } else {
            a.madvise(p, GPAGE, Advice.DONTNEED);
            assertThat(a.pteAt(p)).doesNotContain("PUD");
            assertThat(a.read(p, 1)).as("a new zeroed folio").containsOnly((byte) 0);
        }
        k.close();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"LINUX_4_19", "LINUX_5_8", "LINUX_5_10", "LINUX_6_1", "LINUX_6_6"})
    void forkThenWriteCopiesTheGiganticFolio(String model) {
        Kernel k = kernel(KernelModel.byName(model), 2);
        Process a = k.spawn("A");
        long p = a.mmap(GPAGE, RW, PRIVATE);
        a.write(p + 9 * PAGE, fill('P', 4));
        Process child = a.fork();
        assertThat(child.frameAt(p).pfn()).as("shared after fork").isEqualTo(a.frameAt(p).pfn());
        child.write(p + 9 * PAGE, fill('C', 4));
        assertThat(child.frameAt(p).pfn()).as("hugetlb_wp copied 1 GiB").isNotEqualTo(a.frameAt(p).pfn());
        assertThat(a.read(p + 9 * PAGE, 4)).containsOnly((byte) 'P');
        assertThat(child.read(p + 9 * PAGE, 4)).containsOnly((byte) 'C');
        assertThat(k.hugePages(Kernel.HUGE_PAGE_1GB).free()).isZero();
        child.exit();
        a.exit();
        assertThat(k.hugePages(Kernel.HUGE_PAGE_1GB)).isEqualTo(new HugePages(2, 2, 0));
        k.close();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({"LINUX_4_19, SHARES", "LINUX_5_8, SHARES", "LINUX_5_10, SHARES", "LINUX_6_1, COPIES", "LINUX_6_6, COPIES"})
    void forkOfAPinnedGiganticFolio(String model, String expected) {
        Kernel k = kernel(KernelModel.byName(model), 3);
        Process a = k.spawn("A");
        long p = a.mmap(GPAGE, RW, PRIVATE);
        a.write(p, fill('A', PAGE));
        GupPages pin = a.pinUserPages(p, 1, Foll.WRITE | Foll.LONGTERM, "rdma");
        Process child = a.fork();
        a.write(p, fill('B', 1));
        boolean pinSeesParent = pin.frame(0).read(0, 1)[0] == 'B';
        assertThat(pinSeesParent).as("HugetlbForkPinned on " + model).isEqualTo(expected.equals("COPIES"));
        pin.unpin(false);
        child.exit();
        a.exit();
        k.close();
    }

    @ParameterizedTest(name = "{0} fast={1}")
    @CsvSource({"LINUX_4_19, false", "LINUX_4_19, true", "LINUX_5_10, false", "LINUX_5_10, true", "LINUX_6_6, false", "LINUX_6_6, true"})
    void pinsThroughTheGupPathsCountOnTheFolio(String model, boolean fast) {
        Kernel k = kernel(KernelModel.byName(model), 1);
        Process a = k.spawn("A");
        long p = a.mmap(GPAGE, RW, PRIVATE);
        a.write(p, fill('A', 1));
        long at = p + GPAGE / 2 - PAGE;
        GupPages pin = fast ? a.pinUserPagesFast(at, 2, Foll.WRITE | Foll.LONGTERM, "dev") : a.pinUserPages(at, 2, Foll.WRITE | Foll.LONGTERM, "dev");
        assertThat(pin.count()).isEqualTo(2);
        Frame f = pin.frame(1);
        assertThat(f.pfn()).as("gup_huge_pud / follow_huge_pud: the head plus the offset").isEqualTo(a.frameAt(p).pfn() + 262_144 / 2);
        assertThat(f.compoundHead().pfn()).isEqualTo(a.frameAt(p).pfn());
        assertThat(f.refcount()).as("one PUD mapping + two pins counting 1 on a large folio").isEqualTo(3);
        assertThat(f.pincount()).isEqualTo(KernelModel.byName(model) == KernelModel.LINUX_4_19 ? 0 : 2);
        a.exit();
        assertThat(k.hugePages(Kernel.HUGE_PAGE_1GB).free()).as("the pins hold the folio").isZero();
        pin.unpin(false);
        assertThat(k.hugePages(Kernel.HUGE_PAGE_1GB).free()).isEqualTo(1);
        k.close();
    }

    @Test
    void aSharedMappingIsSharedWithTheChild() {
        Kernel k = kernel(KernelModel.LINUX_6_6, 1);
        Process a = k.spawn("A");
        long p = a.mmap(GPAGE, RW, SHARED);
        a.write(p, fill('S', 4));
        Process child = a.fork();
        child.write(p, fill('T', 4));
        assertThat(a.read(p, 4)).containsOnly((byte) 'T');
        assertThat(a.frameAt(p).refcount()).as("two PUD mappings and the page cache").isEqualTo(3);
        child.exit();
        a.exit();
        assertThat(k.hugePages(Kernel.HUGE_PAGE_1GB)).isEqualTo(new HugePages(1, 1, 0));
        k.close();
    }

    @Test
    void memfdWithGiganticPages() {
        Kernel k = kernel(KernelModel.LINUX_6_6, 1);
        Process a = k.spawn("A");
        OpenFile f = a.memfdCreate("g", MemfdFlags.HUGETLB | MemfdFlags.HUGE_1GB);
        assertThat(f.inode().filesystem().kind()).isEqualTo(FsKind.HUGETLBFS);
        assertThat(errnoOf(() -> f.ftruncate(2L << 20))).as("hugetlbfs_setattr: a multiple of 1 GiB").isEqualTo(Errno.EINVAL);
        f.ftruncate(GPAGE);
        assertThat(errnoOf(() -> a.mmap(0, GPAGE, RW, MapFlags.SHARED, f, 2L << 20))).as("hugetlbfs_file_mmap: a 1 GiB offset").isEqualTo(Errno.EINVAL);
        long p = a.mmap(0, GPAGE, RW, MapFlags.SHARED, f, 0);
        assertThat(p % GPAGE).isZero();
        assertThat(k.hugePages(Kernel.HUGE_PAGE_1GB)).isEqualTo(new HugePages(1, 1, 1));
        a.write(p + 3 * PAGE, fill('M', 4));
        long q = a.mmap(0, GPAGE, RW, MapFlags.SHARED, f, 0);
        assertThat(a.read(q + 3 * PAGE, 4)).as("the page cache's one folio").containsOnly((byte) 'M');
        assertThat(a.pteAt(q)).contains("PUD-mapped");
        assertThat(f.pread(3L * PAGE, 4)).containsOnly((byte) 'M');
        a.munmap(p, GPAGE);
        a.munmap(q, GPAGE);
        f.close();
        assertThat(k.hugePages(Kernel.HUGE_PAGE_1GB)).as("evicted with its last reference").isEqualTo(new HugePages(1, 1, 0));
        k.close();
    }

    @Test
    void nrHugepagesOfTheGiganticPoolAtRunTime() {
        Kernel k = Fixtures.builder(KernelModel.LINUX_4_19).memoryFrames(2L * 262_144 + 1000).build();
        assertThat(k.setNrHugepages(Kernel.HUGE_PAGE_1GB, 5)).as("alloc_gigantic_page at run time, as far as memory allows").isEqualTo(2);
        assertThat(k.hugePages(Kernel.HUGE_PAGE_1GB)).isEqualTo(new HugePages(2, 2, 0));
        assertThat(k.setNrHugepages(Kernel.HUGE_PAGE_1GB, 0)).isZero();
        assertThat(k.freeFrames()).isEqualTo(2L * 262_144 + 1000);
        k.close();
    }

    /**
     * Before 5.16 ({@link io.pinsim.runtime.model.HugetlbMremap#REFUSED}, LINUX_5_10) mremap() takes
     * the lengths as given, so shrinking to a cut inside a 1 GiB page fails in do_munmap()'s
     * hugetlb_vm_op_split(); from 5.16 (550a7d60bd5e) both lengths are first rounded up to the huge page
     * size, so the same call is a no-op that returns the address.
     */
    @Test
    void mremapShrinksOnlyAtOneGibBoundaries() {
        Kernel k6 = kernel(KernelModel.LINUX_6_6, 2);
        Process b = k6.spawn("B");
        long q = b.mmap(2 * GPAGE, RW, PRIVATE);
        b.write(q + GPAGE, fill('B', 4));
        assertThat(b.mremap(q, 2 * GPAGE, GPAGE + (2L << 20), 0, 0)).as("6.6 rounds GPAGE + 2 MiB up to 2 GiB: nothing to do").isEqualTo(q);
        assertThat(b.read(q + GPAGE, 4)).containsOnly((byte) 'B');
        k6.close();
        Kernel k = kernel(KernelModel.LINUX_5_10, 2);
        Process a = k.spawn("A");
        long p = a.mmap(2 * GPAGE, RW, PRIVATE);
        a.write(p, fill('A', 4));
        a.write(p + GPAGE, fill('B', 4));
        assertThat(errnoOf(() -> a.mremap(p, 2 * GPAGE, GPAGE + (2L << 20), 0, 0))).as("a cut inside the second 1 GiB page").isEqualTo(Errno.EINVAL);
        assertThat(a.read(p + GPAGE, 4)).as("nothing changed").containsOnly((byte) 'B');
        assertThat(a.mremap(p, 2 * GPAGE, GPAGE, 0, 0)).isEqualTo(p);
        assertThat(a.read(p, 4)).containsOnly((byte) 'A');
        assertThat(k.hugePages(Kernel.HUGE_PAGE_1GB)).as("the second folio went back to the pool").isEqualTo(new HugePages(2, 1, 0));
        k.close();
    }

    /**
     * 5.16+ (550a7d60bd5e, {@link io.pinsim.runtime.model.HugetlbMremap#ALIGNED_MOVE}): a 1 GiB
     * mapping moves to a 1 GiB-aligned address with its one PUD entry (move_hugetlb_page_tables()),
     * the pinned folio staying the mapped one; a target aligned to 2 MiB only is EINVAL.
     */
    @Test
    void anAlignedMoveCarriesThePudEntry() {
        Kernel k = kernel(KernelModel.LINUX_6_6, 2);
        Process a = k.spawn("A");
        long p = a.mmap(GPAGE, RW, PRIVATE);
        a.write(p + 4096, fill('M', 4));
        long pfn = a.frameAt(p).pfn();
        GupPages pin = a.pinUserPages(p + 4096, 1, Foll.WRITE | Foll.LONGTERM, "rdma0");
        assertThat(errnoOf(() -> a.mremap(p, GPAGE, GPAGE, MremapFlags.MAYMOVE | MremapFlags.FIXED, 0x7f0000200000L)))
                .as("a target aligned to 2 MiB only").isEqualTo(Errno.EINVAL);
        long target = 0x7f0040000000L;
        assertThat(a.mremap(p, GPAGE, GPAGE, MremapFlags.MAYMOVE | MremapFlags.FIXED, target)).isEqualTo(target);
        assertThat(a.pteAt(target)).contains("PUD-mapped");
        assertThat(a.frameAt(target).pfn()).as("moved, not copied").isEqualTo(pfn);
        a.write(target + 4096, fill('N', 4));
        assertThat(pin.read(0, 4)).as("the pin sees the write at the new address").containsOnly((byte) 'N');
        k.checkInvariants();
        pin.unpin(false);
        a.munmap(target, GPAGE);
        assertThat(k.hugePages(Kernel.HUGE_PAGE_1GB)).isEqualTo(new HugePages(2, 2, 0));
        k.close();
    }

    @Test
    void badPageSizesAreRefused() {
        assertThatThrownBy(() -> Kernel.builder().hugetlbPages(4L << 20, 1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("HUGE_PAGE_1GB");
        assertThatThrownBy(() -> Kernel.builder().hugetlbPages(Kernel.HUGE_PAGE_1GB, -1)).isInstanceOf(IllegalArgumentException.class);
        Kernel k = kernel(KernelModel.LINUX_6_6, 0);
        assertThatThrownBy(() -> k.hugePages(4096)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("HUGE_PAGE_2MB");
        assertThatThrownBy(() -> k.setNrHugepages(4096, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> k.setNrHugepages(Kernel.HUGE_PAGE_1GB, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(k.hugePages(Kernel.HUGE_PAGE_1GB)).isEqualTo(new HugePages(0, 0, 0));
        k.close();
    }
}
