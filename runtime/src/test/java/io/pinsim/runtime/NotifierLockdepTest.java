package io.pinsim.runtime;

import static io.pinsim.runtime.Fixtures.PAGE;
import static io.pinsim.runtime.Fixtures.buffer;
import static io.pinsim.runtime.Fixtures.kernel;
import static org.assertj.core.api.Assertions.assertThat;

import io.pinsim.runtime.model.KernelModel;
import io.pinsim.runtime.spi.DriverContext;
import io.pinsim.runtime.spi.Gfp;
import org.junit.jupiter.api.Test;

/**
 * The mmu notifier lockdep map outside invalidations: mmu_interval_read_begin()'s acquisition
 * (device-semantics §5.5 cycle F), the priming in __mmu_notifier_register() (66204f1d2d1b, 5.4 -
 * 5.10) and the map in fs_reclaim_acquire() (f920e413ff9c, 5.11).
 */
class NotifierLockdepTest {
    private static final String MAP = "mmu_notifier_invalidate_range_start";

    /** A driver whose invalidate callback takes its "update" lock; one invalidation has run. */
    private static MmuIntervalNotifier driver(Kernel k, DriverContext dev) {
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        MmuIntervalNotifier sub = dev.insertIntervalNotifier(a, buf, PAGE, (s, range, cur) -> {
            dev.lock("update");
            s.setSeq(cur);
            dev.unlock("update");
            return true;
        }, null);
        a.madvise(buf, PAGE, Advice.DONTNEED);
        return sub;
    }

    /** Cycle F: read_begin under the lock the invalidate callback takes; read_begin may sleep until that invalidation ends. */
    @Test
    void readBeginUnderTheDriversUpdateLockIsReported() {
        Kernel k = kernel(KernelModel.LINUX_5_10);
        DriverContext dev = DriverContext.attach(k, "gpu0");
        MmuIntervalNotifier sub = driver(k, dev);
        assertThat(k.lockdep().reports()).isEmpty();
        dev.lock("update");
        sub.readBegin();
        dev.unlock("update");
        assertThat(k.lockdep().reports()).singleElement().satisfies(r -> assertThat(r.cycle()).containsExactly("&gpu0->update", MAP, "&gpu0->update"));
    }

    /** hmm.rst's order (read_begin, fault, then the lock) is clean. */
    @Test
    void readBeginBeforeTheLockIsClean() {
        Kernel k = kernel(KernelModel.LINUX_6_6);
        DriverContext dev = DriverContext.attach(k, "gpu0");
        MmuIntervalNotifier sub = driver(k, dev);
        long seq = sub.readBegin();
        dev.lock("update");
        assertThat(sub.readRetry(seq)).isFalse();
        dev.unlock("update");
        assertThat(k.lockdep().reports()).isEmpty();
        assertThat(k.lockdep().dependencies()).anyMatch(d -> d.toString().equals(MAP + " -> &gpu0->update"));
    }

    /** Without the map (4.19) lockdep cannot see cycle F. */
    @Test
    void readBeginUnderTheLockGoesUnseenWithoutTheMap() {
        Kernel k = kernel(KernelModel.LINUX_4_19);
        DriverContext dev = DriverContext.attach(k, "gpu0");
        MmuIntervalNotifier sub = driver(k, dev);
        dev.lock("update");
        sub.readBegin();
        dev.unlock("update");
        assertThat(k.lockdep().reports()).isEmpty();
    }

    /**
     * Cycle B with GFP_NOFS: 5.10 records no notifier map for an allocation without __GFP_FS, 6.1
     * does (f920e413ff9c), so only 6.1 reports the allocation under the lock the callback takes.
     */
    @Test
    void aNofsAllocationUnderTheNotifierLockIsReportedFrom511() {
        for (KernelModel m : java.util.List.of(KernelModel.LINUX_5_10, KernelModel.LINUX_6_1)) {
            Kernel k = kernel(m);
            DriverContext dev = DriverContext.attach(k, "gpu0");
            driver(k, dev);
            dev.lock("update");
            dev.allocate(Gfp.NOFS, null);
            dev.unlock("update");
            assertThat(k.lockdep().reports()).as("%s", m).hasSize(m == KernelModel.LINUX_5_10 ? 0 : 1);
        }
    }

    /** GFP_KERNEL reaches the map through fs_reclaim on 5.8 once a notifier registered (the priming of 66204f1d2d1b). */
    @Test
    void aKernelAllocationUnderTheNotifierLockIsReportedOn58ThroughTheRegistrationPriming() {
        Kernel k = kernel(KernelModel.LINUX_5_8);
        DriverContext dev = DriverContext.attach(k, "gpu0");
        driver(k, dev);
        dev.lock("update");
        dev.allocate(Gfp.KERNEL, null);
        dev.unlock("update");
        assertThat(k.lockdep().reports()).singleElement()
                .satisfies(r -> assertThat(r.cycle()).containsExactly("&gpu0->update", "fs_reclaim", MAP, "&gpu0->update"));
    }
}
