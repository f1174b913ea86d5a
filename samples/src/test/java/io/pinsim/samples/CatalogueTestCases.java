package io.pinsim.samples;

import static io.pinsim.dsl.Pinsim.fill;
import static io.pinsim.dsl.Pinsim.pages;

import io.pinsim.dsl.BugKind;
import io.pinsim.dsl.Scenario;
import io.pinsim.junit.KnownBug;
import io.pinsim.junit.PinsimModels;
import io.pinsim.runtime.Advice;
import io.pinsim.runtime.Foll;

/**
 * Deliberately wrong samples for {@link CatalogueTest}: each claims a bug its test does not show as
 * claimed. Only that test runs them; their names do not end in {@code Sample}, so neither the
 * catalogue nor the build's test run picks them up.
 */
final class CatalogueTestCases {
    private CatalogueTestCases() {
    }

    /** ro-pin-shared-page-parent-writes goes stale on 4.19 and 5.10 (STALE_PIN); this one claims the device's data is lost there. */
    @Sample(id = "wrong-kind", title = "a known bug declared with the wrong kind", source = "CatalogueTest", story = "The R/O pin goes stale, "
            + "but @KnownBug expects DEVICE_DATA_LOST.")
    static class WrongKind {
        @PinsimModels
        @KnownBug(models = {"LINUX_4_19", "LINUX_5_10"}, reference = "a wrong kind", expect = BugKind.DEVICE_DATA_LOST)
        void thePinSeesWhatTheParentWrites(Scenario s) {
            s.process("A").malloc(pages(1)).write('A').fork().inParent().gup(Foll.LONGTERM).parentWrites('P').deviceReads()
                    .assertDeviceSees(fill('P'));
        }
    }

    /** madvise(MADV_PAGEOUT) is EINVAL on 4.19: the scenario never gets to its assertion, which is no bug. */
    @Sample(id = "step-cannot-run", title = "a known bug that is a step that cannot run", source = "CatalogueTest", story = "MADV_PAGEOUT is "
            + "EINVAL on 4.19, so the read-back assertion cannot run; @KnownBug claims DATA_CORRUPTION there.")
    static class StepCannotRun {
        @PinsimModels
        @KnownBug(models = "LINUX_4_19", reference = "a step that cannot run", expect = BugKind.DATA_CORRUPTION)
        void pagedOutMemoryReadsBack(Scenario s) {
            s.process("A").malloc(pages(1)).write('A').madvise(Advice.PAGEOUT).assertSees(fill('A'));
        }
    }
}
