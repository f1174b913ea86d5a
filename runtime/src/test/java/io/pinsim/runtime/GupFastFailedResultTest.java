package io.pinsim.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pinsim.runtime.model.KernelModel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A stepped GUP-fast whose slow path fails (found by the fuzzer, seed 7): the step throws the
 * errno, the operation is done, and {@link GupFast#result()} says it failed instead of returning
 * null; nothing stays pinned.
 */
class GupFastFailedResultTest {
    static java.util.List<KernelModel> models() {
        return KernelModel.all();
    }

    @ParameterizedTest
    @MethodSource("models")
    void aFailedSlowPathHasNoResultAndPinsNothing(KernelModel m) {
        try (Kernel k = Kernel.builder().model(m).build()) {
            Process p = k.spawn("P");
            long b = p.mmap(12288, Prot.NONE, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.POPULATE);
            GupFast g = p.mainThread().getUserPagesFastSteps(b, 3, 0, "dev");
            ErrnoException failed = null;
            while (!g.isDone()) {
                try {
                    g.step();
                } catch (ErrnoException e) {
                    failed = e;
                }
            }
            assertThat(failed).as("PROT_NONE: the slow path's check_vma_flags() refuses").isNotNull();
            assertThat(failed.errno()).isEqualTo(Errno.EFAULT);
            assertThatThrownBy(g::result).isInstanceOf(IllegalStateException.class).hasMessageContaining("failed").hasMessageContaining("no pages");
            assertThat(p.hasPinned()).isFalse();
        }
    }
}
