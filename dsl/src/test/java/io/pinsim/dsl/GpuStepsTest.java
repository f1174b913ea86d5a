package io.pinsim.dsl;

import static io.pinsim.dsl.Pinsim.dmaData;
import static io.pinsim.dsl.Pinsim.fill;
import static io.pinsim.dsl.Pinsim.pages;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pinsim.devices.Gpu;
import io.pinsim.devices.UserptrMode;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.model.KernelModel;
import io.pinsim.runtime.spi.Gfp;
import org.junit.jupiter.api.Test;

/** The GPU steps and the lockdep assertions of the chain. */
class GpuStepsTest {
    static Scenario scenario(KernelModel model) {
        return Pinsim.scenario(Kernel.builder().model(model).build());
    }

    @Test
    void forkWaitsForTheJobAndTheParentKeepsItsData() {
        scenario(KernelModel.LINUX_6_6).process("A").malloc(pages(1)).write('A').gpuUserptr(UserptrMode.HMM).gpuSubmit(fill('G')).fork()
                .assertParentSees(dmaData()).assertChildSees(fill('G')).assertNoLockdepReport();
    }

    @Test
    void withoutANotifierTheParentLosesTheJobsWrite() {
        ForkedScenario s = scenario(KernelModel.LINUX_6_6).process("A").malloc(pages(1)).write('A').gpuUserptr(UserptrMode.GUP_WITHOUT_NOTIFIER)
                .gpuSubmit(fill('G')).fork().parentWrites(fill('P')).gpuJobCompletes();
        assertThatThrownBy(() -> s.assertParentSees(dmaData())).isInstanceOfSatisfying(PinsimAssertionError.class,
                e -> assertThat(e.kind()).isEqualTo(BugKind.DEVICE_DATA_LOST));
    }

    @Test
    void lockdepAssertionsFailWithTheirKind() {
        Scenario quiet = scenario(KernelModel.LINUX_6_6).process("A");
        assertThatThrownBy(() -> quiet.assertLockdepReports("dma_fence_map", "fs_reclaim", "mmu_notifier_invalidate_range_start", "dma_fence_map"))
                .isInstanceOfSatisfying(PinsimAssertionError.class, e -> {
                    assertThat(e.kind()).isEqualTo(BugKind.LOCKDEP_REPORT);
                    assertThat(e.because()).contains("lockdep reported nothing");
                });
        Scenario loud = scenario(KernelModel.LINUX_6_6).process("A");
        Gpu gpu = new Gpu(loud.kernel(), "gpu0");
        gpu.allocateInRunJob(Gfp.KERNEL);
        gpu.submit(gpu.createBo(Kernel.PAGE_SIZE), 0, new byte[] {1}).complete();
        loud.assertLockdepReports("dma_fence_map", "fs_reclaim", "mmu_notifier_invalidate_range_start", "dma_fence_map");
        assertThatThrownBy(loud::assertNoLockdepReport).isInstanceOfSatisfying(PinsimAssertionError.class, e -> {
            assertThat(e.kind()).isEqualTo(BugKind.LOCKDEP_REPORT);
            assertThat(e.getMessage()).contains("possible circular locking dependency detected");
        });
    }
}
