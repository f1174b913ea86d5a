package io.pinsim.runtime.explore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Schedule strings: what the report prints and replay reads. */
class ScheduleTest {

    @Test
    void aRunOfStepsByOneThreadIsWrittenWithItsCount() {
        Schedule s = Schedule.of(new int[] {1, 0, 0, 0, 1, 0, 1});

        assertThat(s).hasToString("T2,T1*3,T2,T1,T2");
        assertThat(s.length()).isEqualTo(7);
        assertThat(s.thread(1)).isZero();
    }

    @Test
    void parsingReadsWhatPrintingWrites() {
        assertThat(Schedule.parse("T2, T1*3,T2,t1,T2")).isEqualTo(Schedule.of(new int[] {1, 0, 0, 0, 1, 0, 1}));
        assertThat(Schedule.parse("T1,T1")).hasToString("T1*2");
        assertThat(Schedule.parse("").length()).isZero();
    }

    @Test
    void aStringThatIsNotAScheduleSaysHowToWriteOne() {
        assertThatThrownBy(() -> Schedule.parse("T1,2")).hasMessageContaining("\"2\" in schedule \"T1,2\" is not a step: write T<thread>[*<count>]");
        assertThatThrownBy(() -> Schedule.parse("T0")).hasMessageContaining("numbered from T1");
        assertThatThrownBy(() -> Schedule.parse("T1*x")).hasMessageContaining("\"x\" in schedule \"T1*x\" is not a number");
        assertThatThrownBy(() -> Schedule.parse("T1*0")).hasMessageContaining("is not a step");
    }
}
