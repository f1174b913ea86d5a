package io.pinsim.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Footprints: when two steps commute; what a Steppable that says nothing touches. */
class FootprintTest {

    @Test
    void stepsConflictWhenOneWritesWhatTheOtherTouches() {
        Footprint readPte = Footprint.builder().read("mm:1:pte:0x7f0000000000").build();
        Footprint writePte = Footprint.writes("mm:1:pte:0x7f0000000000");

        assertThat(readPte.conflictsWith(readPte)).isFalse();
        assertThat(readPte.conflictsWith(writePte)).isTrue();
        assertThat(writePte.conflictsWith(readPte)).isTrue();
        assertThat(writePte.conflictsWith(Footprint.writes("mm:1:pte:0x7f0000001000"))).isFalse();
        assertThat(writePte.conflictsWith(Footprint.writes("mm:2:pte:0x7f0000000000"))).isFalse();
    }

    @Test
    void anIdCoversTheIdsBelowIt() {
        assertThat(Footprint.writes("mm:1").conflictsWith(Footprint.builder().read("mm:1:pte:0x7f0000000000").build())).isTrue();
        assertThat(Footprint.builder().read("mm:1:pte").build().conflictsWith(Footprint.writes("mm:1:pte:0x7f0000000000"))).isTrue();
        assertThat(Footprint.writes("mm:1").conflictsWith(Footprint.writes("mm:10"))).isFalse();
        assertThat(Footprint.writes("frame:1").conflictsWith(Footprint.writes("frame:12"))).isFalse();
    }

    @Test
    void everythingConflictsWithEverythingAndNothingWithNothing() {
        assertThat(Footprint.ALL.conflictsWith(Footprint.NONE)).isTrue();
        assertThat(Footprint.NONE.conflictsWith(Footprint.writes("x"))).isFalse();
        assertThat(Footprint.ALL).hasToString("everything");
        assertThat(Footprint.builder().read("a").write("a").read("b").build()).hasToString("reads [b] writes [a]");
        assertThatThrownBy(() -> Footprint.writes("frame:")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("frame:12");
    }

    @Test
    void aSteppableThatSaysNothingTouchesEverything() {
        Steppable s = new Steppable() {
            public void step() {
            }

            public boolean isDone() {
                return false;
            }

            public boolean isBlocked() {
                return false;
            }

            public String nextStep() {
                return "x";
            }

            public String actor() {
                return "a";
            }
        };
        assertThat(s.nextFootprint()).isSameAs(Footprint.ALL);
        assertThat(s.waitsFor()).isNull();
        assertThat(s.holds()).isEmpty();
    }

    @Test
    void anAtomicStepRunsItsCallOnce() {
        int[] calls = new int[1];
        Steppable s = Steppable.atomic("A", "write", () -> calls[0]++);

        assertThat(s.nextStep()).isEqualTo("write");
        assertThat(s.nextFootprint()).isSameAs(Footprint.ALL);
        s.step();
        assertThat(calls[0]).isEqualTo(1);
        assertThat(s.isDone()).isTrue();
        assertThat(s.nextFootprint()).isSameAs(Footprint.NONE);
        assertThatThrownBy(s::step).isInstanceOf(IllegalStateException.class).hasMessageContaining("already done");
    }
}
