package io.pinsim.samples;

import static io.pinsim.dsl.Pinsim.dmaData;
import static io.pinsim.dsl.Pinsim.pages;
import static io.pinsim.dsl.Pinsim.text;
import static org.assertj.core.api.Assertions.assertThat;

import io.pinsim.dsl.Pinsim;
import io.pinsim.dsl.Scenario;
import io.pinsim.junit.PinsimTest;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.spi.DriverContext;
import io.pinsim.runtime.spi.Gfp;

/** The failing test whose timeline {@link TimelineBrowserTest} opens; run through the EngineTestKit only. */
final class BrowserFixtures {
    private BrowserFixtures() {
    }

    static class Failing {
        /**
         * A driver test that lockdep fails: after an RDMA/fork scenario that 6.6 gets right, a GPU
         * driver allocates with GFP_KERNEL inside a dma-fence signalling section (the canonical
         * deadlock of device-semantics §5.4), and the test asserts that lockdep stayed quiet.
         */
        @PinsimTest(model = "LINUX_6_6", seed = 3)
        void gpuDriverAllocatesInASignallingSection(Kernel kernel, Scenario s) {
            s.process("A").malloc(pages(1)).write('A').pin(Pinsim.rdma).fork().parentWrites(text("p")).dmaCompletes()
                    .assertParentSees(dmaData());
            DriverContext gpu = DriverContext.attach(kernel, "gpu0");
            boolean cookie = gpu.dmaFenceBeginSignalling();
            gpu.allocate(Gfp.KERNEL, "run_job: kmalloc");
            gpu.dmaFenceEndSignalling(cookie);
            assertThat(kernel.lockdep().reports()).as("lockdep reports").isEmpty();
        }
    }
}
