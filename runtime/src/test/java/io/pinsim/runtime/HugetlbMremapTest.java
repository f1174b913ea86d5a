package io.pinsim.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pinsim.runtime.model.KernelModel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * mremap() of hugetlb mappings (found by the fuzzer when hugetlb and mremap met): a shrink in
 * place unmaps whole huge pages or is EINVAL inside one (do_munmap() -> hugetlb_vm_op_split());
 * growing or moving one is EINVAL (vma_to_resize() before 5.16; the 5.16+ aligned move,
 * 550a7d60bd5e, is not modelled); a MREMAP_FIXED target inside a hugetlb page is EINVAL. Nothing
 * changes on a refusal and nothing leaks.
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

    @ParameterizedTest
    @MethodSource("models")
    void movingOrGrowingAHugetlbMappingIsEinval(KernelModel m) {
        try (Kernel k = kernel(m)) {
            Process p = k.spawn("P");
            long b = p.mmap(H, Prot.READ | Prot.WRITE, MapFlags.SHARED | MapFlags.ANONYMOUS | MapFlags.HUGETLB);
            p.write(b, new byte[] {'z'});
            long target = 0x7f0000800000L;
            assertThatThrownBy(() -> p.mremap(b, H, H, MremapFlags.MAYMOVE | MremapFlags.FIXED, target)).isInstanceOfSatisfying(ErrnoException.class,
                    e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
            assertThatThrownBy(() -> p.mremap(b, H, 2 * H, MremapFlags.MAYMOVE, 0)).isInstanceOfSatisfying(ErrnoException.class,
                    e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
            assertThat(p.read(b, 1)[0]).isEqualTo((byte) 'z');
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
