package io.pinsim.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import io.pinsim.runtime.Kernel;
import org.junit.jupiter.api.Test;

/**
 * The check after each operation looks only at what the operation changed; this runs the fuzzer's
 * sequences a second time with the full check ({@link Kernel#checkInvariants()}: every frame, every
 * page table) after every operation too. If the per-operation check missed a break the full check
 * sees, the second run would fail where the first passed. CI runs {@code fuzz.fullCheckSequences}
 * sequences (300 by default) of seed {@code fuzz.seed} this way.
 */
class IncrementalInvariantsFuzzTest {

    @Test
    void theFullCheckAfterEveryOperationFindsNothingThePerOperationCheckMissed() {
        long seed = Long.getLong("fuzz.seed", 0);
        long sequences = Long.getLong("fuzz.fullCheckSequences", 300);
        Fuzzer incremental = new Fuzzer(seed);
        Fuzzer full = new Fuzzer(seed, Kernel::checkInvariants);
        long applied = 0;
        for (long i = 0; i < sequences; i++) {
            Fuzzer.Result a = incremental.run(i);
            Fuzzer.Result b = full.run(i);
            String what = "sequence " + i + " of seed " + seed + (b.ok() ? "" : ": " + b.failure().signature());
            assertThat(b.ok()).as(what).isEqualTo(a.ok());
            if (!a.ok()) {
                assertThat(b.failure().signature()).as(what).isEqualTo(a.failure().signature());
            }
            assertThat(b.applied()).as(what).isEqualTo(a.applied());
            assertThat(b.refused()).as(what).isEqualTo(a.refused());
            applied += a.applied();
        }
        assertThat(applied).as("operations applied").isGreaterThan(sequences * 5);
    }
}
