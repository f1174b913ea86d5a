package io.pinsim.runtime.explore;

import static org.assertj.core.api.Assertions.assertThat;

import io.pinsim.runtime.model.DioPages;
import io.pinsim.runtime.model.KernelModel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The blocking O_DIRECT read against fork and the parent's write ({@link DirectReadForkRace}),
 * explored: with FOLL_GET (up to 6.4) some schedule loses the read's data, the smallest one reads
 * the page before the fork shares it and the parent's write copies the parent away from it; with
 * FOLL_PIN (6.5) no schedule does.
 */
class DirectReadForkExplorationTest {
    @ParameterizedTest
    @ValueSource(strings = {"LINUX_4_19", "LINUX_5_8", "LINUX_5_10", "LINUX_6_1"})
    void someScheduleLosesTheReadWithFollGet(String model) {
        Report report = DirectReadForkRace.explorer(KernelModel.byName(model)).explore(Search.preemptionBounded(2));

        ScheduleRun smallest = report.smallestFailure().orElseThrow(() -> new AssertionError(report.render()));
        assertThat(smallest.failure()).get().asString().contains("the read's DMA landed in a frame the parent no longer maps");
        assertThat(smallest.preemptions()).isEqualTo(1);
        assertThat(smallest.table()).contains("bio_iov_iter_get_pages()").contains("copy_present_pte(): share");
    }

    @ParameterizedTest
    @ValueSource(strings = {"LINUX_6_6", "LINUX_5_10+FOLL_PIN"})
    void noScheduleLosesTheReadWithFollPin(String model) {
        KernelModel m = model.endsWith("+FOLL_PIN") ? KernelModel.LINUX_5_10.with(DioPages.FOLL_PIN) : KernelModel.byName(model);
        Report report = DirectReadForkRace.explorer(m).explore(Search.preemptionBounded(2).exhaustive());

        assertThat(report.passed()).as(report.render()).isTrue();
        assertThat(report.schedules()).isGreaterThan(50);
    }
}
