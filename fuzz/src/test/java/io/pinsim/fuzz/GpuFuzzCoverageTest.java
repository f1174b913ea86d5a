package io.pinsim.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import io.pinsim.devices.GpuJob;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The fuzzer really drives the GPU: every GPU operation applies in the first 4000 sequences, jobs signal, and jobs wait for the other GPU. */
class GpuFuzzCoverageTest {
    @Test
    void gpuOperationsApply() {
        Fuzzer fuzzer = new Fuzzer(0);
        Map<Op.Kind, Integer> applied = new EnumMap<>(Op.Kind.class);
        int signalled = 0;
        int crossDevice = 0;
        for (long i = 0; i < 4000; i++) {
            World w = new World(Fuzzer.modelFor(i), false);
            for (Op op : fuzzer.generate(i)) {
                try {
                    if (w.apply(op)) {
                        applied.merge(op.kind(), 1, Integer::sum);
                    }
                } catch (RuntimeException e) {
                    // refused as the kernel refuses; FuzzTest checks what is not
                }
            }
            for (World.Job j : w.gpuJobs) {
                signalled += j.job().state() == GpuJob.State.SIGNALLED ? 1 : 0;
                crossDevice += j.job().after().stream().anyMatch(d -> d.bo().gpu() != j.job().bo().gpu()) ? 1 : 0;
            }
        }
        for (Op.Kind k : new Op.Kind[] {Op.Kind.GPU_USERPTR, Op.Kind.GPU_VRAM_BO, Op.Kind.GPU_SUBMIT, Op.Kind.GPU_COMPLETE, Op.Kind.GPU_HANG, Op.Kind.GPU_FREE_BO}) {
            assertThat(applied.getOrDefault(k, 0)).as("%s applied; all: %s", k, applied).isPositive();
        }
        assertThat(signalled).as("jobs that signalled").isPositive();
        assertThat(crossDevice).as("jobs waiting for the other GPU").isPositive();
        System.out.printf("GPU ops applied in 4000 sequences: %s; %d jobs signalled, %d waited for the other GPU%n", applied.entrySet().stream()
                .filter(e -> e.getKey().name().startsWith("GPU")).toList(), signalled, crossDevice);
    }
}
