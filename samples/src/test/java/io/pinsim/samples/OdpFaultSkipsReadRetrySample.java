package io.pinsim.samples;

import io.pinsim.devices.NaiveOdpNic;
import io.pinsim.dsl.BugKind;
import io.pinsim.dsl.Exploration;
import io.pinsim.junit.Explore;
import io.pinsim.junit.KnownBug;
import io.pinsim.junit.PinsimModels;
import io.pinsim.runtime.Kernel;

/**
 * The race of odp-fault-vs-invalidate for a driver that skips mmu_interval_read_retry()
 * ({@link NaiveOdpNic}): in the schedule where its hmm_range_fault() runs before the invalidation
 * and its mapping after it, the NIC maps the frame MADV_DONTNEED just freed, while the process's
 * next write gets a new one. A driver bug on every kernel (mmu_notifier.h: "the driver must check
 * mmu_interval_read_retry() under its lock before it makes the pages visible"), so it is documented
 * on every model.
 */
@Sample(id = "odp-fault-skips-read-retry", title = "ODP device fault racing MADV_DONTNEED, driver without mmu_interval_read_retry()",
        source = "mm/mmu_notifier.c mmu_interval_read_begin() comment: the required mmu_interval_read_retry() under the driver lock; "
                + "Documentation/mm/hmm.rst",
        story = "The same race as odp-fault-vs-invalidate, for a driver that maps whatever hmm_range_fault() returned without checking "
                + "mmu_interval_read_retry() under its lock. In one schedule the fault reads the page, MADV_DONTNEED invalidates and frees "
                + "it, and the driver then maps the freed frame: the NIC's DMA goes to memory the process no longer has.")
class OdpFaultSkipsReadRetrySample {
    @PinsimModels
    @Explore(preemptions = 3)
    @KnownBug(models = {"LINUX_4_19", "LINUX_5_8", "LINUX_5_10", "LINUX_6_1", "LINUX_6_6"}, reference = "a driver bug: a fault must check mmu_interval_read_retry()",
            expect = BugKind.STALE_PIN, because = "(free) is held by nobody")
    void theNicMustNotMapAPageTheProcessDropped(Kernel kernel, Exploration exploration) {
        exploration.assertEverySchedulePasses(OdpFaultRace.explorer(kernel, NaiveOdpNic::new));
    }
}
