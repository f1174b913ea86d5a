package io.pinsim.runtime;

import static io.pinsim.runtime.Fixtures.ANON_PRIVATE;
import static io.pinsim.runtime.Fixtures.PAGE;
import static io.pinsim.runtime.Fixtures.RW;
import static io.pinsim.runtime.Fixtures.builder;
import static org.assertj.core.api.Assertions.assertThat;

import io.pinsim.runtime.model.KernelModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The anonymous test cases of upstream tools/testing/selftests/mm/cow.c (David Hildenbrand, 2022;
 * anon_test_cases[], the two io_uring cases included: {@link #doTestIouring}) on the base page and the swapped-out base page
 * (run_with_base_page(), run_with_base_page_swap()) and on do_run_with_thp()'s THP variants:
 * THP_RUN_PMD ("with THP"), THP_RUN_PTE ("with PTE-mapped THP": mprotect() of one subpage R/O and
 * back splits the PMD), THP_RUN_SINGLE_PTE ("with single PTE of THP": MADV_DONTNEED of all but the
 * first subpage), their swapped-out forms THP_RUN_*_SWAPOUT (the variant, then MADV_PAGEOUT, checked
 * with range_is_swapped(); see ThpReclaim for what the kernel does with the THP),
 * THP_RUN_PARTIAL_MREMAP ("with partially mremap()'ed THP": the second half moved elsewhere with
 * MREMAP_FIXED, which splits the PMD) and THP_RUN_PARTIAL_SHARED ("with partially shared THP": only
 * the first subpage was ever shared with a child). Each case asserts what cow.c counts as a pass;
 * cow.c is written for the anon-exclusive kernels (5.19 and later), where all of them pass on THPs
 * (only hugetlb's vmsplice cases are XFAIL there), and the model agrees: every case and variant on
 * LINUX_6_6, every case on the PMD-mapped and the swapped-out THP on LINUX_6_1. The older eras'
 * documented THP outcomes are in {@link ThpTest} and the {@code vmsplice-thp-leak} and
 * {@code fork-pinned-thp} samples. Not here: hugetlb, the huge zero page and the collapse cases.
 */
class CowSelftestThpTest {
    private static final int THP = 2 << 20;

    enum ThpRun {
        WITH_BASE_PAGE, WITH_SWAPPED_OUT_BASE_PAGE, WITH_THP, WITH_SWAPPED_OUT_THP, WITH_PTE_MAPPED_THP, WITH_SWAPPED_OUT_PTE_MAPPED_THP,
        WITH_SINGLE_PTE_OF_THP, WITH_SWAPPED_OUT_SINGLE_PTE_OF_THP, WITH_PARTIALLY_MREMAPPED_THP, WITH_PARTIALLY_SHARED_THP;

        boolean swapout() {
            return name().contains("SWAPPED_OUT");
        }
    }

    enum AnonCase {
        BASIC_COW_AFTER_FORK("Basic COW after fork()"),
        BASIC_COW_AFTER_FORK_WITH_MPROTECT_OPTIMIZATION("Basic COW after fork() with mprotect() optimization"),
        VMSPLICE_UNMAP_IN_CHILD("vmsplice() + unmap in child"),
        VMSPLICE_UNMAP_IN_CHILD_WITH_MPROTECT_OPTIMIZATION("vmsplice() + unmap in child with mprotect() optimization"),
        VMSPLICE_BEFORE_FORK_UNMAP_IN_PARENT_AFTER_FORK("vmsplice() before fork(), unmap in parent after fork()"),
        VMSPLICE_UNMAP_IN_PARENT_AFTER_FORK("vmsplice() + unmap in parent after fork()"),
        IOURING_RO("R/O-mapping a page registered as iouring fixed buffer"),
        IOURING_FORK("fork() with an iouring fixed buffer"),
        RO_GUP_PIN_ON_RO_MAPPED_SHARED_PAGE("R/O GUP pin on R/O-mapped shared page"),
        RO_GUP_FAST_PIN_ON_RO_MAPPED_SHARED_PAGE("R/O GUP-fast pin on R/O-mapped shared page"),
        RO_GUP_PIN_ON_RO_MAPPED_PREVIOUSLY_SHARED_PAGE("R/O GUP pin on R/O-mapped previously-shared page"),
        RO_GUP_FAST_PIN_ON_RO_MAPPED_PREVIOUSLY_SHARED_PAGE("R/O GUP-fast pin on R/O-mapped previously-shared page"),
        RO_GUP_PIN_ON_RO_MAPPED_EXCLUSIVE_PAGE("R/O GUP pin on R/O-mapped exclusive page"),
        RO_GUP_FAST_PIN_ON_RO_MAPPED_EXCLUSIVE_PAGE("R/O GUP-fast pin on R/O-mapped exclusive page");

        final String desc;

        AnonCase(String desc) {
            this.desc = desc;
        }
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (ThpRun run : ThpRun.values()) {
            for (AnonCase c : AnonCase.values()) {
                out.add(Arguments.of("LINUX_6_6", run, c));
            }
        }
        for (AnonCase c : AnonCase.values()) {
            out.add(Arguments.of("LINUX_6_1", ThpRun.WITH_THP, c));
            out.add(Arguments.of("LINUX_6_1", ThpRun.WITH_SWAPPED_OUT_THP, c));
        }
        return out.stream();
    }

    /** do_run_with_base_page(): one page, MADV_NOHUGEPAGE, memset to 1, paged out for the swapped-out variant; returns {mem, size}. */
    private static long[] doRunWithBasePage(Process p, boolean swapout) {
        long mem = p.mmap(PAGE, RW, ANON_PRIVATE);
        p.madvise(mem, PAGE, Advice.NOHUGEPAGE);
        p.fill(mem, PAGE, (byte) 1);
        if (swapout) {
            p.madvise(mem, PAGE, Advice.PAGEOUT);
            assertRangeIsSwapped(p, mem, PAGE);
        }
        return new long[] {mem, PAGE};
    }

    /** range_is_swapped(): every page's PTE is a swap entry (else cow.c skips: "MADV_PAGEOUT did not work"). */
    private static void assertRangeIsSwapped(Process p, long mem, long size) {
        for (long a = mem; a < mem + size; a += PAGE) {
            assertThat(p.pteAt(a)).as("swapped out at %s", Kernel.hex(a)).contains("swap");
        }
    }

    /** do_run_with_thp(): a 2 MiB-aligned THP (MADV_HUGEPAGE, memset to 1), prepared as the variant asks; returns {mem, size}. */
    private static long[] doRunWithThp(Process p, ThpRun run) {
        if (run == ThpRun.WITH_BASE_PAGE || run == ThpRun.WITH_SWAPPED_OUT_BASE_PAGE) {
            return doRunWithBasePage(p, run.swapout());
        }
        long mmapMem = p.mmap(2L * THP, RW, ANON_PRIVATE);
        long mem = (mmapMem + THP) & -(long) THP;
        p.madvise(mem, THP, Advice.HUGEPAGE);
        p.fill(mem, THP, (byte) 1);
        assertThat(p.frameAt(mem + THP - PAGE).isCompound()).as("a THP got populated").isTrue();
        long size = THP;
        switch (run) {
            case WITH_THP, WITH_SWAPPED_OUT_THP -> assertThat(p.pteAt(mem)).contains("PMD-mapped");
            case WITH_PTE_MAPPED_THP, WITH_SWAPPED_OUT_PTE_MAPPED_THP -> {
                p.mprotect(mem + PAGE, PAGE, Prot.READ);
                p.mprotect(mem + PAGE, PAGE, RW);
                assertThat(p.pteAt(mem)).doesNotContain("PMD-mapped");
            }
            case WITH_SINGLE_PTE_OF_THP, WITH_SWAPPED_OUT_SINGLE_PTE_OF_THP -> {
                p.madvise(mem + PAGE, THP - PAGE, Advice.DONTNEED);
                size = PAGE;
            }
            case WITH_PARTIALLY_MREMAPPED_THP -> {
                // THP_RUN_PARTIAL_MREMAP: the second half moves to a new PROT_NONE mapping; the test runs on the first half.
                long mremapSize = THP / 2;
                long mremapMem = p.mmap(mremapSize, Prot.NONE, ANON_PRIVATE);
                assertThat(p.mremap(mem + mremapSize, mremapSize, mremapSize, MremapFlags.MAYMOVE | MremapFlags.FIXED, mremapMem)).isEqualTo(mremapMem);
                assertThat(p.frameAt(mremapMem).compoundHead().pfn()).as("the moved half is still part of the THP").isEqualTo(p.frameAt(mem).pfn());
                size = mremapSize;
            }
            case WITH_PARTIALLY_SHARED_THP -> {
                p.madvise(mem + PAGE, THP - PAGE, Advice.DONTFORK);
                p.fork().exit();
                p.madvise(mem + PAGE, THP - PAGE, Advice.DOFORK);
            }
            default -> throw new IllegalStateException(run.name());
        }
        if (run.swapout()) {
            // THP_RUN_*_SWAPOUT: MADV_PAGEOUT of the prepared range (ThpReclaim: whole, or split first)
            p.madvise(mem, size, Advice.PAGEOUT);
            assertRangeIsSwapped(p, mem, size);
        }
        return new long[] {mem, size};
    }

    @ParameterizedTest(name = "{2} ... {1} on {0}")
    @MethodSource("cases")
    void anonTestCasePassesOnThp(String model, ThpRun run, AnonCase c) {
        Kernel k = builder(KernelModel.byName(model)).transparentHugepage(TransparentHugepage.MADVISE).build();
        Process p = k.spawn("parent");
        long[] ms = doRunWithThp(p, run);
        long mem = ms[0];
        int size = (int) ms[1];
        byte[] old = p.read(mem, size);
        switch (c) {
            case BASIC_COW_AFTER_FORK, BASIC_COW_AFTER_FORK_WITH_MPROTECT_OPTIMIZATION -> {
                // do_test_cow_in_parent() with child_memcmp_fn: the child must still read the old values.
                Process child = p.fork();
                mprotectOptimization(p, mem, size, c == AnonCase.BASIC_COW_AFTER_FORK_WITH_MPROTECT_OPTIMIZATION);
                p.fill(mem, size, (byte) 0xff);
                assertThat(child.read(mem, size)).as("No leak from parent into child").isEqualTo(old);
            }
            case VMSPLICE_UNMAP_IN_CHILD, VMSPLICE_UNMAP_IN_CHILD_WITH_MPROTECT_OPTIMIZATION -> {
                // child_vmsplice_memcmp_fn(): vmsplice (a R/O GUP), unmap, the parent modifies, read the pipe.
                Process child = p.fork();
                Pipe pipe = child.pipe();
                int transferred = child.vmsplice(pipe, mem, size);
                child.munmap(mem, size);
                mprotectOptimization(p, mem, size, c == AnonCase.VMSPLICE_UNMAP_IN_CHILD_WITH_MPROTECT_OPTIMIZATION);
                p.fill(mem, size, (byte) 0xff);
                assertThat(pipe.read(child, transferred)).as("No leak from parent into child").isEqualTo(Arrays.copyOf(old, transferred));
            }
            case VMSPLICE_BEFORE_FORK_UNMAP_IN_PARENT_AFTER_FORK, VMSPLICE_UNMAP_IN_PARENT_AFTER_FORK -> {
                // do_test_vmsplice_in_parent(): the child modifies after the parent unmapped.
                Pipe pipe = p.pipe();
                boolean before = c == AnonCase.VMSPLICE_BEFORE_FORK_UNMAP_IN_PARENT_AFTER_FORK;
                int transferred = before ? p.vmsplice(pipe, mem, size) : 0;
                Process child = p.fork();
                if (!before) {
                    transferred = p.vmsplice(pipe, mem, size);
                }
                p.munmap(mem, size);
                child.fill(mem, size, (byte) 0xff);
                child.exit();
                assertThat(pipe.read(p, transferred)).as("No leak from child into parent").isEqualTo(Arrays.copyOf(old, transferred));
            }
            case IOURING_RO, IOURING_FORK -> assertThat(doTestIouring(p, mem, size, c == AnonCase.IOURING_FORK)).isEqualTo(Outcome.PASS);
            default -> assertThat(doTestRoPin(p, mem, size, mem, size, c)).as("Longterm R/O pin is reliable").isTrue();
        }
        k.checkInvariants();
    }

    /** What one cow.c test reports: pass, fail (a leak or an unreliable pin) or skip (the kernel lacks support). */
    enum Outcome { PASS, FAIL, SKIP }

    /**
     * do_test_iouring(): io_uring_queue_init() and io_uring_register_buffers() of the range (a
     * FOLL_WRITE|FOLL_PIN|FOLL_LONGTERM pin; either failing is a SKIP, "we might just lack kernel
     * support"), then fork() with the child kept alive (test_iouring_fork: the pinned page must not
     * get shared with the child) or mprotect(PROT_READ), clear_softdirty(), mprotect back
     * (test_iouring_ro), memset(0xff), IORING_OP_WRITE_FIXED of the buffer to a tmpfile() and a
     * pread() back: PASS if the file holds what the process now reads ("Longterm R/W pin is
     * reliable"). Used by the THP and the hugetlb tests.
     */
    static Outcome doTestIouring(Process p, long mem, int size, boolean useFork) {
        return doTestIouring(p, mem, size, mem, size, useFork);
    }

    /**
     * do_test_iouring() on {@code size} bytes at {@code mem} inside the mapping
     * [{@code mapStart}, {@code mapStart + mapLen}), which the R/O case's mprotect() covers whole (a
     * hugetlb mapping cannot be mprotect()ed inside a huge page).
     */
    static Outcome doTestIouring(Process p, long mem, int size, long mapStart, long mapLen, boolean useFork) {
        Kernel k = p.kernel();
        OpenFile file = p.open(k.mount(FsKind.TMPFS).create("tmpfile"), OpenFlags.RDWR);
        IoUring ring;
        try {
            ring = p.ioUringSetup();
        } catch (ErrnoException e) {
            return Outcome.SKIP;
        }
        try {
            ring.registerBuffer(mem, size);
        } catch (ErrnoException e) {
            ring.close();
            return Outcome.SKIP;
        }
        Process child = null;
        if (useFork) {
            child = p.fork();
        } else {
            p.mprotect(mapStart, mapLen, Prot.READ);
            p.clearSoftDirty();
            p.mprotect(mapStart, mapLen, RW);
        }
        p.fill(mem, size, (byte) 0xff);
        assertThat(ring.writeFixed(p, file, 0, 0, 0, size)).as("write_fixed").isEqualTo(size);
        boolean reliable = Arrays.equals(p.read(mem, size), file.pread(0, size));
        if (child != null) {
            child.exit();
        }
        ring.unregisterBuffers();
        ring.close();
        file.close();
        return reliable ? Outcome.PASS : Outcome.FAIL;
    }

    /**
     * The io_uring cases on the models before the anon-exclusive era, where cow.c's
     * expectation does not hold everywhere; each row is what the model's mechanisms give. 4.19
     * has no io_uring: SKIP. "R/O-mapping": the THP is mapped once, so do_huge_pmd_wp_page()'s
     * mapcount rule (kept for THPs until 5.17, {@link io.pinsim.runtime.model.ThpCow}) reuses
     * it under the pin on 5.8 and 5.10, while the base page on 5.10 is copied by the refcount
     * rule of do_wp_page() (09854ba94c6a): FAIL. "fork()": 5.8 shares the pinned page or THP
     * with the child (no early copy before 70e806e4e645, 5.9), so the parent's write copies away
     * from the pin: FAIL; 5.10 splits the pinned PMD and copies for the child
     * ({@link io.pinsim.runtime.model.ForkPinned#EARLY_COPY_ANY_PAGE}): PASS.
     */
    @ParameterizedTest(name = "{1} ... {2} on {0}: {3}")
    @org.junit.jupiter.params.provider.CsvSource({
        "LINUX_4_19, IOURING_RO,   WITH_BASE_PAGE, SKIP", "LINUX_4_19, IOURING_FORK, WITH_THP, SKIP",
        "LINUX_5_8,  IOURING_RO,   WITH_BASE_PAGE, PASS", "LINUX_5_8,  IOURING_RO,   WITH_THP, PASS",
        "LINUX_5_8,  IOURING_FORK, WITH_BASE_PAGE, FAIL", "LINUX_5_8,  IOURING_FORK, WITH_THP, FAIL",
        "LINUX_5_10, IOURING_RO,   WITH_BASE_PAGE, FAIL", "LINUX_5_10, IOURING_RO,   WITH_THP, PASS",
        "LINUX_5_10, IOURING_FORK, WITH_BASE_PAGE, PASS", "LINUX_5_10, IOURING_FORK, WITH_THP, PASS"})
    void iouringCasesBeforeTheAnonExclusiveEra(String model, AnonCase c, ThpRun run, Outcome expected) {
        Kernel k = builder(KernelModel.byName(model)).transparentHugepage(TransparentHugepage.MADVISE).build();
        Process p = k.spawn("parent");
        long[] ms = doRunWithThp(p, run);
        assertThat(doTestIouring(p, ms[0], (int) ms[1], c == AnonCase.IOURING_FORK)).as("%s %s on %s", c.desc, run, model).isEqualTo(expected);
        k.checkInvariants();
    }

    /** The "with mprotect() optimization" step: mprotect(PROT_READ) and back before the parent's write. */
    private static void mprotectOptimization(Process p, long mem, int size, boolean on) {
        if (on) {
            p.mprotect(mem, size, Prot.READ);
            p.mprotect(mem, size, RW);
        }
    }

    /**
     * do_test_ro_pin(): a R/O long-term pin (gup_test's PIN_LONGTERM_TEST_START), the memory modified, read back through the pin; true
     * if the pin saw the write. mprotect() covers the mapping [base, base + len); the pin and the
     * write cover [mem, mem + size).
     */
    static boolean doTestRoPin(Process p, long base, long len, long mem, int size, AnonCase c) {
        boolean fast = c.name().contains("FAST");
        Process child = null;
        if (c.name().contains("PREVIOUSLY_SHARED")) {
            p.fork().exit();
        } else if (c.name().contains("SHARED")) {
            child = p.fork();
        } else {
            p.mprotect(base, len, Prot.READ);
            p.clearSoftDirty();
            p.mprotect(base, len, RW);
        }
        int n = size / PAGE;
        GupPages pin = fast ? p.pinUserPagesFast(mem, n, Foll.LONGTERM, "gup_test") : p.pinUserPages(mem, n, Foll.LONGTERM, "gup_test");
        assertThat(pin.count()).isEqualTo(n);
        p.fill(mem, size, (byte) 0xff);
        boolean reliable = Arrays.equals(pin.read(0, size), p.read(mem, size));
        pin.unpin(false);
        if (child != null) {
            child.exit();
        }
        return reliable;
    }
}
