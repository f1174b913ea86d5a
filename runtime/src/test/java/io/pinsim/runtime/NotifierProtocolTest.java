package io.pinsim.runtime;

import static io.pinsim.runtime.Internals.core;
import static io.pinsim.runtime.Internals.impl;
import static io.pinsim.runtime.Internals.mm;
import static io.pinsim.runtime.Internals.page;
import static io.pinsim.runtime.Fixtures.PAGE;
import static io.pinsim.runtime.Fixtures.buffer;
import static io.pinsim.runtime.Fixtures.fill;
import static io.pinsim.runtime.Fixtures.kernel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pinsim.runtime.model.KernelModel;
import io.pinsim.runtime.spi.DriverContext;
import io.pinsim.runtime.spi.HmmRange;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Interval notifiers and the sequence protocol of mm/mmu_notifier.c, hmm_range_fault(), the OOM reaper. */
class NotifierProtocolTest {

    /** A minimal mirroring driver: records invalidations and sets the sequence as drivers must. */
    static final class Mirror implements MmuIntervalNotifierOps {
        final List<MmuNotifierRange> seen = new ArrayList<>();
        boolean refuseNonBlockable = true;
        boolean refuseAlways;

        @Override
        public boolean invalidate(MmuIntervalNotifier sub, MmuNotifierRange range, long curSeq) {
            seen.add(range);
            if (refuseAlways || (!range.blockable() && refuseNonBlockable)) {
                return false;
            }
            sub.setSeq(curSeq);
            return true;
        }
    }

    @Test
    void aFaultRacingAnInvalidationMustRetry() {
        Kernel k = kernel(KernelModel.LATEST);
        Process a = k.spawn("A");
        long buf = buffer(a, 2, 'A');
        DriverContext dev = DriverContext.attach(k, "mirror0");
        Mirror m = new Mirror();
        MmuIntervalNotifier sub = dev.insertIntervalNotifier(a, buf, 2L * PAGE, m, "mr");
        long seq = sub.readBegin();
        HmmRange r = dev.hmmRangeFault(sub, seq, buf, 2, false);
        assertThat(r.frames()).containsExactly(a.frameAt(buf), a.frameAt(buf + PAGE));
        assertThat(sub.readRetry(seq)).isFalse();

        a.madvise(buf + PAGE, PAGE, Advice.DONTNEED);
        assertThat(m.seen).extracting(MmuNotifierRange::event).containsExactly(MmuNotifierEvent.CLEAR);
        assertThat(sub.readRetry(seq)).as("the driver must not program the stale frames").isTrue();
        assertThatThrownBy(() -> dev.hmmRangeFault(sub, seq, buf, 2, false)).isInstanceOfSatisfying(ErrnoException.class,
                e -> assertThat(e.errno()).isEqualTo(Errno.EBUSY));
        long again = sub.readBegin();
        assertThat(again).isNotEqualTo(seq);
        assertThat(dev.hmmRangeFault(sub, again, buf, 2, false).frames().get(1).isZeroPage()).isTrue();
        assertThat(sub.readRetry(again)).isFalse();
    }

    @Test
    void theMmSequenceIsOddOnlyWhileAnInvalidationOverlapsAnInterval() {
        Kernel k = kernel(KernelModel.LATEST);
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        long other = buffer(a, 1, 'B');
        long[] during = new long[1];
        MmuIntervalNotifier sub = a.insertIntervalNotifier(buf, PAGE, (s, range, cur) -> {
            during[0] = impl(s).subscriptions.invalidateSeq;
            s.setSeq(cur);
            return true;
        }, "probe");
        long idle = mm(a).subscriptions.invalidateSeq;
        assertThat(idle % 2).isZero();
        a.madvise(other, PAGE, Advice.DONTNEED);
        assertThat(mm(a).subscriptions.invalidateSeq).as("an invalidation that overlaps no interval leaves it alone").isEqualTo(idle);
        a.madvise(buf, PAGE, Advice.DONTNEED);
        assertThat(during[0] % 2).isEqualTo(1);
        assertThat(mm(a).subscriptions.invalidateSeq).isEqualTo(idle + 2);
        assertThat(sub.readBegin()).isEqualTo(idle + 1);
    }

    @Test
    void insertsAndRemovalsDuringAnInvalidationAreDeferred() {
        Kernel k = kernel(KernelModel.LATEST);
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        Mirror late = new Mirror();
        MmuIntervalNotifier[] inserted = new MmuIntervalNotifier[1];
        MmuIntervalNotifier[] victim = new MmuIntervalNotifier[1];
        victim[0] = a.insertIntervalNotifier(buf, PAGE, new Mirror(), "victim");
        a.insertIntervalNotifier(buf, PAGE, (s, range, cur) -> {
            s.setSeq(cur);
            if (inserted[0] == null) {
                inserted[0] = a.insertIntervalNotifier(buf, PAGE, late, "late");
                victim[0].remove();
            }
            return true;
        }, "inserter");
        a.madvise(buf, PAGE, Advice.DONTNEED);
        assertThat(late.seen).as("the insert was deferred past the invalidation").isEmpty();
        assertThat(List.<Object>copyOf(mm(a).subscriptions.intervals)).contains(inserted[0]).doesNotContain(victim[0]);
        a.write(buf, fill('x', 1));
        a.madvise(buf, PAGE, Advice.DONTNEED);
        assertThat(late.seen).hasSize(1);
    }

    @Test
    void readBeginOrRemoveFromTheOwnCallbackWouldDeadlock() {
        Kernel k = kernel(KernelModel.LATEST);
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        a.insertIntervalNotifier(buf, PAGE, (s, range, cur) -> {
            s.readBegin();
            return true;
        }, "bad-reader");
        assertThatThrownBy(() -> a.madvise(buf, PAGE, Advice.DONTNEED)).isInstanceOfSatisfying(KernelBugException.class,
                e -> assertThat(e.invariant()).isEqualTo("interval-read-begin-in-invalidation"));

        Process b = k.spawn("B");
        long bb = buffer(b, 1, 'B');
        b.insertIntervalNotifier(bb, PAGE, (s, range, cur) -> {
            s.remove();
            return true;
        }, "bad-remover");
        assertThatThrownBy(() -> b.madvise(bb, PAGE, Advice.DONTNEED)).isInstanceOfSatisfying(KernelBugException.class,
                e -> assertThat(e.invariant()).isEqualTo("interval-remove-deadlock"));
    }

    /** S14 / T9: the OOM reaper's non-blockable UNMAP; a driver may refuse it; then exit_mmap invalidates blockably. */
    @Test
    void theOomReaperSkipsAVmaWhoseNotifierRefusesTheNonBlockableInvalidation() {
        Kernel k = kernel(KernelModel.LATEST);
        Process a = k.spawn("A");
        long mirrored = buffer(a, 1, 'A');
        long plain = buffer(a, 1, 'B');
        Mirror m = new Mirror();
        a.insertIntervalNotifier(mirrored, PAGE, m, "odp");
        assertThat(k.oomKill(a)).isFalse();
        assertThat(m.seen).extracting(MmuNotifierRange::blockable).startsWith(false);
        assertThat(m.seen).extracting(MmuNotifierRange::event).contains(MmuNotifierEvent.UNMAP, MmuNotifierEvent.RELEASE);
        assertThat(k.log().contains("oom_reaper: unable to reap pid:1 (A)")).isTrue();
        assertThat(k.trace().events(e -> e.message().contains("skipped " + Long.toHexString(mirrored)))).hasSize(1);
        assertThat(a.killedBy()).isEqualTo(Signal.SIGKILL);
        assertThat(k.usedFrames()).isZero();
        assertThat(plain).isPositive();
    }

    @Test
    void aRefusalInABlockableContextIsWarnedAboutAndIgnored() {
        Kernel k = kernel(KernelModel.LATEST);
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        Mirror m = new Mirror();
        m.refuseAlways = true;
        a.insertIntervalNotifier(buf, PAGE, m, "buggy");
        a.munmap(buf, PAGE);
        assertThat(a.vmaAt(buf)).isNull();
        assertThat(k.log().contains("failed an invalidation")).isTrue();
        assertThat(k.log().lines()).anyMatch(l -> l.level() == io.pinsim.runtime.trace.KernelLog.Level.WARN);
    }

    @Test
    void aClassicSubscriberRefusingTheReaperIsUnwound() {
        Kernel k = kernel(KernelModel.LATEST);
        Process a = k.spawn("A");
        buffer(a, 1, 'A');
        NotifierHookTest.Recorder first = new NotifierHookTest.Recorder();
        a.registerMmuNotifier(first);
        a.registerMmuNotifier(new MmuNotifierListener() {
            @Override
            public boolean invalidateRangeStart(Process p, MmuNotifierEvent e, long s, long en, boolean blockable) {
                return blockable;
            }

            @Override
            public void invalidateRangeEnd(Process p, MmuNotifierEvent e, long s, long en) {
            }

            @Override
            public String toString() {
                return "kvm_mmu_notifier";
            }
        });
        k.oomKill(a);
        assertThat(first.calls.subList(0, 2)).as("the first subscriber's start was paired with an end").satisfies(c -> {
            assertThat(c.get(0)).startsWith("start UNMAP");
            assertThat(c.get(1)).startsWith("end UNMAP");
        });
        assertThat(k.log().contains("kvm_mmu_notifier callback failed with -11 in non-blockable context.")).isTrue();
    }

    @Test
    void hmmRangeFaultChecksPermissionsAndBreaksCowForWrites() {
        Kernel k = kernel(KernelModel.LATEST);
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        Process child = a.fork();
        DriverContext dev = DriverContext.attach(k, "gpu0");
        MmuIntervalNotifier sub = dev.insertIntervalNotifier(a, buf, PAGE, new Mirror(), "userptr");
        long seq = sub.readBegin();
        Frame shared = a.frameAt(buf);
        assertThatThrownBy(() -> dev.hmmRangeFault(sub, seq, buf, 1, true)).as("the write fault COWed and invalidated the interval")
                .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EBUSY));
        long s2 = sub.readBegin();
        HmmRange r = dev.hmmRangeFault(sub, s2, buf, 1, true);
        assertThat(r.frames().get(0)).isNotSameAs(shared).isSameAs(a.frameAt(buf));
        assertThat(r.writable()).containsExactly(true);
        assertThat(child.frameAt(buf)).isSameAs(shared);

        long ro = a.mmap(PAGE, Prot.READ, Fixtures.ANON_PRIVATE);
        MmuIntervalNotifier roSub = dev.insertIntervalNotifier(a, ro, PAGE, new Mirror(), "ro");
        assertThatThrownBy(() -> dev.hmmRangeFault(roSub, roSub.readBegin(), ro, 1, true)).isInstanceOfSatisfying(ErrnoException.class,
                e -> assertThat(e.errno()).isEqualTo(Errno.EPERM));
        assertThatThrownBy(() -> dev.hmmRangeFault(roSub, roSub.readBegin(), 0x10000, 1, false)).isInstanceOfSatisfying(ErrnoException.class,
                e -> assertThat(e.errno()).isEqualTo(Errno.EFAULT));
        assertThat(k.trace().events(e -> e.actor().equals("gpu0"))).isNotEmpty();
    }

    @Test
    void devicesAreNamedOncePerKernelAndServeOnlyTheirKernel() {
        Kernel k = kernel(KernelModel.LATEST);
        DriverContext dev = DriverContext.attach(k, "nic0");
        assertThatThrownBy(() -> DriverContext.attach(k, "nic0")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already attached");
        Process foreign = kernel(KernelModel.LATEST).spawn("X");
        assertThatThrownBy(() -> dev.pinUserPages(foreign, 0, 1, 0, "x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("attach a device to each kernel");
        assertThat(k.devices()).containsExactly("nic0");
    }

    /** T23 and MMU_NOTIFY_MIGRATE: the owner rides in the range so a driver can skip its own migration; pinned pages stay. */
    @Test
    void migrateVmaCarriesTheOwnerAndLeavesPinnedPages() {
        Kernel k = kernel(KernelModel.LATEST);
        Process a = k.spawn("A");
        long buf = buffer(a, 2, 'A');
        Object gpu = "gpu0";
        Mirror m = new Mirror();
        a.insertIntervalNotifier(buf, 2L * PAGE, m, "svm");
        GupPages pin = a.pinUserPages(buf + PAGE, 1, Foll.WRITE, "rdma0");
        Frame before = a.frameAt(buf);
        assertThat(k.migrateVma(a, buf, 2, gpu)).as("cpages < npages: the pinned page is not migrated").isEqualTo(1);
        assertThat(m.seen).extracting(MmuNotifierRange::event).containsExactly(MmuNotifierEvent.MIGRATE);
        assertThat(m.seen.get(0).owner()).isSameAs(gpu);
        assertThat(a.frameAt(buf)).isNotSameAs(before);
        assertThat(before.isFree()).isTrue();
        assertThat(a.read(buf, 1)).containsExactly('A');
        assertThat(pin.isCoherent(0)).isTrue();
    }
}
