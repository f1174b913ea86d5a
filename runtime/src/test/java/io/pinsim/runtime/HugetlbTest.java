package io.pinsim.runtime;

import static io.pinsim.runtime.Fixtures.PAGE;
import static io.pinsim.runtime.Fixtures.RW;
import static io.pinsim.runtime.Fixtures.fill;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pinsim.runtime.model.KernelModel;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * hugetlb: the pool (nr_hugepages), mmap(MAP_HUGETLB) with its reservations and errnos,
 * hugetlb_no_page(), hugetlb_wp() per model, fork (copy_hugetlb_page_range()), pins, and the
 * vmsplice() leak that hugetlb keeps in every release after 5.8 (mm/hugetlb.c, upstream cow.c).
 */
class HugetlbTest {
    static final int HPAGE = 2 << 20;
    static final int PRIVATE = MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.HUGETLB;
    static final int SHARED = MapFlags.SHARED | MapFlags.ANONYMOUS | MapFlags.HUGETLB;

    static Kernel kernel(KernelModel model, int pool) {
        return Fixtures.builder(model).hugetlbPages(pool).build();
    }

    @Test
    void thePoolIsTakenAtBootAndReservedAtMmap() {
        Kernel k = kernel(KernelModel.LINUX_6_6, 4);
        assertThat(k.hugePages()).isEqualTo(new HugePages(4, 4, 0));
        assertThat(k.usedFrames()).as("the pool's frames are in use from boot").isEqualTo(4L * 512);
        Process a = k.spawn("A");
        long p = a.mmap(3L * HPAGE, RW, PRIVATE);
        assertThat(p % HPAGE).isZero();
        assertThat(k.hugePages()).isEqualTo(new HugePages(4, 4, 3));
        a.write(p, fill('A', 8));
        assertThat(k.hugePages()).as("the fault consumed one reservation").isEqualTo(new HugePages(4, 3, 2));
        assertThat(a.frameAt(p + HPAGE - PAGE).compoundHead().pfn()).isEqualTo(a.frameAt(p).pfn());
        assertThat(a.frameAt(p).nrPages()).isEqualTo(512);
        assertThat(a.pteAt(p)).contains("PMD-mapped 2 MiB hugetlb");
        a.munmap(p, 3L * HPAGE);
        assertThat(k.hugePages()).as("the folio back on the free list, the reservations released").isEqualTo(new HugePages(4, 4, 0));
        k.close();
    }

    /**
     * Found by the fuzzer: mremap()'s shrink and MREMAP_FIXED target go through do_munmap(), whose
     * split hugetlb_vm_op_split() refuses inside a huge page, before anything changes (5.10: from
     * 5.16 do_mremap()'s own alignment check refuses these first, see HugetlbMremapTest).
     */
    @Test
    void mremapCannotCutAHugetlbMappingInsideAHugePage() {
        Kernel k = kernel(KernelModel.LINUX_5_10, 2);
        Process a = k.spawn("A");
        long p = a.mmap(HPAGE, RW, PRIVATE);
        a.write(p, fill('M', 4));
        String pte = a.pteAt(p);
        assertThatThrownBy(() -> a.mremap(p + 0x32000, 3 * PAGE, 2 * PAGE, MremapFlags.MAYMOVE, 0)).isInstanceOf(ErrnoException.class)
                .satisfies(e -> assertThat(((ErrnoException) e).errno()).isEqualTo(Errno.EINVAL)).hasMessageContaining("hugetlb_vm_op_split");
        long q = a.mmap(HPAGE, RW, PRIVATE);
        assertThatThrownBy(() -> a.mremap(p, PAGE, PAGE, MremapFlags.MAYMOVE | MremapFlags.FIXED, q + PAGE)).isInstanceOf(ErrnoException.class)
                .satisfies(e -> assertThat(((ErrnoException) e).errno()).isEqualTo(Errno.EINVAL)).hasMessageContaining("hugetlb_vm_op_split");
        assertThat(a.pteAt(p)).as("still one PMD, not split").isEqualTo(pte);
        assertThat(a.vmas()).hasSize(2);
        assertThat(a.read(p, 4)).containsOnly((byte) 'M');
        k.close();
    }

    @Test
    void theLengthIsRoundedUpToTheHugePage() {
        Kernel k = kernel(KernelModel.LINUX_6_6, 2);
        Process a = k.spawn("A");
        long p = a.mmap(PAGE, RW, PRIVATE | MapFlags.HUGE_2MB);
        assertThat(a.vmaAt(p).length()).isEqualTo(HPAGE);
        assertThat(k.hugePages().reserved()).isEqualTo(1);
    }

    @Test
    void errnos() {
        Kernel k = kernel(KernelModel.LINUX_6_6, 1);
        Process a = k.spawn("A");
        assertThatThrownBy(() -> a.mmap(2L * HPAGE, RW, PRIVATE)).isInstanceOf(ErrnoException.class)
                .satisfies(e -> assertThat(((ErrnoException) e).errno()).isEqualTo(Errno.ENOMEM)).hasMessageContaining("hugetlb_reserve_pages");
        assertThatThrownBy(() -> a.mmap(HPAGE, RW, PRIVATE | MapFlags.HUGE_1GB)).as("the 1 GiB pool is empty").isInstanceOf(ErrnoException.class)
                .satisfies(e -> assertThat(((ErrnoException) e).errno()).isEqualTo(Errno.ENOMEM)).hasMessageContaining("1 GiB");
        assertThatThrownBy(() -> a.mmap(HPAGE, RW, PRIVATE | (22 << MapFlags.HUGE_SHIFT))).as("no 4 MiB hstate").isInstanceOf(ErrnoException.class)
                .satisfies(e -> assertThat(((ErrnoException) e).errno()).isEqualTo(Errno.EINVAL)).hasMessageContaining("hstate_sizelog");
        assertThatThrownBy(() -> a.mmap(0x7f0000001000L, HPAGE, RW, PRIVATE | MapFlags.FIXED)).isInstanceOf(ErrnoException.class)
                .satisfies(e -> assertThat(((ErrnoException) e).errno()).isEqualTo(Errno.EINVAL)).hasMessageContaining("prepare_hugepage_range");
        long p = a.mmap(HPAGE, RW, PRIVATE);
        a.write(p, fill('A', 4));
        assertThatThrownBy(() -> a.munmap(p, PAGE)).isInstanceOf(ErrnoException.class)
                .satisfies(e -> assertThat(((ErrnoException) e).errno()).isEqualTo(Errno.EINVAL)).hasMessageContaining("hugetlb_vm_op_split");
        assertThatThrownBy(() -> a.mprotect(p + PAGE, PAGE, Prot.READ)).isInstanceOf(ErrnoException.class)
                .satisfies(e -> assertThat(((ErrnoException) e).errno()).isEqualTo(Errno.EINVAL));
        assertThatThrownBy(() -> a.madvise(p + PAGE, HPAGE, Advice.DONTNEED)).isInstanceOf(ErrnoException.class)
                .satisfies(e -> assertThat(((ErrnoException) e).errno()).isEqualTo(Errno.EINVAL));
        assertThat(a.read(p, 4)).as("nothing changed").containsOnly((byte) 'A');
        assertThat(k.hugePages()).isEqualTo(new HugePages(1, 0, 0));
        k.close();
    }

    @Test
    void aFaultWithNoPageIsSigbus() {
        Kernel k = kernel(KernelModel.LINUX_6_6, 1);
        Process a = k.spawn("A");
        long p = a.mmap(HPAGE, RW, PRIVATE);
        a.write(p, fill('A', 4));
        Process child = a.fork();
        // the child has no reservation and the pool has no free page: its COW cannot be served
        assertThatThrownBy(() -> child.write(p, fill('C', 1))).isInstanceOf(SignalException.class)
                .satisfies(e -> assertThat(((SignalException) e).signal()).isEqualTo(Signal.SIGBUS));
        assertThat(a.read(p, 4)).containsOnly((byte) 'A');
    }

    @Test
    void theOwnerTakesThePageBackFromTheChildWhenItCannotCow() {
        Kernel k = kernel(KernelModel.LINUX_6_6, 1);
        Process a = k.spawn("A");
        long p = a.mmap(HPAGE, RW, PRIVATE);
        a.write(p, fill('A', 4));
        Process child = a.fork();
        a.write(p, fill('B', 4));
        assertThat(a.read(p, 4)).containsOnly((byte) 'B');
        assertThat(k.trace().render()).contains("unmap_ref_private");
        assertThatThrownBy(() -> child.read(p, 1)).isInstanceOf(SignalException.class)
                .satisfies(e -> assertThat(((SignalException) e).signal()).isEqualTo(Signal.SIGBUS));
        assertThat(k.log().contains("killed due to inadequate hugepage pool")).isTrue();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"LINUX_4_19", "LINUX_5_8", "LINUX_5_10", "LINUX_6_1", "LINUX_6_6"})
    void cowAfterForkCopiesTheWholeFolioInEveryModel(String model) {
        Kernel k = kernel(KernelModel.byName(model), 2);
        Process a = k.spawn("A");
        long p = a.mmap(HPAGE, RW, PRIVATE);
        a.fill(p, HPAGE, (byte) 'A');
        Process child = a.fork();
        assertThat(a.frameAt(p).entireMapcount()).isEqualTo(2);
        child.write(p + HPAGE - 1, fill('C', 1));
        assertThat(child.frameAt(p).pfn()).isNotEqualTo(a.frameAt(p).pfn());
        assertThat(child.read(p, 2)).containsOnly((byte) 'A');
        assertThat(child.read(p + HPAGE - 1, 1)).containsOnly((byte) 'C');
        assertThat(a.read(p + HPAGE - 1, 1)).containsOnly((byte) 'A');
        a.write(p, fill('B', 1));
        assertThat(k.trace().render()).contains("reused hugetlb folio");
        child.exit();
        a.exit();
        assertThat(k.hugePages()).isEqualTo(new HugePages(2, 2, 0));
        k.close();
    }

    @Test
    void aSharedMappingIsSharedWithTheChild() {
        Kernel k = kernel(KernelModel.LINUX_6_6, 1);
        Process a = k.spawn("A");
        long p = a.mmap(HPAGE, RW, SHARED);
        assertThat(k.hugePages().reserved()).isEqualTo(1);
        a.write(p, fill('A', 4));
        Process child = a.fork();
        child.write(p, fill('C', 4));
        assertThat(a.read(p, 4)).containsOnly((byte) 'C');
        assertThat(a.frameAt(p).refcount()).as("two PMD mappings and the page cache").isEqualTo(3);
        child.exit();
        a.munmap(p, HPAGE);
        assertThat(k.hugePages()).isEqualTo(new HugePages(1, 1, 0));
        k.close();
    }

    /**
     * cow.c's vmsplice_in_child on hugetlb: the parent's write reuses the folio (mapcount 1) while
     * the child's pipe still holds it, on every model but 5.8, whose GUP broke COW even for reads
     * (17839856fd58, for hugetlb too in __get_user_pages()). Upstream marks this XFAIL.
     */
    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({"LINUX_4_19, LEAKS", "LINUX_5_8, SAFE", "LINUX_5_10, LEAKS", "LINUX_6_1, LEAKS", "LINUX_6_6, LEAKS"})
    void vmspliceInChildLeaksTheParentsWriteOnHugetlb(String model, String expected) {
        Kernel k = kernel(KernelModel.byName(model), 2);
        Process parent = k.spawn("A");
        long p = parent.mmap(HPAGE, RW, PRIVATE);
        parent.write(p, fill('x', PAGE));
        Process child = parent.fork();
        Pipe pipe = child.pipe();
        child.vmsplice(pipe, p, PAGE);
        child.munmap(p, HPAGE);
        parent.write(p, fill('S', 6));
        String got = new String(pipe.read(child, 6), StandardCharsets.US_ASCII);
        assertThat(got).isEqualTo(expected.equals("LEAKS") ? "SSSSSS" : "xxxxxx");
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({"LINUX_4_19, SHARES", "LINUX_5_8, SHARES", "LINUX_5_10, SHARES", "LINUX_6_1, COPIES", "LINUX_6_6, COPIES"})
    void forkOfAPinnedFolio(String model, String expected) {
        Kernel k = kernel(KernelModel.byName(model), 3);
        Process a = k.spawn("A");
        long p = a.mmap(HPAGE, RW, PRIVATE);
        a.write(p, fill('A', PAGE));
        GupPages pin = a.pinUserPages(p, 1, Foll.WRITE | Foll.LONGTERM, "rdma");
        Process child = a.fork();
        a.write(p, fill('B', 1));
        boolean pinSeesParent = pin.frame(0).read(0, 1)[0] == 'B';
        if (expected.equals("COPIES")) {
            assertThat(child.frameAt(p).pfn()).isNotEqualTo(a.frameAt(p).pfn());
            assertThat(pinSeesParent).as("the parent kept the pinned folio").isTrue();
        } else {
            assertThat(pinSeesParent).as("the parent's write moved it off the pinned folio").isFalse();
        }
        pin.unpin(false);
        child.exit();
        a.exit();
        k.close();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"LINUX_4_19", "LINUX_5_8", "LINUX_5_10", "LINUX_6_1", "LINUX_6_6"})
    void pinsCountOnTheFolio(String model) {
        Kernel k = kernel(KernelModel.byName(model), 1);
        Process a = k.spawn("A");
        long p = a.mmap(HPAGE, RW, PRIVATE);
        GupPages pin = a.pinUserPages(p + 3 * PAGE, 2, Foll.WRITE | Foll.LONGTERM, "dev");
        Frame f = pin.frame(0);
        assertThat(f.compoundHead().pfn()).isEqualTo(a.frameAt(p).pfn());
        boolean biased = KernelModel.byName(model) != KernelModel.LINUX_4_19;
        assertThat(f.pincount()).isEqualTo(biased ? 2 : 0);
        assertThat(f.refcount()).as("one PMD mapping + two pins, each counting 1 on a large folio").isEqualTo(3);
        a.exit();
        assertThat(k.hugePages().free()).as("the pins hold the folio").isZero();
        pin.unpin(false);
        assertThat(k.hugePages().free()).isEqualTo(1);
        k.close();
    }

    @Test
    void nrHugepagesGrowsAndShrinksThePoolAtRunTime() {
        Kernel k = Fixtures.builder(KernelModel.LINUX_6_6).memoryFrames(4 * 512 + 100).build();
        assertThat(k.hugePages().total()).isZero();
        assertThat(k.setNrHugepages(8)).as("as many as memory allows").isEqualTo(4);
        Process a = k.spawn("A");
        long p = a.mmap(2L * HPAGE, RW, PRIVATE);
        a.write(p, fill('A', 1));
        assertThat(k.setNrHugepages(0)).as("the folio in use and the reserved one stay").isEqualTo(2);
        assertThat(k.freeFrames()).isEqualTo(2L * 512 + 100);
        a.munmap(p, 2L * HPAGE);
        assertThat(k.setNrHugepages(0)).isZero();
        assertThat(k.freeFrames()).isEqualTo(4L * 512 + 100);
        k.close();
    }

    /** Found by the fuzzer: migrate_vma_setup() refuses hugetlb VMAs; MADV_POPULATE_WRITE reports a fault with no page as EFAULT. */
    @Test
    void migrateVmaRefusesHugetlbAndPopulateReportsSigbusAsEfault() {
        Kernel k = kernel(KernelModel.LINUX_6_6, 1);
        Process a = k.spawn("A");
        long p = a.mmap(HPAGE, RW, PRIVATE);
        a.write(p, fill('A', 1));
        assertThatThrownBy(() -> k.migrateVma(a, p, 1, "owner")).isInstanceOf(ErrnoException.class)
                .satisfies(e -> assertThat(((ErrnoException) e).errno()).isEqualTo(Errno.EINVAL)).hasMessageContaining("is_vm_hugetlb_page");
        Process child = a.fork();
        assertThatThrownBy(() -> child.madvise(p, HPAGE, Advice.POPULATE_WRITE)).isInstanceOf(ErrnoException.class)
                .satisfies(e -> assertThat(((ErrnoException) e).errno()).isEqualTo(Errno.EFAULT)).hasMessageContaining("hugetlb_no_page");
        k.close();
    }

    /** Found by the fuzzer: a pinned folio of a shared hugetlb mapping outlives the mapping and returns to the pool at unpin. */
    @Test
    void aPinnedSharedFolioOutlivesItsMappingAndReturnsToThePool() {
        Kernel k = kernel(KernelModel.LINUX_6_6, 1);
        Process a = k.spawn("A");
        long p = a.mmap(HPAGE, RW, SHARED);
        GupPages pin = a.pinUserPages(p + 5 * PAGE, 3, Foll.LONGTERM, "dev");
        a.munmap(p, HPAGE);
        assertThat(pin.frame(0).isInPageCache()).as("evicted with the inode").isFalse();
        assertThat(k.hugePages()).isEqualTo(new HugePages(1, 0, 0));
        pin.unpin(false);
        assertThat(k.hugePages()).isEqualTo(new HugePages(1, 1, 0));
        k.close();
    }
}
