package io.pinsim.runtime.explore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pinsim.runtime.Foll;
import io.pinsim.runtime.GupSteps;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.model.KernelModel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * GUP's slow path against fork, explored: both take mmap_lock (read across the GUP's steps, write
 * across the fork's), so no schedule interleaves their steps and there is no race to find. What
 * fails is the serial order "pin, then fork" on the models whose fork shares a pinned page
 * (4.19, 5.8: fixed by 70e806e4e645 in 5.9, where copy_present_page() copies it for the child),
 * and it needs no preemption.
 */
class GupSlowForkExplorationTest {
    /** The slow path's state next to the race's. */
    static final class State {
        GupFastForkRace.Race race;
        GupSteps pin;
    }

    static java.util.stream.Stream<KernelModel> models() {
        return KernelModel.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void mmapLockSerializesTheGupSlowPathAndFork(KernelModel model) {
        Explorer<State> explorer = Explorer.on(Kernel.builder().model(model), k -> {
            State s = new State();
            s.race = GupFastForkRace.setup(k, 2);
            return s;
        })
                .thread("fork", Op.steps("fork()", (State s) -> s.race.a.mainThread().forkSteps("B")))
                .thread("pin", Op.steps("pin_user_pages()", (State s) -> s.pin = s.race.t2.pinUserPagesSteps(s.race.buf, 2, Foll.WRITE | Foll.LONGTERM, "rdma0 MR#1")))
                .check("the pin follows the parent", (k, s) -> {
                    s.race.pin = null;
                    for (int i = 0; i < 2; i++) {
                        long addr = s.race.buf + (long) i * Kernel.PAGE_SIZE;
                        s.race.a.fill(addr, Kernel.PAGE_SIZE, (byte) 'P');
                        if (!s.pin.result().isCoherent(i)) {
                            throw new AssertionError("after the fork, the parent's write moved page " + i + " away from the pin");
                        }
                    }
                });
        Report r = explorer.explore(Search.preemptionBounded(2).exhaustive());
        boolean forkSharesPinnedPages = model == KernelModel.LINUX_4_19 || model == KernelModel.LINUX_5_8;
        assertThat(r.passed()).as(r.render()).isEqualTo(!forkSharesPinnedPages);
        if (forkSharesPinnedPages) {
            assertThat(r.smallestFailure().orElseThrow().preemptions()).as("pin then fork, in a row").isZero();
        }
        // no schedule interleaves them: once the fork holds mmap_lock, the GUP cannot take its first step
        assertThatThrownBy(() -> explorer.replay("T1,T2,T1")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("T2 cannot run step 2: it is blocked").hasMessageContaining("waits for mm:1:mmap_lock");
    }
}
