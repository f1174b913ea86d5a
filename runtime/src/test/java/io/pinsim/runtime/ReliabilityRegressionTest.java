package io.pinsim.runtime;

import static io.pinsim.runtime.Fixtures.ANON_PRIVATE;
import static io.pinsim.runtime.Fixtures.PAGE;
import static io.pinsim.runtime.Fixtures.RW;
import static io.pinsim.runtime.Fixtures.kernel;
import static org.assertj.core.api.Assertions.assertThat;

import io.pinsim.runtime.model.KernelModel;
import org.junit.jupiter.api.Test;

/**
 * The failures a random-operation run found (project issue 11), each as the shortest sequence that
 * showed it. Every test ends with the full invariant check.
 */
class ReliabilityRegressionTest {

    /**
     * MAP_FIXED unmaps the old pages and MAP_POPULATE faults the range in again in the same call; the
     * allocator hands the freed pfns straight back. A PTE that maps a reused pfn maps the new frame,
     * not the freed one (the invariant used to report freed-frame-mapped).
     */
    @Test
    void mapFixedPopulateOverPopulatedMemoryReusesTheFreedFrames() {
        Kernel k = kernel(KernelModel.LATEST);
        Process a = k.spawn("A");
        long m = a.mmap(5L * PAGE, RW, ANON_PRIVATE | MapFlags.POPULATE);
        assertThat(a.mmap(m, 3L * PAGE, RW, ANON_PRIVATE | MapFlags.FIXED | MapFlags.POPULATE)).isEqualTo(m);
        assertThat(a.populatedPtes()).isEqualTo(5);
        assertThat(k.usedFrames()).isEqualTo(5);
        k.checkInvariants();
    }
}
