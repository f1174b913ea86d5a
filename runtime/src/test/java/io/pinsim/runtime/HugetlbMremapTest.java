package io.pinsim.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pinsim.runtime.model.HugetlbMremap;
import io.pinsim.runtime.model.KernelModel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * mremap() of hugetlb mappings (found by the fuzzer when hugetlb and mremap met): a shrink in
 * place unmaps whole huge pages or is EINVAL inside one (do_munmap() -> hugetlb_vm_op_split(), or
 * do_mremap()'s alignment check from 5.16); growing one is EINVAL; moving one is EINVAL before 5.16
 * (vma_to_resize()) and from 5.16 moves its huge PMDs when both addresses are aligned
 * (550a7d60bd5e, {@link HugetlbMremap}); a MREMAP_FIXED target inside a hugetlb page is EINVAL.
 * Nothing changes on a refusal and nothing leaks.
 */
class HugetlbMremapTest {
    static final long H = 2L << 20;

    static java.util.List<KernelModel> models() {
        return KernelModel.all();
    }

    private static Kernel kernel(KernelModel m) {
        return Kernel.builder().model(m).hugetlbPages(4).build();
    }

    @ParameterizedTest
    @MethodSource("models")
    void aShrinkInsideAHugePageIsEinvalAndChangesNothing(KernelModel m) {
        try (Kernel k = kernel(m)) {
            Process p = k.spawn("P");
            long b = p.mmap(16384, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.HUGETLB);
            p.write(b, new byte[] {'x'});
            assertThatThrownBy(() -> p.mremap(b + 0x32000, 12288, 8192, 0, 0)).isInstanceOfSatisfying(ErrnoException.class,
                    e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
            assertThat(p.read(b, 1)[0]).isEqualTo((byte) 'x');
            assertThat(p.vmas()).hasSize(1);
        }
    }

    @ParameterizedTest
    @MethodSource("models")
    void anAlignedShrinkUnmapsWholeHugePages(KernelModel m) {
        try (Kernel k = kernel(m)) {
            Process p = k.spawn("P");
            long b = p.mmap(2 * H, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.HUGETLB);
            p.fill(b, 2 * H, (byte) 'y');
            assertThat(k.hugePages().free()).isEqualTo(2);
            assertThat(p.mremap(b, 2 * H, H, 0, 0)).isEqualTo(b);
            assertThat(k.hugePages().free()).as("the second huge page went back to the pool").isEqualTo(3);
            assertThat(p.read(b, 1)[0]).isEqualTo((byte) 'y');
        }
    }

    /** Growing is EINVAL on every model; moving is EINVAL in vma_to_resize() before 5.16 and works from 5.16 (550a7d60bd5e) for aligned addresses. */
    @ParameterizedTest
    @MethodSource("models")
    void growingIsEinvalEverywhereAndAnAlignedMoveWorksFrom516(KernelModel m) {
        try (Kernel k = kernel(m)) {
            Process p = k.spawn("P");
            long b = p.mmap(H, Prot.READ | Prot.WRITE, MapFlags.SHARED | MapFlags.ANONYMOUS | MapFlags.HUGETLB);
            p.write(b, new byte[] {'z'});
            long pfn = p.frameAt(b).pfn();
            long target = 0x7f0000800000L;
            assertThatThrownBy(() -> p.mremap(b, H, 2 * H, MremapFlags.MAYMOVE, 0)).isInstanceOfSatisfying(ErrnoException.class,
                    e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
            if (m.get(HugetlbMremap.class) == HugetlbMremap.REFUSED) {
                assertThatThrownBy(() -> p.mremap(b, H, H, MremapFlags.MAYMOVE | MremapFlags.FIXED, target)).isInstanceOfSatisfying(ErrnoException.class,
                        e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL)).hasMessageContaining("vma_to_resize");
                assertThat(p.read(b, 1)[0]).isEqualTo((byte) 'z');
            } else {
                assertThat(p.mremap(b, H, H, MremapFlags.MAYMOVE | MremapFlags.FIXED, target)).isEqualTo(target);
                assertThat(p.read(target, 1)[0]).isEqualTo((byte) 'z');
                assertThat(p.frameAt(target).pfn()).as("the folio moved with its PMD, not copied").isEqualTo(pfn);
                assertThat(p.pteAt(target)).contains("PMD-mapped");
                assertThat(p.vmaAt(b)).isNull();
            }
            k.checkInvariants();
        }
    }

    /**
     * 5.16+: a private mapping's reservation map goes with the moved VMA (clear_vma_resv_huge_pages()
     * on the old one): the unconsumed reservation stays, the next fault at the new address consumes
     * it, and the last unmap gives everything back.
     */
    @ParameterizedTest
    @MethodSource("models")
    void anAlignedMoveKeepsThePrivateReservationsFrom516(KernelModel m) {
        org.junit.jupiter.api.Assumptions.assumeTrue(m.get(HugetlbMremap.class) == HugetlbMremap.ALIGNED_MOVE);
        try (Kernel k = kernel(m)) {
            Process p = k.spawn("P");
            long b = p.mmap(2 * H, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.HUGETLB);
            p.write(b, new byte[] {'a'});
            GupPages pin = p.pinUserPages(b, 1, Foll.WRITE | Foll.LONGTERM, "rdma0");
            assertThat(k.hugePages()).isEqualTo(new HugePages(4, 3, 1));
            long target = 0x7f0001000000L;
            assertThat(p.mremap(b, 2 * H, 2 * H, MremapFlags.MAYMOVE | MremapFlags.FIXED, target)).isEqualTo(target);
            assertThat(k.hugePages()).as("nothing released or reserved by the move").isEqualTo(new HugePages(4, 3, 1));
            p.write(target, new byte[] {'b'});
            assertThat(pin.read(0, 1)[0]).as("the pinned folio is still the mapped one").isEqualTo((byte) 'b');
            p.write(target + H, new byte[] {'c'});
            assertThat(k.hugePages()).as("the fault at the new address consumed the reservation").isEqualTo(new HugePages(4, 2, 0));
            k.checkInvariants();
            pin.unpin(false);
            p.munmap(target, 2 * H);
            assertThat(k.hugePages()).isEqualTo(new HugePages(4, 4, 0));
        }
    }

    /** 5.16+: do_mremap() rounds a hugetlb VMA's lengths up to its huge page size and checks both addresses' alignment, the new one even unused (EINVAL). */
    @ParameterizedTest
    @MethodSource("models")
    void lengthsRoundUpAndBothAddressesMustBeAlignedFrom516(KernelModel m) {
        org.junit.jupiter.api.Assumptions.assumeTrue(m.get(HugetlbMremap.class) == HugetlbMremap.ALIGNED_MOVE);
        try (Kernel k = kernel(m)) {
            Process p = k.spawn("P");
            long b = p.mmap(2 * H, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.HUGETLB);
            p.write(b + H, new byte[] {'r'});
            assertThat(p.mremap(b, 2 * H, H + 4096, 0, 0)).as("H + 4 KiB rounds up to 2 H: nothing to shrink").isEqualTo(b);
            assertThat(p.read(b + H, 1)[0]).isEqualTo((byte) 'r');
            assertThatThrownBy(() -> p.mremap(b, 2 * H, 2 * H, MremapFlags.MAYMOVE, b + 4096)).isInstanceOfSatisfying(ErrnoException.class,
                    e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL)).hasMessageContaining("new address");
            assertThatThrownBy(() -> p.mremap(b + 4096, 4096, 4096, MremapFlags.MAYMOVE | MremapFlags.FIXED, 0x7f0001000000L))
                    .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL)).hasMessageContaining("not aligned");
            assertThatThrownBy(() -> p.mremap(b, 2 * H, 2 * H, MremapFlags.MAYMOVE | MremapFlags.DONTUNMAP, 0x7f0001000000L))
                    .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL)).hasMessageContaining("VM_DONTEXPAND");
            assertThat(p.vmas()).hasSize(1);
            k.checkInvariants();
        }
    }

    /** 5.16+: a shared mapping's move keeps the page-cache folio, which another mapping of the same file still sees. */
    @ParameterizedTest
    @MethodSource("models")
    void aMovedSharedMappingStillSharesTheFileFrom516(KernelModel m) {
        org.junit.jupiter.api.Assumptions.assumeTrue(m.get(HugetlbMremap.class) == HugetlbMremap.ALIGNED_MOVE);
        try (Kernel k = kernel(m)) {
            Process p = k.spawn("P");
            OpenFile f = p.memfdCreate("shared", MemfdFlags.HUGETLB);
            f.ftruncate(H);
            long a = p.mmap(0, H, Prot.READ | Prot.WRITE, MapFlags.SHARED, f, 0);
            long c = p.mmap(0, H, Prot.READ | Prot.WRITE, MapFlags.SHARED, f, 0);
            p.write(a, new byte[] {'s'});
            long target = 0x7f0001000000L;
            assertThat(p.mremap(a, H, H, MremapFlags.MAYMOVE | MremapFlags.FIXED, target)).isEqualTo(target);
            p.write(target, new byte[] {'t'});
            assertThat(p.read(c, 1)[0]).isEqualTo((byte) 't');
            assertThat(k.hugePages().free()).isEqualTo(3);
            k.checkInvariants();
        }
    }

    @ParameterizedTest
    @MethodSource("models")
    void aFixedTargetInsideAHugePageIsEinval(KernelModel m) {
        try (Kernel k = kernel(m)) {
            Process p = k.spawn("P");
            long h = p.mmap(H, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.HUGETLB);
            p.write(h, new byte[] {'h'});
            long small = p.mmap(8192, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
            assertThatThrownBy(() -> p.mremap(small, 8192, 8192, MremapFlags.MAYMOVE | MremapFlags.FIXED, h + 0x10000)).isInstanceOfSatisfying(ErrnoException.class,
                    e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
            assertThat(p.read(h, 1)[0]).isEqualTo((byte) 'h');
        }
    }
}
