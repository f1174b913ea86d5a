package io.pinsim.runtime;

import static io.pinsim.runtime.Fixtures.PAGE;
import static io.pinsim.runtime.Fixtures.RW;
import static io.pinsim.runtime.Fixtures.ANON_PRIVATE;
import static io.pinsim.runtime.Fixtures.buffer;
import static io.pinsim.runtime.Fixtures.fill;
import static io.pinsim.runtime.Fixtures.kernel;
import static io.pinsim.runtime.Fixtures.seen;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pinsim.runtime.model.CowReuse;
import io.pinsim.runtime.model.ForkPinned;
import io.pinsim.runtime.model.GupFastVsFork;
import io.pinsim.runtime.model.KernelModel;
import io.pinsim.runtime.model.MadvPageout;
import io.pinsim.runtime.model.MadvPopulate;
import io.pinsim.runtime.model.MprotectWrite;
import io.pinsim.runtime.model.PinAccounting;
import io.pinsim.runtime.model.RoLongtermPinNonAnon;
import io.pinsim.runtime.model.SoftDirtyPinned;
import io.pinsim.runtime.model.SwapinWriteReuse;
import io.pinsim.runtime.model.ZeroPagePinning;
import io.pinsim.runtime.trace.TraceKind;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * One behaviour test per value of every switch: the switch is set on a base model and the
 * behaviour it names is checked directly. (PinnedAnonReclaim's two values are covered by
 * {@link ReclaimPinnedTest}; GupFastVsFork's race by {@link GupFastForkRaceTest}.)
 */
class SwitchBehaviourTest {

    @Nested
    class PinAccountingValues {
        @Test
        void plainReferenceAddsOneAndHasNoPincount() {
            Kernel k = kernel(KernelModel.LINUX_5_8.with(PinAccounting.PLAIN_REFERENCE));
            Process a = k.spawn("A");
            long buf = buffer(a, 1, 'A');
            GupPages pin = a.pinUserPages(buf, 1, Foll.WRITE, "t");
            assertThat(pin.frame(0).refcount()).isEqualTo(2);
            assertThat(pin.frame(0).pincount()).isZero();
            assertThat(pin.frame(0).maybeDmaPinned()).isFalse();
            assertThat(a.hasPinned()).isFalse();
        }

        @Test
        void pinCountingBiasAdds1024AndSetsHasPinned() {
            Kernel k = kernel(KernelModel.LINUX_6_6);
            Process a = k.spawn("A");
            long buf = buffer(a, 1, 'A');
            GupPages pin = a.pinUserPages(buf, 1, Foll.WRITE, "t");
            assertThat(pin.frame(0).refcount()).isEqualTo(1 + Frame.GUP_PIN_COUNTING_BIAS);
            assertThat(pin.frame(0).pincount()).isEqualTo(1);
            assertThat(pin.frame(0).maybeDmaPinned()).isTrue();
            assertThat(a.hasPinned()).isTrue();
            pin.unpin(false);
            assertThat(pin.frame(0).refcount()).isEqualTo(1);
            assertThat(a.hasPinned()).as("MMF_HAS_PINNED is never cleared").isTrue();
        }
    }

    @Nested
    class CowReuseValues {
        /** A page whose only mapper is A but which a GUP reference also holds. */
        private Frame writeToGupHeldPage(KernelModel model) {
            Kernel k = kernel(model);
            Process a = k.spawn("A");
            long buf = buffer(a, 1, 'A');
            a.fork().exit();
            GupPages ref = a.getUserPages(buf, 1, 0, "holder");
            a.write(buf, fill('W', 1));
            return a.frameAt(buf) == ref.frame(0) ? ref.frame(0) : null;
        }

        @Test
        void mapcountPlusSwapcountIgnoresGupReferences() {
            assertThat(writeToGupHeldPage(KernelModel.LINUX_5_10.with(CowReuse.MAPCOUNT_PLUS_SWAPCOUNT))).as("reused").isNotNull();
        }

        @Test
        void refcountEq1CopiesAPageWithAnyExtraReference() {
            assertThat(writeToGupHeldPage(KernelModel.LINUX_5_10)).as("copied").isNull();
        }

        @Test
        void anonExclusiveReusesAnExclusivePageWhateverItsRefcount() {
            // Without the mprotect optimisation, so that the write takes the write-protect fault.
            Kernel k = kernel(KernelModel.LINUX_6_1.with(MprotectWrite.FAULT_ON_WRITE));
            Process a = k.spawn("A");
            long buf = buffer(a, 1, 'A');
            GupPages ref = a.getUserPages(buf, 1, 0, "holder");
            a.mprotect(buf, PAGE, Prot.READ);
            a.mprotect(buf, PAGE, RW);
            a.write(buf, fill('W', 1));
            assertThat(a.frameAt(buf)).isSameAs(ref.frame(0));
            assertThat(Fixtures.lastMessage(k, buf, TraceKind.COW_REUSE)).contains("PageAnonExclusive");
        }

        @Test
        void anonExclusiveCopiesASharedPageWithAnExtraReference() {
            assertThat(writeToGupHeldPage(KernelModel.LINUX_6_1)).as("copied").isNull();
        }

        @Test
        void anonExclusiveReusesAndMarksAPageThatIsNoLongerShared() {
            Kernel k = kernel(KernelModel.LINUX_6_1);
            Process a = k.spawn("A");
            long buf = buffer(a, 1, 'A');
            Frame f = a.frameAt(buf);
            a.fork().exit();
            assertThat(f.isAnonExclusive()).isFalse();
            a.write(buf, fill('W', 1));
            assertThat(a.frameAt(buf)).isSameAs(f);
            assertThat(f.isAnonExclusive()).isTrue();
        }
    }

    @Nested
    class SwapinWriteReuseValues {
        @Test
        void mapcountPlusSwapcountMapsWritableAndLeavesTheSwapCache() {
            Kernel k = kernel(KernelModel.LINUX_5_10);
            Process a = k.spawn("A");
            long buf = buffer(a, 1, 'A');
            k.reclaim(a, buf);
            a.write(buf, fill('W', 1));
            assertThat(a.frameAt(buf).isInSwapCache()).isFalse();
            assertThat(k.trace().events(e -> e.message().contains("reuse_swap_page") && e.message().contains("mapped writable"))).hasSize(1);
        }

        @Test
        void anonExclusiveRemembersTheBitInTheSwapPte() {
            Kernel k = kernel(KernelModel.LINUX_6_6);
            Process a = k.spawn("A");
            long buf = buffer(a, 1, 'A');
            k.reclaim(a, buf);
            assertThat(seen(a, buf)).isEqualTo('A');
            assertThat(a.frameAt(buf).isAnonExclusive()).as("the swap PTE remembered PageAnonExclusive").isTrue();
            assertThat(a.frameAt(buf).isInSwapCache()).as("a read fault leaves it in the swap cache").isTrue();
            a.write(buf, fill('W', 1));
            assertThat(Fixtures.lastMessage(k, buf, TraceKind.COW_REUSE)).contains("PageAnonExclusive");
        }
    }

    @Nested
    class GupReadOnSharedValues {
        private Kernel k;
        private Process a;
        private long buf;
        private Frame shared;

        private void setUp(KernelModel model) {
            k = kernel(model);
            a = k.spawn("A");
            buf = buffer(a, 1, 'A');
            shared = a.frameAt(buf);
            a.fork();
        }

        @Test
        void returnSharedGivesTheSharedPage() {
            setUp(KernelModel.LINUX_5_10);
            assertThat(a.pinUserPages(buf, 1, 0, "t").frame(0)).isSameAs(shared);
            assertThat(a.isMappedWritable(buf)).isFalse();
        }

        @Test
        void forceCowBreakGivesAPrivateWritableCopy() {
            setUp(KernelModel.LINUX_5_8);
            Frame got = a.getUserPages(buf, 1, 0, "t").frame(0);
            assertThat(got).isNotSameAs(shared).isSameAs(a.frameAt(buf));
            assertThat(a.isMappedWritable(buf)).isTrue();
        }

        @Test
        void unshareIfPinUnsharesForPinsOnlyAndKeepsThePteReadOnly() {
            setUp(KernelModel.LINUX_6_1);
            assertThat(a.getUserPages(buf, 1, 0, "get").frame(0)).as("FOLL_GET returns the shared page").isSameAs(shared);
            Frame pinned = a.pinUserPages(buf, 1, 0, "pin").frame(0);
            assertThat(pinned).isNotSameAs(shared).isSameAs(a.frameAt(buf));
            assertThat(pinned.isAnonExclusive()).isTrue();
            assertThat(a.isMappedWritable(buf)).isFalse();
            assertThat(k.trace().events(e -> e.kind() == TraceKind.UNSHARE)).hasSize(1);
        }
    }

    @Nested
    class RoLongtermPinNonAnonValues {
        @Test
        void pinInPlacePinsTheZeroPage() {
            Kernel k = kernel(KernelModel.LINUX_6_6.with(RoLongtermPinNonAnon.PIN_IN_PLACE));
            Process a = k.spawn("A");
            long buf = a.mmap(PAGE, RW, ANON_PRIVATE);
            assertThat(a.pinUserPages(buf, 1, Foll.LONGTERM, "t").frame(0).isZeroPage()).isTrue();
        }

        @Test
        void unshareReplacesTheZeroPageForLongtermPinsOnly() {
            Kernel k = kernel(KernelModel.LINUX_6_6);
            Process a = k.spawn("A");
            long buf = a.mmap(2L * PAGE, RW, ANON_PRIVATE);
            assertThat(a.pinUserPages(buf, 1, 0, "short").frame(0).isZeroPage()).isTrue();
            Frame f = a.pinUserPages(buf + PAGE, 1, Foll.LONGTERM, "long").frame(0);
            assertThat(f.isZeroPage()).isFalse();
            assertThat(f.isAnonExclusive()).isTrue();
            assertThat(a.isMappedWritable(buf + PAGE)).isFalse();
        }
    }

    @Nested
    class ForkPinnedValues {
        private Process forkPinned(KernelModel model) {
            Kernel k = kernel(model);
            Process a = k.spawn("A");
            long buf = buffer(a, 1, 'A');
            a.pinUserPages(buf, 1, Foll.WRITE, "t");
            Process child = a.fork();
            return child.frameAt(buf) == a.frameAt(buf) ? child : null;
        }

        @Test
        void shareWrprotectSharesThePinnedPage() {
            assertThat(forkPinned(KernelModel.LINUX_5_10.with(ForkPinned.SHARE_WRPROTECT))).isNotNull();
        }

        @Test
        void earlyCopyAnyPageCopiesEvenAPageThatWasAlreadyShared() {
            Kernel k = kernel(KernelModel.LINUX_5_10);
            Process a = k.spawn("A");
            long buf = buffer(a, 1, 'A');
            Process b = a.fork();
            Frame shared = a.frameAt(buf);
            a.pinUserPages(buf, 1, 0, "ro");
            Process c = a.fork();
            assertThat(b.frameAt(buf)).isSameAs(shared);
            assertThat(a.frameAt(buf)).isSameAs(shared);
            assertThat(c.frameAt(buf)).isNotSameAs(shared);
        }

        @Test
        void earlyCopyAnonExclusiveCopiesPinnedAndClearsExclusiveOnShared() {
            assertThat(forkPinned(KernelModel.LINUX_6_1)).as("pinned page copied").isNull();
            Kernel k = kernel(KernelModel.LINUX_6_1);
            Process a = k.spawn("A");
            long buf = buffer(a, 1, 'A');
            Frame f = a.frameAt(buf);
            assertThat(f.isAnonExclusive()).isTrue();
            a.fork();
            assertThat(f.isAnonExclusive()).isFalse();
        }
    }

    @Nested
    class GupFastVsForkValues {
        @Test
        void writeProtectSeqSendsGupFastToTheSlowPathDuringFork() {
            assertThat(firstGupStepDuringFork(KernelModel.LINUX_6_6)).contains("slow path");
        }

        @Test
        void unserializedWalksLocklessDuringFork() {
            assertThat(firstGupStepDuringFork(KernelModel.LINUX_5_10.with(GupFastVsFork.UNSERIALIZED))).contains("lockless walk");
        }

        private String firstGupStepDuringFork(KernelModel m) {
            Kernel k = kernel(m);
            Process a = k.spawn("A");
            long buf = buffer(a, 1, 'A');
            ForkSteps f = a.mainThread().forkSteps("B");
            f.step();
            f.step();
            GupFast g = a.spawnThread("T2").pinUserPagesFastSteps(buf, 1, Foll.WRITE, "t");
            g.step();
            return g.nextStep();
        }
    }

    @Nested
    class ZeroPagePinningValues {
        @Test
        void refcountedPinsTheZeroPage() {
            Kernel k = kernel(KernelModel.LINUX_6_1);
            Process a = k.spawn("A");
            long buf = a.mmap(PAGE, RW, ANON_PRIVATE);
            GupPages p = a.pinUserPages(buf, 1, 0, "t");
            assertThat(p.frame(0).isZeroPage()).isTrue();
            assertThat(k.zeroPage().refcount()).isEqualTo(1 + Frame.GUP_PIN_COUNTING_BIAS);
            p.unpin(false);
            assertThat(k.zeroPage().refcount()).isEqualTo(1);
        }

        @Test
        void notRefcountedReturnsTheZeroPageWithoutPinningIt() {
            Kernel k = kernel(KernelModel.LINUX_6_6);
            Process a = k.spawn("A");
            long buf = a.mmap(PAGE, RW, ANON_PRIVATE);
            GupPages p = a.pinUserPages(buf, 1, 0, "t");
            assertThat(p.frame(0).isZeroPage()).isTrue();
            assertThat(k.zeroPage().refcount()).isEqualTo(1);
            p.unpin(false);
            assertThat(k.zeroPage().refcount()).isEqualTo(1);
        }
    }

    @Nested
    class MprotectWriteValues {
        /** A page mapped read-only but exclusive and clean: swapped out, then read back in (6.x). */
        private Process cleanExclusiveReadOnly(KernelModel m, long[] bufOut) {
            Kernel k = kernel(m);
            Process a = k.spawn("A");
            long buf = buffer(a, 2, 'A');
            k.reclaim(a, buf);
            seen(a, buf);
            a.mprotect(buf, 2L * PAGE, Prot.READ);
            a.mprotect(buf, 2L * PAGE, RW);
            bufOut[0] = buf;
            return a;
        }

        @Test
        void faultOnWriteLeavesPrivatePtesReadOnly() {
            Kernel k = kernel(KernelModel.LINUX_6_6.with(MprotectWrite.FAULT_ON_WRITE));
            Process a = k.spawn("A");
            long buf = buffer(a, 1, 'A');
            a.mprotect(buf, PAGE, Prot.READ);
            a.mprotect(buf, PAGE, RW);
            assertThat(a.isMappedWritable(buf)).isFalse();
        }

        @Test
        void dirtyExclusiveAnonWritableNeedsADirtyPte() {
            long[] buf = new long[1];
            Process a = cleanExclusiveReadOnly(KernelModel.LINUX_6_1, buf);
            assertThat(a.isMappedWritable(buf[0])).as("clean").isFalse();
            assertThat(a.isMappedWritable(buf[0] + PAGE)).as("dirty").isTrue();
        }

        @Test
        void exclusiveAnonWritableTakesCleanPagesToo() {
            long[] buf = new long[1];
            Process a = cleanExclusiveReadOnly(KernelModel.LINUX_6_6, buf);
            assertThat(a.isMappedWritable(buf[0])).isTrue();
            assertThat(a.isMappedWritable(buf[0] + PAGE)).isTrue();
        }

        @Test
        void softDirtyTrackingStopsTheOptimisation() {
            Kernel k = kernel(KernelModel.LINUX_6_6);
            Process a = k.spawn("A");
            long buf = buffer(a, 1, 'A');
            a.clearSoftDirty();
            a.mprotect(buf, PAGE, Prot.READ);
            a.mprotect(buf, PAGE, RW);
            assertThat(a.isMappedWritable(buf)).isFalse();
            a.write(buf, fill('W', 1));
            assertThat(a.isMappedWritable(buf)).isTrue();
            a.mprotect(buf, PAGE, Prot.READ);
            a.mprotect(buf, PAGE, RW);
            assertThat(a.isMappedWritable(buf)).as("soft-dirty again after the write").isTrue();
        }
    }

    @Nested
    class SoftDirtyPinnedValues {
        private boolean pinCoherentAfterClearRefsAndWrite(KernelModel m) {
            Kernel k = kernel(m);
            Process a = k.spawn("A");
            long buf = buffer(a, 1, 'A');
            GupPages pin = a.pinUserPages(buf, 1, Foll.WRITE | Foll.LONGTERM, "t");
            a.clearSoftDirty();
            a.write(buf, fill('W', 1));
            return pin.isCoherent(0);
        }

        @Test
        void writeProtectLetsTheNextWriteCopyAPinnedPageOnTheRefcountRule() {
            assertThat(pinCoherentAfterClearRefsAndWrite(KernelModel.LINUX_5_10.with(SoftDirtyPinned.WRITE_PROTECT))).isFalse();
        }

        @Test
        void skipPinnedLeavesThePinnedPteWritable() {
            assertThat(pinCoherentAfterClearRefsAndWrite(KernelModel.LINUX_5_10)).isTrue();
        }
    }

    @Nested
    class MadviseAvailabilityValues {
        @Test
        void pageoutSupportedAndUnsupported() {
            Kernel k = kernel(KernelModel.LINUX_5_8);
            Process a = k.spawn("A");
            long buf = buffer(a, 1, 'A');
            a.madvise(buf, PAGE, Advice.PAGEOUT);
            assertThat(a.pteAt(buf)).startsWith("swap entry");
            Kernel old = kernel(KernelModel.LINUX_5_8.with(MadvPageout.UNSUPPORTED));
            Process b = old.spawn("B");
            long bb = buffer(b, 1, 'B');
            assertThatThrownBy(() -> b.madvise(bb, PAGE, Advice.PAGEOUT)).isInstanceOf(ErrnoException.class).hasMessageContaining("EINVAL");
        }

        @Test
        void populateSupportedAndUnsupported() {
            Kernel k = kernel(KernelModel.LINUX_6_1);
            Process a = k.spawn("A");
            long buf = a.mmap(2L * PAGE, RW, ANON_PRIVATE);
            a.madvise(buf, PAGE, Advice.POPULATE_READ);
            a.madvise(buf + PAGE, PAGE, Advice.POPULATE_WRITE);
            assertThat(a.frameAt(buf).isZeroPage()).isTrue();
            assertThat(a.isMappedWritable(buf + PAGE)).isTrue();
            Kernel old = kernel(KernelModel.LINUX_6_1.with(MadvPopulate.UNSUPPORTED));
            Process b = old.spawn("B");
            long bb = b.mmap(PAGE, RW, ANON_PRIVATE);
            assertThatThrownBy(() -> b.madvise(bb, PAGE, Advice.POPULATE_WRITE)).isInstanceOf(ErrnoException.class).hasMessageContaining("EINVAL");
            assertThat(b.populatedPtes()).isZero();
        }
    }
}
