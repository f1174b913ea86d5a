package io.pinsim.dsl;

import io.pinsim.runtime.PublicSnapshot;

import static io.pinsim.dsl.Pinsim.ext4;
import static io.pinsim.dsl.Pinsim.pages;
import static io.pinsim.dsl.Pinsim.rdma;

import io.pinsim.devices.RdmaNic;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.trace.Trace;
import java.util.List;

/**
 * What a row of {@link DslBadInputTableTest} works on: a kernel, and scenarios on it in the states a
 * step may find (no process yet, a buffer, a file, a device registration, after fork, after the
 * process exited, after an unasserted failure), built fresh for each row; and a NIC of another
 * kernel.
 */
final class DslBadInputFixture {
    final Kernel k = Kernel.builder().build();
    final Kernel k2 = Kernel.builder().name("other").build();
    final RdmaNic otherNic = new RdmaNic(k2, "rdma9");
    /** The scenario the row works on, for {@link #state()}. */
    private ScenarioSteps<?> last;

    private <S extends ScenarioSteps<S>> S remember(S s) {
        last = s;
        return s;
    }

    Scenario fresh() {
        return remember(Pinsim.scenario(k));
    }

    Scenario process() {
        return remember(fresh().process("A"));
    }

    Scenario buffer() {
        return remember(process().malloc(pages(1)).write('A'));
    }

    Scenario file() {
        return remember(process().file("data").on(ext4).malloc(pages(1)).write('A'));
    }

    Scenario pinned() {
        return remember(buffer().pin(rdma));
    }

    Scenario gpuBo() {
        return remember(buffer().gpuUserptr(io.pinsim.devices.UserptrMode.HMM));
    }

    Scenario gpuJob() {
        return remember(gpuBo().gpuSubmit(Pinsim.fill('G')));
    }

    /** A scenario whose kernel's lockdep reported the canonical cycle: gpu9 allocates with GFP_KERNEL in its job's run path. */
    Scenario lockdepReported() {
        Scenario s = buffer();
        io.pinsim.devices.Gpu gpu = new io.pinsim.devices.Gpu(s.kernel(), "gpu9");
        gpu.allocateInRunJob(io.pinsim.runtime.spi.Gfp.KERNEL);
        gpu.submit(gpu.createBo(4096), 0, new byte[] {1}).complete();
        return s;
    }

    ForkedScenario forked() {
        return remember(buffer().fork());
    }

    ForkedScenario childGone() {
        return remember(forked().childExits());
    }

    Scenario exited() {
        return remember(file().exit());
    }

    /** The kernel refused the last step (mprotect with unknown bits: EINVAL) and nobody asserted it. */
    Scenario failed() {
        return remember(buffer().mprotect(0x8));
    }

    String state() {
        return PublicSnapshot.of(k) + (last == null ? "no scenario" : "steps " + last.steps() + ", asserted " + last.isAsserted()
                + ", last step " + last.state.lastStep + ", failure " + last.state.failure)
                + "\n--- other kernel\n" + PublicSnapshot.of(k2);
    }

    List<Trace> traces() {
        return List.of(k.trace(), k2.trace());
    }
}
