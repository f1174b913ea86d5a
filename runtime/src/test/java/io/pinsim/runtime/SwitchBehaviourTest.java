package io.pinsim.runtime;

import static io.pinsim.runtime.Fixtures.PAGE;
import static io.pinsim.runtime.Fixtures.RW;
import static io.pinsim.runtime.Fixtures.ANON_PRIVATE;
import static io.pinsim.runtime.Fixtures.ANON_SHARED;
import static io.pinsim.runtime.Fixtures.buffer;
import static io.pinsim.runtime.Fixtures.builder;
import static io.pinsim.runtime.Fixtures.fill;
import static io.pinsim.runtime.Fixtures.kernel;
import static io.pinsim.runtime.Fixtures.seen;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pinsim.runtime.model.CowReuse;
import io.pinsim.runtime.model.DaxLongtermPin;
import io.pinsim.runtime.model.DeviceExclusive;
import io.pinsim.runtime.model.HmmDevicePrivateOwner;
import io.pinsim.runtime.model.DioPages;
import io.pinsim.runtime.model.DmaResvLockdepPriming;
import io.pinsim.runtime.model.DirtyWithoutBuffersWriteback;
import io.pinsim.runtime.model.ForkPinned;
import io.pinsim.runtime.model.GetUserPagesLongterm;
import io.pinsim.runtime.model.GupFastVsFork;
import io.pinsim.runtime.model.GupReadOnShared;
import io.pinsim.runtime.model.HugetlbForkPinned;
import io.pinsim.runtime.model.HugetlbMadvDontneed;
import io.pinsim.runtime.model.HugetlbMremap;
import io.pinsim.runtime.model.MemfdExec;
import io.pinsim.runtime.model.MemfdFutureWrite;
import io.pinsim.runtime.model.IbUmemGupFlags;
import io.pinsim.runtime.model.IoUringBufferCheck;
import io.pinsim.runtime.model.SecondaryTlbInvalidation;
import io.pinsim.runtime.model.SvaMmExit;
import io.pinsim.runtime.model.KernelModel;
import io.pinsim.runtime.model.KfdSvm;
import io.pinsim.runtime.model.LongtermFileWritePin;
import io.pinsim.runtime.model.MadvCollapse;
import io.pinsim.runtime.model.MadvPageout;
import io.pinsim.runtime.model.MremapDontunmap;
import io.pinsim.runtime.model.MadvPopulate;
import io.pinsim.runtime.model.MmuNotifierLockdep;
import io.pinsim.runtime.model.MprotectWrite;
import io.pinsim.runtime.model.MunmapLock;
import io.pinsim.runtime.model.NotifierFailure;
import io.pinsim.runtime.model.PinAccounting;
import io.pinsim.runtime.model.PinnedAnonReclaim;
import io.pinsim.runtime.model.RdmaCopyOnFork;
import io.pinsim.runtime.model.RoLongtermPinNonAnon;
import io.pinsim.runtime.model.SoftDirtyPinned;
import io.pinsim.runtime.model.ThpCow;
import io.pinsim.runtime.model.Switch;
import io.pinsim.runtime.model.TruncatePinnedPage;
import io.pinsim.runtime.spi.DriverContext;
import io.pinsim.runtime.spi.Gfp;
import io.pinsim.runtime.trace.TraceKind;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * One behaviour test per value of every switch: the switch is set on a base model and the
 * behaviour it names is checked directly, in a nested class per switch. The switches a device
 * implements (RDMA's) are tested the same way in devices' DeviceSwitchBehaviourTest;
 * {@link #everySwitchValueHasABehaviourTestNamedAfterIt()} keeps the list complete.
 */
class SwitchBehaviourTest {

    @Nested
    class MunmapLockValues {
        /**
         * A stepped munmap of one page runs until its zap is done; then another thread's GUP-fast of
         * the page finds no PTE and goes to the slow path, which takes mmap_lock for read.
         */
        private GupFast gupDuringTheZap(KernelModel model, Steppable[] unmapOut) {
            Kernel k = kernel(model);
            Process a = k.spawn("A");
            long buf = buffer(a, 1, 'A');
            Task t2 = a.spawnThread("T2");
            Steppable unmap = a.mainThread().munmapSteps(buf, PAGE);
            unmapOut[0] = unmap;
            while (!unmap.nextStep().startsWith("mmu_notifier_invalidate_range_end")) {
                unmap.step();
            }
            assertThat(a.frameAt(buf)).as("zapped").isNull();
            GupFast pin = t2.pinUserPagesFastSteps(buf, 1, Foll.WRITE, "t");
            while (!pin.nextStep().startsWith("slow path")) {
                pin.step();
            }
            return pin;
        }

        @Test
        void heldForWriteMakesGupsSlowPathWaitForTheWholeZap() {
            Steppable[] unmap = new Steppable[1];
            GupFast pin = gupDuringTheZap(KernelModel.LINUX_5_8.with(MunmapLock.HELD_FOR_WRITE), unmap);
            assertThat(pin.isBlocked()).isTrue();
            assertThat(pin.waitsFor()).endsWith(":mmap_lock");
            assertThat(unmap[0].holds()).contains(pin.waitsFor());
            assertThat(unmap[0].nextStep()).doesNotContain("mmap_read_unlock");
            while (!unmap[0].isDone()) {
                unmap[0].step();
            }
            assertThat(pin.isBlocked()).isFalse();
            assertThatThrownBy(pin::step).isInstanceOf(ErrnoException.class).hasMessageContaining("EFAULT");
        }

        @Test
        void downgradedForZapLetsGupsSlowPathRunDuringTheZapAndFindNoVma() {
            Steppable[] unmap = new Steppable[1];
            GupFast pin = gupDuringTheZap(KernelModel.LINUX_6_6, unmap);
            assertThat(pin.isBlocked()).as("mmap_lock is held for read only").isFalse();
            assertThat(unmap[0].isDone()).isFalse();
            assertThat(unmap[0].nextStep()).startsWith("mmu_notifier_invalidate_range_end");
            assertThatThrownBy(pin::step).isInstanceOf(ErrnoException.class).hasMessageContaining("EFAULT");
            unmap[0].step();
            assertThat(unmap[0].nextStep()).isEqualTo("remove_mt(), mmap_read_unlock");
            unmap[0].step();
            assertThat(unmap[0].isDone()).isTrue();
        }

        @Test
        void downgradedForZapStillExcludesForkAndDetachesTheVmasInTheFirstStep() {
            Kernel k = kernel(KernelModel.LINUX_6_6);
            Process a = k.spawn("A");
            long buf = buffer(a, 2, 'A');
            Steppable unmap = a.mainThread().munmapSteps(buf, PAGE);
            assertThat(unmap.nextStep()).contains("detach the VMAs, mmap_write_downgrade()");
            unmap.step();
            assertThat(a.vmas()).noneMatch(v -> v.start() <= buf && buf < v.end());
            assertThat(a.frameAt(buf)).as("not zapped yet").isNotNull();
            ForkSteps fork = a.spawnThread("T2").forkSteps("B");
            assertThat(fork.isBlocked()).as("fork takes mmap_lock for write").isTrue();
            while (!unmap.isDone()) {
                unmap.step();
            }
            assertThat(fork.isBlocked()).isFalse();
            fork.run();
            k.checkInvariants();
            k.checkNoLeaks();
        }
    }

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
        void proposalCopyGupPagesCopiesAPageWithAPlainGupReferenceWithoutPinAccounting() {
            KernelModel m = KernelModel.LINUX_4_19.with(ForkPinned.PROPOSAL_COPY_GUP_PAGES);
            Kernel k = kernel(m);
            Process a = k.spawn("A");
            long buf = buffer(a, 2, 'A');
            Frame gupped = a.frameAt(buf);
            Frame plain = a.frameAt(buf + PAGE);
            GupPages ref = a.getUserPages(buf, 1, Foll.WRITE, "dio");
            Process child = a.fork();
            assertThat(child.frameAt(buf)).as("a page with a GUP reference is copied for the child").isNotSameAs(gupped);
            assertThat(a.frameAt(buf)).isSameAs(gupped);
            assertThat(child.frameAt(buf + PAGE)).as("a page without one is shared").isSameAs(plain);
            a.write(buf, fill('P', 1));
            assertThat(a.frameAt(buf)).as("the parent keeps writing the page the device holds").isSameAs(gupped);
            assertThat(ref.frame(0).read(0, 1)[0]).isEqualTo((byte) 'P');
            assertThat(seen(child, buf)).isEqualTo('A');
            ref.release();
        }

        @Test
        void proposalRequireDontforkFailsForkWithEbusyForAPinnedPageUnlessMadvDontfork() {
            Kernel k = kernel(KernelModel.LINUX_5_8.with(ForkPinned.PROPOSAL_REQUIRE_DONTFORK));
            Process a = k.spawn("A");
            long buf = buffer(a, 2, 'A');
            Frame pinned = a.frameAt(buf);
            GupPages pin = a.pinUserPages(buf, 1, Foll.WRITE | Foll.LONGTERM, "rdma0");
            int before = k.processes().size();
            assertThatThrownBy(a::fork).isInstanceOfSatisfying(ErrnoException.class, e -> {
                assertThat(e.errno()).isEqualTo(Errno.EBUSY);
                assertThat(e.getMessage()).contains("MADV_DONTFORK");
            });
            assertThat(k.processes()).as("no child runs").hasSize(before);
            a.write(buf, fill('P', 1));
            assertThat(a.frameAt(buf)).as("the parent keeps writing the page the device holds").isSameAs(pinned);
            assertThat(pin.frame(0).read(0, 1)[0]).isEqualTo((byte) 'P');
            a.madvise(buf, 2L * PAGE, Advice.DONTFORK);
            Process child = a.fork();
            assertThat(child.vmaAt(buf)).as("with MADV_DONTFORK fork succeeds, the range is not in the child").isNull();
            pin.unpin(true);
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
    class MadvPageoutValues {
        @Test
        void supportedSwapsThePageOut() {
            Kernel k = kernel(KernelModel.LINUX_4_19.with(MadvPageout.SUPPORTED));
            Process a = k.spawn("A");
            long buf = buffer(a, 1, 'A');
            a.madvise(buf, PAGE, Advice.PAGEOUT);
            assertThat(a.pteAt(buf)).startsWith("swap entry");
            assertThat(seen(a, buf)).isEqualTo('A');
        }

        @Test
        void unsupportedIsEinvalAndChangesNothing() {
            Kernel k = kernel(KernelModel.LINUX_5_8.with(MadvPageout.UNSUPPORTED));
            Process b = k.spawn("B");
            long bb = buffer(b, 1, 'B');
            String pte = b.pteAt(bb);
            assertThatThrownBy(() -> b.madvise(bb, PAGE, Advice.PAGEOUT)).isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
            assertThat(b.pteAt(bb)).isEqualTo(pte);
        }
    }

    @Nested
    class MadvCollapseValues {
        @Test
        void supportedCollapsesTheRangeIntoOneThp() {
            Kernel k = kernel(KernelModel.LINUX_5_10.with(MadvCollapse.SUPPORTED));
            Process a = k.spawn("A");
            long m = a.mmap(4L << 20, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
            long mem = (m + (2 << 20)) & -(2L << 20);
            a.fill(mem, 2 << 20, (byte) 'c');
            a.madvise(mem, 2 << 20, Advice.COLLAPSE);
            assertThat(a.pteAt(mem)).contains("PMD-mapped THP");
            assertThat(seen(a, mem + PAGE)).isEqualTo('c');
        }

        @Test
        void unsupportedIsEinvalAndChangesNothing() {
            Kernel k = kernel(KernelModel.LINUX_6_6.with(MadvCollapse.UNSUPPORTED));
            Process b = k.spawn("B");
            long bb = buffer(b, 1, 'B');
            String pte = b.pteAt(bb);
            assertThatThrownBy(() -> b.madvise(bb, PAGE, Advice.COLLAPSE)).isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
            assertThat(b.pteAt(bb)).isEqualTo(pte);
        }
    }

    @Nested
    class MremapDontunmapValues {
        private static final long TO = 0x7e0000000000L;
        private static final int MOVE = MremapFlags.MAYMOVE | MremapFlags.FIXED | MremapFlags.DONTUNMAP;

        @Test
        void unsupportedIsAnUnknownFlag() {
            Kernel k = kernel(KernelModel.LINUX_6_6.with(MremapDontunmap.UNSUPPORTED));
            Process a = k.spawn("A");
            long buf = buffer(a, 1, 'A');
            assertThatThrownBy(() -> a.mremap(buf, PAGE, PAGE, MOVE, TO)).isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL))
                    .hasMessageContaining("unknown flags");
            assertThat(seen(a, buf)).isEqualTo('A');
        }

        @Test
        void privateAnonMovesThePagesAndLeavesTheOldRangeEmptyButRefusesSharedMemory() {
            Kernel k = kernel(KernelModel.LINUX_4_19.with(MremapDontunmap.PRIVATE_ANON));
            Process a = k.spawn("A");
            long buf = buffer(a, 1, 'A');
            long pfn = a.frameAt(buf).pfn();
            assertThat(a.mremap(buf, PAGE, PAGE, MOVE, TO)).isEqualTo(TO);
            assertThat(a.frameAt(TO).pfn()).isEqualTo(pfn);
            assertThat(a.vmaAt(buf)).as("the old mapping stays").isNotNull();
            assertThat(seen(a, buf)).as("empty: new anonymous memory").isEqualTo((char) 0);
            long shm = a.mmap(0, PAGE, Prot.READ | Prot.WRITE, MapFlags.SHARED | MapFlags.ANONYMOUS);
            assertThatThrownBy(() -> a.mremap(shm, PAGE, PAGE, MOVE, TO + (1 << 21))).isInstanceOfSatisfying(ErrnoException.class,
                    e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL)).hasMessageContaining("only private anonymous");
        }

        @Test
        void anyMappingMovesSharedMemoryAndTheOldRangeRefaultsFromIt() {
            Kernel k = kernel(KernelModel.LINUX_5_10.with(MremapDontunmap.ANY_MAPPING));
            Process a = k.spawn("A");
            long shm = a.mmap(0, PAGE, Prot.READ | Prot.WRITE, MapFlags.SHARED | MapFlags.ANONYMOUS);
            a.write(shm, new byte[] {'S'});
            assertThat(a.mremap(shm, PAGE, PAGE, MOVE, TO)).isEqualTo(TO);
            assertThat(seen(a, TO)).isEqualTo('S');
            assertThat(seen(a, shm)).as("refaulted from the shmem object").isEqualTo('S');
        }
    }

    @Nested
    class MmuNotifierLockdepValues {
        private static final String RECLAIM_TO_MAP = "fs_reclaim -> mmu_notifier_invalidate_range_start";

        /** Dependencies recorded after boot (step &gt; 0), as text. */
        private List<String> runtimeDeps(Kernel k) {
            return k.lockdep().dependencies().stream().filter(d -> d.step() > 0).map(Object::toString).toList();
        }

        /** A driver that inserts a notifier whose callback takes its lock, then allocates with GFP_NOFS under that lock. */
        private Kernel driverWithNotifier(KernelModel model) {
            Kernel k = kernel(model);
            DriverContext dev = DriverContext.attach(k, "gpu0");
            Process a = k.spawn("A");
            long buf = buffer(a, 1, 'A');
            dev.insertIntervalNotifier(a, buf, PAGE, (sub, range, cur) -> {
                dev.lock("update");
                sub.setSeq(cur);
                dev.unlock("update");
                return true;
            }, null);
            a.madvise(buf, PAGE, Advice.DONTNEED);
            dev.lock("update");
            dev.allocate(Gfp.NOFS, "under update");
            dev.unlock("update");
            return k;
        }

        @Test
        void noMapRecordsNothingForInvalidationsRegistrationOrAllocations() {
            Kernel k = driverWithNotifier(KernelModel.LINUX_4_19);
            assertThat(k.lockdep().dependencies()).noneMatch(d -> d.toString().contains("mmu_notifier_invalidate_range_start"));
        }

        @Test
        void primedAtRegisterRecordsReclaimToMapAtTheFirstInsertAndNofsAllocationsTakeNoMap() {
            Kernel k = driverWithNotifier(KernelModel.LINUX_5_8.with(MmuNotifierLockdep.PRIMED_AT_REGISTER));
            assertThat(runtimeDeps(k)).contains(RECLAIM_TO_MAP, "mmu_notifier_invalidate_range_start -> &gpu0->update")
                    .doesNotContain("&gpu0->update -> mmu_notifier_invalidate_range_start");
            assertThat(k.lockdep().reports()).isEmpty();
        }

        /**
         * Cycle F of the device reference: an invalidation holds the notifier map and its callback
         * takes the driver's lock; a driver that calls mmu_interval_read_begin() (which takes the map,
         * 99cb252f5e68) under that lock closes the cycle, reported the first time, deadlock or not.
         */
        private Kernel readBeginUnderTheDriverLock(KernelModel model) {
            Kernel k = kernel(model);
            DriverContext dev = DriverContext.attach(k, "gpu0");
            Process a = k.spawn("A");
            long buf = buffer(a, 1, 'A');
            io.pinsim.runtime.MmuIntervalNotifier sub = dev.insertIntervalNotifier(a, buf, PAGE, (s, range, cur) -> {
                dev.lock("update");
                s.setSeq(cur);
                dev.unlock("update");
                return true;
            }, null);
            a.madvise(buf, PAGE, Advice.DONTNEED);
            dev.lock("update");
            sub.readBegin();
            dev.unlock("update");
            return k;
        }

        @Test
        void primedAtRegisterReportsReadBeginUnderTheLockTheCallbackTakes() {
            for (KernelModel m : List.of(KernelModel.LINUX_5_8.with(MmuNotifierLockdep.PRIMED_AT_REGISTER), KernelModel.LINUX_6_6)) {
                assertThat(readBeginUnderTheDriverLock(m).lockdep().reports()).as(m.name()).singleElement()
                        .satisfies(r -> assertThat(r.cycle()).contains("&gpu0->update", "mmu_notifier_invalidate_range_start"));
            }
            assertThat(readBeginUnderTheDriverLock(KernelModel.LINUX_4_19).lockdep().reports()).as("no map before 5.4").isEmpty();
        }

        @Test
        void takenByReclaimPrimesNothingAtRegisterButEveryReclaimingAllocationTakesTheMap() {
            Kernel k = driverWithNotifier(KernelModel.LINUX_5_8.with(MmuNotifierLockdep.TAKEN_BY_RECLAIM));
            assertThat(runtimeDeps(k)).doesNotContain(RECLAIM_TO_MAP);
            assertThat(k.lockdep().reports()).as("GFP_NOFS under the lock the callback takes").singleElement()
                    .satisfies(r -> assertThat(r.cycle()).contains("&gpu0->update", "mmu_notifier_invalidate_range_start"));
        }
    }

    @Nested
    class DmaResvLockdepPrimingValues {
        private List<String> deps(Kernel k) {
            return k.lockdep().dependencies().stream().map(Object::toString).toList();
        }

        private Kernel allocateInSignallingSection(KernelModel model) {
            Kernel k = kernel(model);
            DriverContext gpu = DriverContext.attach(k, "gpu0");
            boolean cookie = gpu.dmaFenceBeginSignalling();
            gpu.allocate(Gfp.KERNEL, "job");
            gpu.dmaFenceEndSignalling(cookie);
            return k;
        }

        @Test
        void noneRecordsNothingAtBootAndAnAllocationInASignallingSectionGoesUnreported() {
            Kernel k = allocateInSignallingSection(KernelModel.LINUX_5_10.with(DmaResvLockdepPriming.NONE));
            assertThat(k.lockdep().reports()).isEmpty();
            assertThat(k.lockdep().dependencies()).noneMatch(d -> d.step() == 0);
        }

        @Test
        void resvReclaimPrimesMmapLockThenDmaResvThenFsReclaimButNoFences() {
            Kernel k = allocateInSignallingSection(KernelModel.LINUX_5_10.with(DmaResvLockdepPriming.RESV_RECLAIM));
            assertThat(deps(k)).containsExactly("&mm->mmap_lock -> reservation_ww_class_mutex", "reservation_ww_class_mutex -> fs_reclaim");
            assertThat(k.lockdep().reports()).isEmpty();
        }

        @Test
        void fenceSignallingPrimesNotifierAndFenceWaitSoTheFirstAllocationInASignallingSectionIsReported() {
            Kernel k = allocateInSignallingSection(KernelModel.LINUX_5_8.with(DmaResvLockdepPriming.FENCE_SIGNALLING));
            assertThat(deps(k)).startsWith("&mm->mmap_lock -> reservation_ww_class_mutex", "reservation_ww_class_mutex -> fs_reclaim",
                    "fs_reclaim -> &mapping->i_mmap_rwsem", "fs_reclaim -> mmu_notifier_invalidate_range_start",
                    "mmu_notifier_invalidate_range_start -> dma_fence_map");
            assertThat(k.lockdep().reports()).singleElement()
                    .satisfies(r -> assertThat(r.cycle()).containsExactly("dma_fence_map", "fs_reclaim", "mmu_notifier_invalidate_range_start", "dma_fence_map"));
        }
    }

    @Nested
    class MadvPopulateValues {
        @Test
        void supportedPopulatesForReadAndForWrite() {
            Kernel k = kernel(KernelModel.LINUX_5_10.with(MadvPopulate.SUPPORTED));
            Process a = k.spawn("A");
            long buf = a.mmap(2L * PAGE, RW, ANON_PRIVATE);
            a.madvise(buf, PAGE, Advice.POPULATE_READ);
            a.madvise(buf + PAGE, PAGE, Advice.POPULATE_WRITE);
            assertThat(a.frameAt(buf).isZeroPage()).isTrue();
            assertThat(a.isMappedWritable(buf + PAGE)).isTrue();
        }

        @Test
        void unsupportedIsEinvalAndPopulatesNothing() {
            Kernel k = kernel(KernelModel.LINUX_6_1.with(MadvPopulate.UNSUPPORTED));
            Process b = k.spawn("B");
            long bb = b.mmap(PAGE, RW, ANON_PRIVATE);
            assertThatThrownBy(() -> b.madvise(bb, PAGE, Advice.POPULATE_WRITE)).isInstanceOf(ErrnoException.class).hasMessageContaining("EINVAL");
            assertThat(b.populatedPtes()).isZero();
        }
    }

    @Nested
    class PinnedAnonReclaimValues {
        @Test
        void swapOutPutsAPinnedPageInTheSwapCacheAndUnmapsIt() {
            Kernel k = kernel(KernelModel.LINUX_5_10.with(PinnedAnonReclaim.SWAP_OUT));
            Process a = k.spawn("A");
            long buf = buffer(a, 1, 'A');
            GupPages pin = a.pinUserPages(buf, 1, Foll.WRITE | Foll.LONGTERM, "t");
            assertThat(k.reclaim(a, buf)).isTrue();
            assertThat(a.pteAt(buf)).startsWith("swap entry");
            assertThat(pin.frame(0).isInSwapCache()).isTrue();
            assertThat(pin.frame(0).isFree()).as("the pin keeps the frame").isFalse();
        }

        @Test
        void skipPinnedLeavesAPinnedPageMapped() {
            Kernel k = kernel(KernelModel.LINUX_5_8.with(PinnedAnonReclaim.SKIP_PINNED));
            Process a = k.spawn("A");
            long buf = buffer(a, 1, 'A');
            GupPages pin = a.pinUserPages(buf, 1, Foll.WRITE | Foll.LONGTERM, "t");
            assertThat(k.reclaim(a, buf)).isFalse();
            assertThat(a.frameAt(buf)).isSameAs(pin.frame(0));
            assertThat(pin.frame(0).isInSwapCache()).isFalse();
        }
    }

    @Nested
    class DioPagesValues {
        private GupPages directReadPages(KernelModel model) {
            Kernel k = kernel(model);
            Inode ino = k.mount(FsKind.EXT4).create("data", fill('F', PAGE));
            Process a = k.spawn("A");
            long buf = buffer(a, 1, 'A');
            return a.open(ino, OpenFlags.RDONLY | OpenFlags.DIRECT).startDirectRead(buf, PAGE, 0).pages();
        }

        @Test
        void follGetTakesPlainReferencesThatLookUnpinned() {
            GupPages pages = directReadPages(KernelModel.LINUX_6_6.with(DioPages.FOLL_GET));
            assertThat(pages.isPin()).isFalse();
            assertThat(pages.frame(0).refcount()).isEqualTo(2);
            assertThat(pages.frame(0).maybeDmaPinned()).as("invisible to page_maybe_dma_pinned(), so to fork").isFalse();
        }

        @Test
        void follPinPinsThePages() {
            GupPages pages = directReadPages(KernelModel.LINUX_6_1.with(DioPages.FOLL_PIN));
            assertThat(pages.isPin()).isTrue();
            assertThat(pages.frame(0).refcount()).isEqualTo(1 + Frame.GUP_PIN_COUNTING_BIAS);
            assertThat(pages.frame(0).maybeDmaPinned()).isTrue();
        }
    }

    /**
     * Jan Kara's scenario (FilesTest.writebackRacingALongtermPin): a long-term write pin of an ext4
     * shared page, writeback, reclaim strips the buffers, the unpin dirties the page without buffers;
     * then writeback meets a dirty page without buffers.
     */
    @Nested
    class DirtyWithoutBuffersWritebackValues {
        private OpenFile dirtyPageWithoutBuffers(Kernel k, Inode ino) {
            Process a = k.spawn("A");
            OpenFile f = a.open(ino, OpenFlags.RDWR);
            long map = a.mmap(0, PAGE, RW, MapFlags.SHARED, f, 0);
            a.write(map, fill('M', 1));
            GupPages pin = a.pinUserPages(map, 1, Foll.WRITE | Foll.LONGTERM, "rdma0");
            f.writeback();
            pin.write(0, fill('2', 8));
            k.reclaim(a, map);
            pin.unpin(true);
            assertThat(pin.frame(0).hasBuffers()).isFalse();
            assertThat(pin.frame(0).isDirty()).isTrue();
            return f;
        }

        @Test
        void bugOopsesInExt4Writepage() {
            Kernel k = kernel(KernelModel.LINUX_6_1.with(DirtyWithoutBuffersWriteback.BUG));
            Inode ino = k.mount(FsKind.EXT4).create("data", fill('F', PAGE));
            OpenFile f = dirtyPageWithoutBuffers(k, ino);
            assertThatThrownBy(f::writeback).isInstanceOfSatisfying(KernelBugException.class,
                    e -> assertThat(e.invariant()).isEqualTo("ext4-dirty-page-without-buffers"));
            assertThat(k.log().contains("BUG_ON(!PagePrivate(page))")).isTrue();
        }

        @Test
        void warnAndDropCleansThePageWithoutWritingIt() {
            Kernel k = kernel(KernelModel.LINUX_5_10.with(DirtyWithoutBuffersWriteback.WARN_AND_DROP));
            Inode ino = k.mount(FsKind.EXT4).create("data", fill('F', PAGE));
            OpenFile f = dirtyPageWithoutBuffers(k, ino);
            f.writeback();
            assertThat(k.log().contains("does not have buffers attached")).isTrue();
            assertThat(ino.dirtyPages()).isZero();
            assertThat(ino.readDisk(0, 1)).as("the pinned page's last data never reaches the disk").containsOnly((byte) 'M');
        }
    }

    @Nested
    class LongtermFileWritePinValues {
        private long ext4SharedMapping(Process a) {
            Inode ino = a.kernel().mount(FsKind.EXT4).create("data", fill('F', PAGE));
            return a.mmap(0, PAGE, RW, MapFlags.SHARED, a.open(ino, OpenFlags.RDWR), 0);
        }

        @Test
        void allowedPinsADirtyTrackedSharedMapping() {
            Process a = kernel(KernelModel.LINUX_6_6.with(LongtermFileWritePin.ALLOWED)).spawn("A");
            long map = ext4SharedMapping(a);
            assertThat(a.pinUserPages(map, 1, Foll.WRITE | Foll.LONGTERM, "t").frame(0).maybeDmaPinned()).isTrue();
        }

        @Test
        void refusedIsEfaultForLongtermWritePinsOfDirtyTrackedMappingsOnly() {
            Process a = kernel(KernelModel.LINUX_5_10.with(LongtermFileWritePin.REFUSED)).spawn("A");
            long map = ext4SharedMapping(a);
            assertThatThrownBy(() -> a.pinUserPages(map, 1, Foll.WRITE | Foll.LONGTERM, "t")).isInstanceOfSatisfying(ErrnoException.class, e -> {
                assertThat(e.errno()).isEqualTo(Errno.EFAULT);
                assertThat(e.reason()).contains("writable_file_mapping_allowed");
            });
            assertThat(a.pinUserPages(map, 1, Foll.LONGTERM, "read-only").count()).as("a read-only long-term pin").isEqualTo(1);
            assertThat(a.pinUserPages(map, 1, Foll.WRITE, "short-term").count()).as("a short-term write pin").isEqualTo(1);
            Inode shm = a.kernel().mount(FsKind.TMPFS).create("shm", fill('S', PAGE));
            long smap = a.mmap(0, PAGE, RW, MapFlags.SHARED, a.open(shm, OpenFlags.RDWR), 0);
            assertThat(a.pinUserPages(smap, 1, Foll.WRITE | Foll.LONGTERM, "shmem").count()).as("shmem needs no dirty tracking").isEqualTo(1);
        }
    }

    @Nested
    class GetUserPagesLongtermValues {
        @Test
        void allowedTakesALongtermPlainReference() {
            Process a = kernel(KernelModel.LINUX_6_6.with(GetUserPagesLongterm.ALLOWED)).spawn("A");
            long buf = buffer(a, 1, 'A');
            GupPages ref = a.getUserPages(buf, 1, Foll.LONGTERM, "t");
            assertThat(ref.isPin()).isFalse();
            assertThat(ref.frame(0).refcount()).isEqualTo(2);
        }

        @Test
        void refusedIsEinvalForPlainReferencesButNotForPins() {
            Process a = kernel(KernelModel.LINUX_4_19.with(GetUserPagesLongterm.REFUSED)).spawn("A");
            long buf = buffer(a, 1, 'A');
            assertThatThrownBy(() -> a.getUserPages(buf, 1, Foll.LONGTERM, "t")).isInstanceOfSatisfying(ErrnoException.class, e -> {
                assertThat(e.errno()).isEqualTo(Errno.EINVAL);
                assertThat(e.reason()).contains("is_valid_gup_flags");
            });
            assertThat(a.pinUserPages(buf, 1, Foll.LONGTERM, "t").count()).isEqualTo(1);
        }
    }

    /** Registration of one page of each kind of memory: "ok" or the errno. */
    @Nested
    class IoUringBufferCheckValues {
        private String register(KernelModel model, String memory) {
            Kernel k = kernel(model);
            Process a = k.spawn("A");
            IoUring ring = a.ioUringSetup();
            long addr = switch (memory) {
                case "shmem" -> a.mmap(PAGE, RW, ANON_SHARED);
                case "ext4 shared" -> a.mmap(0, PAGE, RW, MapFlags.SHARED, a.open(k.mount(FsKind.EXT4).create("d", fill('F', PAGE)), OpenFlags.RDWR), 0);
                case "ext4 private" -> a.mmap(0, PAGE, RW, MapFlags.PRIVATE, a.open(k.mount(FsKind.EXT4).create("d", fill('F', PAGE)), OpenFlags.RDONLY), 0);
                default -> a.mmap(PAGE, RW, ANON_PRIVATE);
            };
            try {
                ring.registerBuffer(addr, PAGE);
                return "ok";
            } catch (ErrnoException e) {
                assertThat(ring.bufferCount()).as("a refused registration leaves nothing registered").isZero();
                return e.errno().name();
            }
        }

        @Test
        void noIoUringMakesSetupEnosys() {
            Process a = kernel(KernelModel.LINUX_6_6.with(IoUringBufferCheck.NO_IO_URING)).spawn("A");
            assertThatThrownBy(a::ioUringSetup).isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOSYS));
        }

        @Test
        void anyFileRefusedRefusesEveryFileBackedMappingShmemToo() {
            KernelModel m = KernelModel.LINUX_6_6.with(IoUringBufferCheck.ANY_FILE_REFUSED).with(LongtermFileWritePin.ALLOWED);
            assertThat(register(m, "anon")).isEqualTo("ok");
            assertThat(register(m, "shmem")).isEqualTo("EOPNOTSUPP");
            assertThat(register(m, "ext4 shared")).isEqualTo("EOPNOTSUPP");
            assertThat(register(m, "ext4 private")).isEqualTo("EOPNOTSUPP");
        }

        @Test
        void nonShmemFileRefusedAllowsShmem() {
            KernelModel m = KernelModel.LINUX_6_6.with(IoUringBufferCheck.NON_SHMEM_FILE_REFUSED).with(LongtermFileWritePin.ALLOWED);
            assertThat(register(m, "shmem")).isEqualTo("ok");
            assertThat(register(m, "ext4 shared")).isEqualTo("EOPNOTSUPP");
            assertThat(register(m, "ext4 private")).isEqualTo("EOPNOTSUPP");
        }

        @Test
        void gupDecidesHasNoCheckOfItsOwn() {
            KernelModel m = KernelModel.LINUX_6_1.with(IoUringBufferCheck.GUP_DECIDES);
            assertThat(register(m, "ext4 private")).isEqualTo("ok");
            assertThat(register(m, "ext4 shared")).as("GUP allows the long-term write pin here").isEqualTo("ok");
            assertThat(register(m.with(LongtermFileWritePin.REFUSED), "ext4 shared")).as("GUP refuses it here").isEqualTo("EFAULT");
        }
    }

    @Nested
    class ThpCowValues {
        private static final int THP = 2 << 20;

        /** A process with one PMD-mapped THP at the returned address (the first mapping, 2 MiB aligned). */
        private long thp(Process a) {
            long p = a.mmap(THP, RW, ANON_PRIVATE);
            a.fill(p, THP, (byte) 'A');
            return p;
        }

        private Kernel thpKernel(KernelModel model) {
            return Fixtures.builder(model).transparentHugepage(TransparentHugepage.ALWAYS).build();
        }

        /** A THP that only A maps but a GUP reference holds (a child mapped it and exited): whether A's write reuses it. */
        private boolean writeReusesGupHeldThp(KernelModel model) {
            Kernel k = thpKernel(model);
            Process a = k.spawn("A");
            long p = thp(a);
            a.fork().exit();
            GupPages ref = a.getUserPages(p, 1, 0, "holder");
            a.write(p, fill('W', 1));
            return a.frameAt(p).pfn() == ref.frame(0).pfn();
        }

        @Test
        void mapcountCopyHugeCopiesTheWholeThpWhenShared() {
            Kernel k = thpKernel(KernelModel.LINUX_4_19);
            Process a = k.spawn("A");
            long p = thp(a);
            Process c = a.fork();
            a.write(p, fill('W', 1));
            assertThat(a.frameAt(p).isCompound()).as("a new THP").isTrue();
            assertThat(a.frameAt(p).compoundHead().pfn()).isNotEqualTo(c.frameAt(p).compoundHead().pfn());
            assertThat(a.pteAt(p + PAGE)).contains("PMD-mapped");
            assertThat(writeReusesGupHeldThp(KernelModel.LINUX_4_19)).as("mapcount 1: GUP references ignored").isTrue();
        }

        @Test
        void mapcountSplitReusesAGupHeldThpAndSplitsASharedOne() {
            assertThat(writeReusesGupHeldThp(KernelModel.LINUX_5_10)).as("mapcount 1: GUP references ignored").isTrue();
            Kernel k = thpKernel(KernelModel.LINUX_5_10);
            Process a = k.spawn("A");
            long p = thp(a);
            a.fork();
            a.write(p, fill('W', 1));
            assertThat(a.frameAt(p).isCompound()).as("the written subpage was copied into a small page").isFalse();
            assertThat(a.frameAt(p + PAGE).isCompound()).as("the rest stays on the THP, PTE-mapped").isTrue();
        }

        @Test
        void refcountSplitCopiesTheSubpageOfAGupHeldThp() {
            assertThat(writeReusesGupHeldThp(KernelModel.LINUX_5_10.with(ThpCow.REFCOUNT_SPLIT))).as("page_count() 2").isFalse();
        }

        @Test
        void anonExclusiveSplitReusesAnExclusiveThpWhateverItsRefcount() {
            Kernel k = thpKernel(KernelModel.LINUX_6_6);
            Process a = k.spawn("A");
            long p = thp(a);
            GupPages ref = a.getUserPages(p, 1, 0, "holder");
            a.mprotect(p, THP, Prot.READ);
            a.mprotect(p, THP, RW);
            assertThat(a.isMappedWritable(p)).isFalse();
            a.write(p, fill('W', 1));
            assertThat(a.frameAt(p).pfn()).isEqualTo(ref.frame(0).pfn());
            assertThat(writeReusesGupHeldThp(KernelModel.LINUX_6_6)).as("not exclusive after fork, page_count() 2").isFalse();
        }
    }

    @Nested
    class HugetlbForkPinnedValues {
        private static final int HPAGE = 2 << 20;

        /** A forks while a device pins its private hugetlb folio, then writes: whether the pin still sees A's memory. */
        private boolean pinFollowsTheParent(KernelModel model) {
            Kernel k = Fixtures.builder(model).hugetlbPages(2).build();
            Process a = k.spawn("A");
            long p = a.mmap(HPAGE, RW, ANON_PRIVATE | MapFlags.HUGETLB);
            a.write(p, fill('A', 1));
            GupPages pin = a.pinUserPages(p, 1, Foll.WRITE | Foll.LONGTERM, "dev");
            Process child = a.fork();
            a.write(p, fill('W', 1));
            assertThat(seen(child, p)).as("the child keeps its copy-on-write view").isEqualTo('A');
            return pin.frame(0).read(0, 1)[0] == 'W';
        }

        @Test
        void shareWrprotectSharesThePinnedFolioSoTheParentsWriteCopiesAwayFromThePin() {
            assertThat(pinFollowsTheParent(KernelModel.LINUX_5_10)).isFalse();
        }

        @Test
        void cowIfNeedsCowForDmaCopiesThePinnedFolioForTheChildAtFork() {
            assertThat(pinFollowsTheParent(KernelModel.LINUX_5_10.with(HugetlbForkPinned.COW_IF_NEEDS_COW_FOR_DMA))).isTrue();
        }

        @Test
        void cowIfDupAnonRmapFailsCopiesAnExclusivePinnedFolioAndSharesAnUnpinnedOne() {
            assertThat(pinFollowsTheParent(KernelModel.LINUX_6_6)).isTrue();
            Kernel k = Fixtures.builder(KernelModel.LINUX_6_6).hugetlbPages(2).build();
            Process a = k.spawn("A");
            long p = a.mmap(HPAGE, RW, ANON_PRIVATE | MapFlags.HUGETLB);
            a.write(p, fill('A', 1));
            Process child = a.fork();
            assertThat(child.frameAt(p).pfn()).isEqualTo(a.frameAt(p).pfn());
            assertThat(a.frameAt(p).isAnonExclusive()).as("shared with the child").isFalse();
        }
    }

    @Nested
    class HugetlbMadvDontneedValues {
        private static final int HPAGE = 2 << 20;

        @Test
        void refusedIsEinvalAndChangesNothing() {
            Kernel k = Fixtures.builder(KernelModel.LINUX_5_10).hugetlbPages(1).build();
            Process a = k.spawn("A");
            long p = a.mmap(HPAGE, RW, ANON_PRIVATE | MapFlags.HUGETLB);
            a.write(p, fill('A', 1));
            assertThatThrownBy(() -> a.madvise(p, HPAGE, Advice.DONTNEED)).isInstanceOf(ErrnoException.class).hasMessageContaining("can_madv_lru_vma");
            assertThat(seen(a, p)).isEqualTo('A');
        }

        @Test
        void zapAlignedUnmapsWholeHugePagesAndRefusesAnUnalignedStart() {
            Kernel k = Fixtures.builder(KernelModel.LINUX_6_6).hugetlbPages(2).build();
            Process a = k.spawn("A");
            long p = a.mmap(2L * HPAGE, RW, ANON_PRIVATE | MapFlags.HUGETLB);
            a.write(p, fill('A', 1));
            a.write(p + HPAGE, fill('B', 1));
            assertThatThrownBy(() -> a.madvise(p + PAGE, HPAGE, Advice.DONTNEED)).isInstanceOf(ErrnoException.class).hasMessageContaining("madvise_dontneed_free_valid_vma");
            // the end is rounded down: only the first huge page goes
            a.madvise(p, HPAGE + PAGE, Advice.DONTNEED);
            assertThat(a.frameAt(p)).isNull();
            assertThat(seen(a, p + HPAGE)).isEqualTo('B');
            assertThat(k.hugePages().free()).as("the private folio went back to the pool").isEqualTo(1);
            assertThat(seen(a, p)).as("a new zeroed folio on the next touch").isEqualTo((char) 0);
        }
    }

    @Nested
    class HugetlbMremapValues {
        private static final long H = 2L << 20;
        private static final long TO = 0x7e0000000000L;

        @Test
        void refusedMovesNothingAndLooksUpNoVmaFirst() {
            Kernel k = Fixtures.builder(KernelModel.LINUX_6_6.with(HugetlbMremap.REFUSED)).hugetlbPages(2).build();
            Process a = k.spawn("A");
            long p = a.mmap(H, RW, ANON_PRIVATE | MapFlags.HUGETLB);
            a.write(p, fill('A', 1));
            assertThatThrownBy(() -> a.mremap(p, H, H, MremapFlags.MAYMOVE | MremapFlags.FIXED, TO)).isInstanceOfSatisfying(ErrnoException.class,
                    e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL)).hasMessageContaining("vma_to_resize");
            assertThat(seen(a, p)).isEqualTo('A');
            // no vma_lookup() at entry: shrinking an unmapped range unmaps nothing and succeeds
            assertThat(a.mremap(TO, 2 * PAGE, PAGE, 0, 0)).isEqualTo(TO);
        }

        @Test
        void alignedMoveMovesTheHugePmdAndRefusesGrowthAndAnUnmappedAddress() {
            Kernel k = Fixtures.builder(KernelModel.LINUX_4_19.with(HugetlbMremap.ALIGNED_MOVE)).hugetlbPages(2).build();
            Process a = k.spawn("A");
            long p = a.mmap(H, RW, ANON_PRIVATE | MapFlags.HUGETLB);
            a.write(p, fill('A', 1));
            long pfn = a.frameAt(p).pfn();
            assertThatThrownBy(() -> a.mremap(p, H, 2 * H, MremapFlags.MAYMOVE, 0)).isInstanceOfSatisfying(ErrnoException.class,
                    e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL)).hasMessageContaining("may not grow");
            assertThat(a.mremap(p, H, H, MremapFlags.MAYMOVE | MremapFlags.FIXED, TO)).isEqualTo(TO);
            assertThat(a.frameAt(TO).pfn()).isEqualTo(pfn);
            assertThat(seen(a, TO)).isEqualTo('A');
            assertThatThrownBy(() -> a.mremap(p, 2 * PAGE, PAGE, 0, 0)).isInstanceOfSatisfying(ErrnoException.class,
                    e -> assertThat(e.errno()).isEqualTo(Errno.EFAULT)).hasMessageContaining("vma_lookup");
            k.checkInvariants();
        }
    }

    @Nested
    class MemfdFutureWriteValues {
        private static final long H = 2L << 20;

        private OpenFile memfd(KernelModel m, int flags, long size) {
            Process a = Fixtures.builder(m).hugetlbPages(1).build().spawn("A");
            OpenFile f = a.memfdCreate("fw", MemfdFlags.ALLOW_SEALING | flags);
            f.ftruncate(size);
            return f;
        }

        @Test
        void unknownSealIsEinval() {
            OpenFile f = memfd(KernelModel.LINUX_6_6.with(MemfdFutureWrite.UNKNOWN_SEAL), 0, PAGE);
            assertThatThrownBy(() -> f.addSeals(SealFlags.FUTURE_WRITE)).isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL))
                    .hasMessageContaining("unknown seals");
            assertThat(f.getSeals()).isZero();
        }

        @Test
        void shmemMmapCheckRefusesNewSharedWritableTmpfsMappingsButNotHugetlbfsOnes() {
            OpenFile f = memfd(KernelModel.LINUX_4_19.with(MemfdFutureWrite.SHMEM_MMAP_CHECK), 0, PAGE);
            f.addSeals(SealFlags.FUTURE_WRITE);
            assertThatThrownBy(() -> f.process().mmap(0, PAGE, RW, MapFlags.SHARED, f, 0)).isInstanceOfSatisfying(ErrnoException.class,
                    e -> assertThat(e.errno()).isEqualTo(Errno.EPERM)).hasMessageContaining("shmem_mmap");
            assertThatThrownBy(() -> f.pwrite(fill('x', 1), 0)).isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EPERM));
            OpenFile h = memfd(KernelModel.LINUX_4_19.with(MemfdFutureWrite.SHMEM_MMAP_CHECK), MemfdFlags.HUGETLB, H);
            h.addSeals(SealFlags.FUTURE_WRITE);
            long p = h.process().mmap(0, H, RW, MapFlags.SHARED, h, 0);
            h.process().write(p, fill('h', 1));
            assertThat(h.pread(0, 1)[0]).as("hugetlbfs_file_mmap() has no seal check: the sealed file is written").isEqualTo((byte) 'h');
        }

        @Test
        void shmemAndHugetlbfsMmapCheckRefusesNewSharedWritableHugetlbfsMappingsToo() {
            OpenFile h = memfd(KernelModel.LINUX_5_8.with(MemfdFutureWrite.SHMEM_AND_HUGETLBFS_MMAP_CHECK), MemfdFlags.HUGETLB, H);
            h.addSeals(SealFlags.FUTURE_WRITE);
            assertThatThrownBy(() -> h.process().mmap(0, H, RW, MapFlags.SHARED, h, 0)).isInstanceOfSatisfying(ErrnoException.class,
                    e -> assertThat(e.errno()).isEqualTo(Errno.EPERM)).hasMessageContaining("hugetlbfs_file_mmap");
            long r = h.process().mmap(0, H, Prot.READ, MapFlags.SHARED, h, 0);
            assertThatThrownBy(() -> h.process().mprotect(r, H, RW)).isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EACCES));
        }
    }

    @Nested
    class MemfdExecValues {
        /** An executable memfd with a shared writable mapping and a pinned page, then F_SEAL_EXEC. */
        private OpenFile sealExecWithWriters(KernelModel m, GupPages[] pin, long[] map) {
            Process a = Fixtures.builder(m).build().spawn("A");
            OpenFile f = a.memfdCreate("x", MemfdFlags.ALLOW_SEALING);
            f.ftruncate(PAGE);
            map[0] = a.mmap(0, PAGE, RW, MapFlags.SHARED, f, 0);
            a.write(map[0], fill('a', 1));
            pin[0] = a.pinUserPages(map[0], 1, Foll.WRITE | Foll.LONGTERM, "rdma0");
            return f;
        }

        @Test
        void unknownFlagsRefusesMfdExecAndFSealExec() {
            Process a = Fixtures.builder(KernelModel.LINUX_6_6.with(MemfdExec.UNKNOWN_FLAGS)).build().spawn("A");
            assertThatThrownBy(() -> a.memfdCreate("x", MemfdFlags.EXEC)).isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
            assertThatThrownBy(() -> a.memfdCreate("x", MemfdFlags.NOEXEC_SEAL)).isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
            OpenFile f = a.memfdCreate("x", MemfdFlags.ALLOW_SEALING);
            assertThatThrownBy(() -> f.addSeals(SealFlags.EXEC)).isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
        }

        @Test
        void impliedAfterWriteChecksSetsAWriteSealThatWritableMappingsAndPinsSurvive() {
            GupPages[] pin = new GupPages[1];
            long[] map = new long[1];
            OpenFile f = sealExecWithWriters(KernelModel.LINUX_4_19.with(MemfdExec.IMPLIED_AFTER_WRITE_CHECKS), pin, map);
            f.addSeals(SealFlags.EXEC);
            assertThat(f.getSeals()).isEqualTo(SealFlags.EXEC | SealFlags.SHRINK | SealFlags.GROW | SealFlags.WRITE | SealFlags.FUTURE_WRITE);
            f.process().write(map[0], fill('m', 1));
            pin[0].write(1, fill('d', 1));
            assertThat(f.pread(0, 2)).as("the \"write-sealed\" memfd is still written (3b041514cb6e)").containsExactly('m', 'd');
            assertThatThrownBy(() -> f.pwrite(fill('w', 1), 0)).isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EPERM));
            pin[0].unpin(true);
        }

        @Test
        void impliedBeforeWriteChecksIsEbusyWithAWritableMappingOrAPin() {
            GupPages[] pin = new GupPages[1];
            long[] map = new long[1];
            OpenFile f = sealExecWithWriters(KernelModel.LINUX_6_6.with(MemfdExec.IMPLIED_BEFORE_WRITE_CHECKS), pin, map);
            assertThatThrownBy(() -> f.addSeals(SealFlags.EXEC)).isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EBUSY))
                    .hasMessageContaining("mapping_deny_writable");
            f.process().munmap(map[0], PAGE);
            assertThatThrownBy(() -> f.addSeals(SealFlags.EXEC)).isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EBUSY))
                    .hasMessageContaining("memfd_wait_for_pins");
            pin[0].unpin(true);
            f.addSeals(SealFlags.EXEC);
            assertThat(f.getSeals() & SealFlags.WRITE).isEqualTo(SealFlags.WRITE);
        }
    }

    /** A driver with device-private memory whose migrate_to_ram migrates the faulting page back (dmirror_devmem_fault()). */
    static io.pinsim.runtime.spi.DevicePagemap[] devmem(Kernel k, String name) {
        DriverContext ctx = DriverContext.attach(k, name);
        io.pinsim.runtime.spi.DevicePagemap[] pm = new io.pinsim.runtime.spi.DevicePagemap[1];
        pm[0] = ctx.memremapPages(4, name, (p, address, page) -> pm[0].migrateToRam(p, address, 1) == 1);
        return pm;
    }

    @Nested
    class DeviceExclusiveValues {
        @Test
        void unsupportedRefusesMakeDeviceExclusiveAndChangesNothing() {
            Kernel k = kernel(KernelModel.LINUX_6_6.with(DeviceExclusive.UNSUPPORTED));
            DriverContext gpu = DriverContext.attach(k, "gpu0");
            Process a = k.spawn("A");
            long buf = buffer(a, 1, 'A');
            String before = a.pteAt(buf);
            assertThatThrownBy(() -> gpu.makeDeviceExclusive(a, buf, 1, "gpu0")).isInstanceOf(ErrnoException.class)
                    .extracting(e -> ((ErrnoException) e).errno()).isEqualTo(Errno.EINVAL);
            assertThat(a.pteAt(buf)).isEqualTo(before);
        }

        @Test
        void exclusiveEntryMakesTheCpuFaultAndTheFaultRestoresThePte() {
            Kernel k = kernel(KernelModel.LINUX_5_10.with(DeviceExclusive.EXCLUSIVE_ENTRY));
            DriverContext gpu = DriverContext.attach(k, "gpu0");
            Process a = k.spawn("A");
            long buf = buffer(a, 1, 'A');
            List<MmuNotifierEvent> events = new ArrayList<>();
            a.insertIntervalNotifier(buf, PAGE, (sub, range, cur) -> {
                events.add(range.event());
                sub.setSeq(cur);
                return true;
            }, "watch");
            List<Frame> got = gpu.makeDeviceExclusive(a, buf, 1, "gpu0");
            assertThat(got.get(0).mapcount()).as("the page stays mapped").isEqualTo(1);
            assertThat(a.pteAt(buf)).startsWith("device-exclusive entry").endsWith("RW");
            assertThat(a.frameAt(buf)).as("not present for the CPU").isNull();
            assertThat(events).containsExactly(MmuNotifierEvent.EXCLUSIVE);
            assertThat(seen(a, buf)).isEqualTo('A');
            assertThat(events).as("the CPU access revoked the device's access").containsExactly(MmuNotifierEvent.EXCLUSIVE, MmuNotifierEvent.EXCLUSIVE);
            assertThat(a.frameAt(buf)).isSameAs(got.get(0));
            assertThat(a.isMappedWritable(buf)).as("restored writable, as the entry was").isTrue();
        }
    }

    @Nested
    class HmmDevicePrivateOwnerValues {
        /** Page 0 of a buffer moved to gpu1's memory, then gpu0 faults it with hmm_range_fault(owner gpu0). */
        private io.pinsim.runtime.spi.HmmPfn faultOtherDevicesPage(KernelModel m, Process[] out) {
            Kernel k = kernel(m);
            io.pinsim.runtime.spi.DevicePagemap gpu1 = devmem(k, "gpu1")[0];
            DriverContext gpu0 = DriverContext.attach(k, "gpu0");
            Process a = k.spawn("A");
            out[0] = a;
            long buf = buffer(a, 1, 'A');
            assertThat(gpu1.migrateToDevice(a, buf, 1).get(0).valid()).isTrue();
            MmuIntervalNotifier sub = gpu0.insertIntervalNotifier(a, buf, PAGE, (s, r, cur) -> {
                s.setSeq(cur);
                return true;
            }, "mirror");
            for (int tries = 0; ; tries++) {
                try {
                    return gpu0.hmmRangeFault(sub, sub.readBegin(), buf, 1, io.pinsim.runtime.spi.HmmPfn.REQ_FAULT, "gpu0").get(0);
                } catch (ErrnoException e) {
                    // the migration back invalidates gpu0's interval too: the canonical loop retries
                    if (e.errno() != Errno.EBUSY || tries > 0) {
                        throw e;
                    }
                }
            }
        }

        @Test
        void anyOwnerHandsOverAnotherDevicesPrivatePage() {
            Process[] a = new Process[1];
            io.pinsim.runtime.spi.HmmPfn e = faultOtherDevicesPage(KernelModel.LINUX_6_6.with(HmmDevicePrivateOwner.ANY_OWNER), a);
            assertThat(e.valid()).isTrue();
            assertThat(e.devicePrivate()).as("gpu1's page, which gpu0 cannot address").isTrue();
            long buf = a[0].vmas().get(0).start();
            assertThat(a[0].pteAt(buf)).as("nothing migrated back").startsWith("device-private entry");
            assertThat(a[0].frameAt(buf)).isNull();
        }

        @Test
        void ownerMatchOthersEfaultRefusesAnotherDevicesPageAndLeavesIt() {
            Process[] a = new Process[1];
            assertThatThrownBy(() -> faultOtherDevicesPage(KernelModel.LINUX_6_6.with(HmmDevicePrivateOwner.OWNER_MATCH_OTHERS_EFAULT), a))
                    .isInstanceOf(ErrnoException.class).extracting(e -> ((ErrnoException) e).errno()).isEqualTo(Errno.EFAULT);
            long buf = a[0].vmas().get(0).start();
            assertThat(a[0].pteAt(buf)).as("the page stays on gpu1").startsWith("device-private entry");
        }

        @Test
        void ownerMatchMigratesAnotherDevicesPageBackThroughItsOwner() {
            Process[] a = new Process[1];
            io.pinsim.runtime.spi.HmmPfn e = faultOtherDevicesPage(KernelModel.LINUX_4_19.with(HmmDevicePrivateOwner.OWNER_MATCH), a);
            assertThat(e.valid()).isTrue();
            assertThat(e.devicePrivate()).isFalse();
            long buf = a[0].vmas().get(0).start();
            assertThat(a[0].frameAt(buf)).as("gpu1's migrate_to_ram brought the page back").isSameAs(e.frame());
            assertThat(seen(a[0], buf)).isEqualTo('A');
        }
    }

    /**
     * The switches whose behaviour lives in a device model, tested beside it
     * (devices' DeviceSwitchBehaviourTest, in nested classes named the same way).
     */
    @Nested
    class SvaMmExitValues {
        private final List<String> calls = new java.util.ArrayList<>();

        private io.pinsim.runtime.spi.IommuSva bindAndExit(KernelModel model) {
            Kernel k = kernel(model);
            io.pinsim.runtime.spi.DriverContext dev = io.pinsim.runtime.spi.DriverContext.attach(k, "hisi_zip0");
            Process a = k.spawn("A");
            io.pinsim.runtime.spi.IommuSva b = dev.iommuSvaBindDevice(a, bond -> calls.add("mm_exit PASID " + bond.pasid()));
            a.exit();
            return b;
        }

        @Test
        void noSvaRefusesTheBindWithEnodev() {
            Kernel k = kernel(KernelModel.LINUX_6_6.with(SvaMmExit.NO_SVA));
            io.pinsim.runtime.spi.DriverContext dev = io.pinsim.runtime.spi.DriverContext.attach(k, "hisi_zip0");
            Process a = k.spawn("A");
            assertThatThrownBy(() -> dev.iommuSvaBindDevice(a, null)).isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENODEV));
            assertThat(dev.mmPasid(a)).isEqualTo(io.pinsim.runtime.spi.DriverContext.IOMMU_PASID_INVALID);
        }

        @Test
        void mmExitOpCallsTheDriverBeforeThePasidIsCleared() {
            io.pinsim.runtime.spi.IommuSva b = bindAndExit(KernelModel.LINUX_4_19.with(SvaMmExit.MM_EXIT_OP));
            assertThat(calls).containsExactly("mm_exit PASID 1");
            assertThat(b.isAborted()).isTrue();
        }

        @Test
        void abortSilentlyClearsThePasidWithoutTellingTheDriver() {
            io.pinsim.runtime.spi.IommuSva b = bindAndExit(KernelModel.LINUX_5_8.with(SvaMmExit.ABORT_SILENTLY));
            assertThat(calls).isEmpty();
            assertThat(b.isAborted()).isTrue();
            assertThat(b.isBound()).as("the bond stays until the driver unbinds").isTrue();
        }
    }

    @Nested
    class SecondaryTlbInvalidationValues {
        /** The device reads a COW-shared page (a read-only IOTLB entry), the child exits, the parent's write reuses the page, the device writes. */
        private String deviceWriteAfterPermissionUpgrade(KernelModel model) {
            Kernel k = kernel(model);
            io.pinsim.runtime.spi.DriverContext dev = io.pinsim.runtime.spi.DriverContext.attach(k, "hisi_zip0");
            Process a = k.spawn("A");
            long buf = Fixtures.buffer(a, 1, 'A');
            io.pinsim.runtime.spi.IommuSva b = dev.iommuSvaBindDevice(a, null);
            a.fork().exit();
            b.dmaRead(buf, 8, null);
            a.write(buf, Fixtures.fill('P', 8));
            try {
                b.dmaWrite(buf, Fixtures.fill('D', 8), null);
                return "wrote " + (char) a.read(buf, 1)[0];
            } catch (io.pinsim.runtime.spi.IoPageFaultException e) {
                return e.kind().name();
            }
        }

        @Test
        void invalidateRangeLeavesTheReadOnlyEntryAndTheDeviceFaultsForever() {
            assertThat(deviceWriteAfterPermissionUpgrade(KernelModel.LINUX_6_1.with(SecondaryTlbInvalidation.INVALIDATE_RANGE))).isEqualTo("STALE_IOTLB");
        }

        @Test
        void archInvalidateSecondaryTlbsDropsTheEntryOnThePermissionUpgrade() {
            assertThat(deviceWriteAfterPermissionUpgrade(KernelModel.LINUX_6_1.with(SecondaryTlbInvalidation.ARCH_INVALIDATE_SECONDARY_TLBS))).isEqualTo("wrote D");
        }
    }

    static final List<Class<? extends Switch>> DEVICE_SWITCHES = List.of(IbUmemGupFlags.class, RdmaCopyOnFork.class, KfdSvm.class);

    @Nested
    class NotifierFailureValues {
        private NotifierProtocolTest.Mirror refusing(Process a, long buf, int pages) {
            NotifierProtocolTest.Mirror m = new NotifierProtocolTest.Mirror();
            m.refuseAlways = true;
            a.insertIntervalNotifier(buf, (long) pages * PAGE, m, "odp");
            return m;
        }

        @Test
        void mustSucceedWarnsAboutARefusedForkInvalidationAndForksAnyway() {
            Kernel k = kernel(KernelModel.LINUX_4_19);
            Process a = k.spawn("A");
            long buf = buffer(a, 1, 'A');
            NotifierProtocolTest.Mirror m = refusing(a, buf, 1);
            Process child = a.fork();
            assertThat(m.seen).extracting(MmuNotifierRange::event).contains(MmuNotifierEvent.PROTECTION_PAGE);
            assertThat(k.log().contains("failed an invalidation")).isTrue();
            assertThat(child.frameAt(buf)).as("the page is shared as if the device had let go").isSameAs(a.frameAt(buf));
        }

        @Test
        void proposalMayFailFailsForkWithEagainAndChangesNothing() {
            Kernel k = kernel(KernelModel.LINUX_4_19.with(NotifierFailure.PROPOSAL_MAY_FAIL));
            Process a = k.spawn("A");
            long buf = buffer(a, 1, 'A');
            NotifierProtocolTest.Mirror m = refusing(a, buf, 1);
            Frame f = a.frameAt(buf);
            int before = k.processes().size();
            assertThatThrownBy(a::fork).isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EAGAIN));
            assertThat(k.log().contains("failed an invalidation")).as("no WARN: the refusal is returned").isFalse();
            assertThat(k.processes()).as("the child is torn down").hasSize(before);
            a.write(buf, fill('P', 1));
            assertThat(a.frameAt(buf)).as("the parent's PTE was never write-protected: no COW").isSameAs(f);
            m.refuseAlways = false;
            assertThat(a.fork().frameAt(buf)).as("once the driver lets go, fork works").isSameAs(a.frameAt(buf));
            a.munmap(buf, PAGE);
        }

        @Test
        void proposalMayFailStillWarnsAndGoesOnWhereTheCallerCannotFail() {
            Kernel k = kernel(KernelModel.LINUX_4_19.with(NotifierFailure.PROPOSAL_MAY_FAIL));
            Process a = k.spawn("A");
            long buf = buffer(a, 1, 'A');
            refusing(a, buf, 1);
            a.munmap(buf, PAGE);
            assertThat(a.vmaAt(buf)).isNull();
            assertThat(k.log().contains("failed an invalidation")).isTrue();
        }
    }

    @Nested
    class DaxLongtermPinValues {
        private static final int SHARED = io.pinsim.runtime.MapFlags.SHARED;
        private static final int LONGTERM_WRITE = Foll.WRITE | Foll.LONGTERM;

        @Test
        void refusedRefusesALongtermPinOfFsDaxWithEopnotsuppAndKnowsNoLayoutLease() {
            Kernel k = kernel(KernelModel.LINUX_6_6);
            Inode ino = k.mount(FsKind.DAX).create("pmem", fill('F', PAGE));
            Process a = k.spawn("A");
            OpenFile f = a.open(ino, OpenFlags.RDWR);
            long map = a.mmap(0, PAGE, RW, SHARED, f, 0);
            assertThatThrownBy(() -> a.pinUserPages(map, 1, LONGTERM_WRITE, "rdma0"))
                    .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EOPNOTSUPP));
            assertThatThrownBy(() -> f.setLayoutLease(true)).isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
        }

        @Test
        void proposalLayoutLeaseAllowsThePinUnderALeaseAndAnUnbreakableLeaseFailsTheTruncateWithEtxtbsy() {
            Kernel k = kernel(KernelModel.LINUX_4_19.with(DaxLongtermPin.PROPOSAL_LAYOUT_LEASE));
            Inode ino = k.mount(FsKind.DAX).create("pmem", fill('F', 2 * PAGE));
            Process a = k.spawn("A");
            OpenFile f = a.open(ino, OpenFlags.RDWR);
            long map = a.mmap(0, 2L * PAGE, RW, SHARED, f, 0);
            assertThatThrownBy(() -> a.pinUserPages(map, 1, LONGTERM_WRITE, "rdma0"))
                    .as("no lease: refused as today").isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EOPNOTSUPP));
            f.setLayoutLease(true);
            GupPages mr = a.getUserPages(map, 1, LONGTERM_WRITE, "rdma0");
            Process b = k.spawn("B");
            OpenFile g = b.open(ino, OpenFlags.RDWR);
            assertThatThrownBy(() -> g.setLayoutLease(false)).isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EAGAIN));
            assertThatThrownBy(() -> g.ftruncate(0)).isInstanceOfSatisfying(ErrnoException.class, e -> {
                assertThat(e.errno()).isEqualTo(Errno.ETXTBSY);
                assertThat(e.getMessage()).contains("unbreakable layout lease of \"A\"");
            });
            assertThat(ino.size()).as("nothing changed").isEqualTo(2L * PAGE);
            g.ftruncate(PAGE);
            assertThat(ino.size()).as("a truncate that frees no pinned block goes ahead").isEqualTo(PAGE);
            mr.write(0, fill('D', 4));
            assertThat(ino.read(0, 4)).as("the device writes the file's own block").containsOnly((byte) 'D');
            mr.release();
            g.ftruncate(0);
            assertThat(ino.size()).isZero();
            f.close();
        }

        @Test
        void proposalLayoutLeaseBreaksABreakableLeaseAndTheTruncateWaitsForTheHolderToUnpin() {
            Kernel k = kernel(KernelModel.LINUX_4_19.with(DaxLongtermPin.PROPOSAL_LAYOUT_LEASE));
            Inode ino = k.mount(FsKind.DAX).create("pmem", fill('F', PAGE));
            Process a = k.spawn("A");
            OpenFile f = a.open(ino, OpenFlags.RDWR);
            long map = a.mmap(0, PAGE, RW, SHARED, f, 0);
            f.setLayoutLease(false);
            GupPages mr = a.getUserPages(map, 1, LONGTERM_WRITE, "rdma0");
            OpenFile g = k.spawn("B").open(ino, OpenFlags.RDWR);
            TruncateOp t = g.startTruncate(0);
            assertThat(t.isDone()).isFalse();
            assertThat(f.isLayoutLeaseBroken()).as("the truncate broke the lease").isTrue();
            assertThat(k.log().contains("layout lease of \"A\" on pmem broken")).isTrue();
            assertThatThrownBy(() -> a.getUserPages(map, 1, LONGTERM_WRITE, "rdma1")).as("no new long-term pin under a broken lease")
                    .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EOPNOTSUPP));
            mr.release();
            assertThat(t.isDone()).as("the holder honoured the break: the truncate finishes").isTrue();
            assertThat(ino.size()).isZero();
            f.releaseLayoutLease();
            assertThat(f.isLayoutLeaseBroken()).isFalse();
        }
    }

    @Nested
    class TruncatePinnedPageValues {
        private static final int SHARED = io.pinsim.runtime.MapFlags.SHARED;

        @Test
        void orphanRemovesThePinnedPageAndTheDmaNeverReachesTheFile() {
            Kernel k = kernel(KernelModel.LINUX_6_1);
            Inode ino = k.mount(FsKind.EXT4).create("data", fill('F', PAGE));
            Process a = k.spawn("A");
            OpenFile f = a.open(ino, OpenFlags.RDWR);
            long map = a.mmap(0, PAGE, RW, SHARED, f, 0);
            GupPages mr = a.pinUserPages(map, 1, Foll.WRITE | Foll.LONGTERM, "rdma0");
            f.ftruncate(0);
            assertThat(mr.frame(0).isInPageCache()).isFalse();
            mr.write(0, fill('D', 4));
            f.ftruncate(PAGE);
            assertThat(ino.read(0, 4)).containsOnly((byte) 0);
            mr.unpin(true);
        }

        @Test
        void proposalWaitForUnpinBlocksTheTruncateUntilThePinDropsAndKeepsTheDma() {
            Kernel k = kernel(KernelModel.LINUX_6_1.with(TruncatePinnedPage.PROPOSAL_WAIT_FOR_UNPIN));
            Inode ino = k.mount(FsKind.EXT4).create("data", fill('F', 2 * PAGE));
            Process a = k.spawn("A");
            OpenFile f = a.open(ino, OpenFlags.RDWR);
            long map = a.mmap(0, 2L * PAGE, RW, SHARED, f, 0);
            a.write(map, fill('M', 1));
            GupPages mr = a.pinUserPages(map + PAGE, 1, Foll.WRITE | Foll.LONGTERM, "rdma0");
            assertThatThrownBy(() -> f.ftruncate(0)).isInstanceOf(IllegalStateException.class).hasMessageContaining("startTruncate");
            assertThat(ino.size()).as("the refused ftruncate changed nothing").isEqualTo(2L * PAGE);
            TruncateOp t = f.startTruncate(PAGE);
            assertThat(t.isDone()).isFalse();
            assertThat(t.waitingFor()).contains("page 1 of").contains("rdma0").contains("PROPOSAL_WAIT_FOR_UNPIN");
            assertThat(a.pteAt(map + PAGE)).as("it unmapped the range before it slept").isEqualTo("none");
            assertThat(a.pteAt(map)).as("page 0 is not cut").isNotEqualTo("none");
            mr.write(0, fill('D', 4));
            assertThat(mr.frame(0).isInPageCache()).as("the page stays in the file while pinned").isTrue();
            assertThat(ino.read(PAGE, 4)).as("the DMA reaches the file the fileserver reads").containsOnly((byte) 'D');
            mr.unpin(true);
            assertThat(t.isDone()).as("the truncate finishes in the step that drops the pin").isTrue();
            assertThat(ino.size()).isEqualTo(PAGE);
            assertThat(ino.cachedPages()).isEqualTo(1);
        }

        @Test
        void proposalWaitForUnpinAlsoStopsTheSteppedTruncateWhichDropsTheInvalidateLockWhileItSleeps() {
            Kernel k = kernel(KernelModel.PROPOSAL_TRUNCATE_WAITS_FOR_PIN);
            Inode ino = k.mount(FsKind.EXT4).create("data", fill('F', PAGE));
            Process a = k.spawn("A");
            OpenFile f = a.open(ino, OpenFlags.RDWR);
            long map = a.mmap(0, PAGE, RW, SHARED, f, 0);
            GupPages mr = a.pinUserPages(map, 1, Foll.WRITE | Foll.LONGTERM, "rdma0");
            TruncateSteps t = f.truncateSteps(a.mainThread(), 0);
            t.step();
            t.step();
            t.step();
            assertThat(t.isBlocked()).isTrue();
            assertThat(t.waitsFor()).contains("is pinned by").contains("rdma0");
            assertThat(t.holds()).as("it sleeps with i_rwsem only, as xfs_break_dax_layouts() drops MMAPLOCK").containsExactly("inode:ext4:12:i_rwsem");
            mr.write(0, fill('D', 4));
            assertThat(mr.frame(0).isInPageCache()).isTrue();
            mr.unpin(true);
            assertThat(t.isBlocked()).isFalse();
            t.run();
            assertThat(ino.size()).isZero();
            assertThat(ino.cachedPages()).isZero();
            k.checkInvariants();
        }

        @Test
        void proposalWaitForUnpinDoesNotWaitForAPlainReferenceAndNeedsPinAccounting() {
            Kernel k = kernel(KernelModel.LINUX_6_1.with(TruncatePinnedPage.PROPOSAL_WAIT_FOR_UNPIN));
            Inode ino = k.mount(FsKind.EXT4).create("data", fill('F', PAGE));
            Process a = k.spawn("A");
            OpenFile f = a.open(ino, OpenFlags.RDWR);
            long map = a.mmap(0, PAGE, RW, SHARED, f, 0);
            GupPages ref = a.getUserPages(map, 1, Foll.WRITE, "dio");
            f.ftruncate(0);
            assertThat(ref.frame(0).isInPageCache()).isFalse();
            ref.release();
            assertThatThrownBy(() -> KernelModel.LINUX_4_19.with(TruncatePinnedPage.PROPOSAL_WAIT_FOR_UNPIN))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pin accounting");
        }

        /** A driver that records the revoke calls and redirects when asked (if {@code redirects}). */
        private final class Revoker implements io.pinsim.runtime.spi.PinRevoker {
            final DriverContext dev;
            final boolean redirects;
            final List<String> calls = new ArrayList<>();

            Revoker(DriverContext dev, boolean redirects) {
                this.dev = dev;
                this.redirects = redirects;
            }

            @Override
            public void revokeSoon(GupPages pins, int index, String why) {
                calls.add("soon " + index + ": " + why);
            }

            @Override
            public void redirect(GupPages pins, int index) {
                calls.add("redirect " + index);
                if (redirects) {
                    dev.redirectToDummyPage(pins, index);
                }
            }
        }

        @Test
        void proposalNotifyThenDummyPageNotifiesWaitsTheGracePeriodThenRedirectsTheDeviceToItsDummyPage() {
            Kernel k = kernel(KernelModel.PROPOSAL_TRUNCATE_NOTIFY_THEN_DUMMY_PAGE);
            Inode ino = k.mount(FsKind.EXT4).create("data", fill('F', PAGE));
            Process a = k.spawn("A");
            OpenFile f = a.open(ino, OpenFlags.RDWR);
            long map = a.mmap(0, PAGE, RW, SHARED, f, 0);
            DriverContext dev = DriverContext.attach(k, "rdma0");
            GupPages mr = dev.pinUserPages(a, map, 1, Foll.WRITE | Foll.LONGTERM, "MR#1");
            Revoker r = new Revoker(dev, true);
            dev.onRevoke(mr, r);
            Frame page = mr.frame(0);
            TruncateOp t = f.startTruncate(0);
            assertThat(r.calls).containsExactly("soon 0: ftruncate(data, 0) removes page 0 of data");
            assertThat(t.isDone()).isFalse();
            assertThat(t.waitingFor()).contains("pinned by rdma0 MR#1").contains("after 3 step(s) of grace").contains("PROPOSAL_NOTIFY_THEN_DUMMY_PAGE");
            for (int i = 0; i < 3; i++) {
                assertThat(t.isDone()).as("still in the grace period after %d step(s)", i).isFalse();
                a.mmap(PAGE, RW, ANON_PRIVATE);
            }
            assertThat(t.isDone()).as("the grace period ended: the device was redirected and the page removed").isTrue();
            assertThat(r.calls).containsExactly("soon 0: ftruncate(data, 0) removes page 0 of data", "redirect 0");
            assertThat(mr.frame(0).isDummyPage()).as("device redirected to a dummy page").isTrue();
            assertThat(page.isFree()).as("the truncated page is freed, not orphaned").isTrue();
            assertThat(ino.size()).isZero();
            mr.write(0, fill('D', 4));
            f.ftruncate(PAGE);
            assertThat(ino.read(0, 4)).as("the device's writes land in the dummy page, never in the file").containsOnly((byte) 0);
            Frame dummy = mr.frame(0);
            mr.unpin(true);
            assertThat(dummy.isFree()).as("the dummy page is freed with the device's last redirected pins").isTrue();
            k.checkInvariants();
        }

        @Test
        void proposalNotifyThenDummyPageLetsTheTruncateGoOnWhenThePinDropsDuringTheGracePeriod() {
            Kernel k = kernel(KernelModel.PROPOSAL_TRUNCATE_NOTIFY_THEN_DUMMY_PAGE);
            Inode ino = k.mount(FsKind.EXT4).create("data", fill('F', PAGE));
            Process a = k.spawn("A");
            OpenFile f = a.open(ino, OpenFlags.RDWR);
            long map = a.mmap(0, PAGE, RW, SHARED, f, 0);
            DriverContext dev = DriverContext.attach(k, "rdma0");
            GupPages mr = dev.pinUserPages(a, map, 1, Foll.WRITE | Foll.LONGTERM, "MR#1");
            Revoker r = new Revoker(dev, true);
            dev.onRevoke(mr, r);
            Frame page = mr.frame(0);
            TruncateOp t = f.startTruncate(0);
            assertThat(t.isDone()).isFalse();
            mr.unpin(true);
            assertThat(t.isDone()).as("the step that drops the pin lets the truncate finish").isTrue();
            assertThat(r.calls).as("notified, never redirected").hasSize(1).allMatch(c -> c.startsWith("soon"));
            assertThat(page.isFree()).isTrue();
            assertThat(ino.size()).isZero();
        }

        @Test
        void proposalNotifyThenDummyPageRedirectsAtOnceInASynchronousFtruncateAndOrphansPinsWithoutACallback() {
            Kernel k = kernel(KernelModel.PROPOSAL_TRUNCATE_NOTIFY_THEN_DUMMY_PAGE);
            Inode ino = k.mount(FsKind.EXT4).create("data", fill('F', 3 * PAGE));
            Process a = k.spawn("A");
            OpenFile f = a.open(ino, OpenFlags.RDWR);
            long map = a.mmap(0, 3L * PAGE, RW, SHARED, f, 0);
            DriverContext dev = DriverContext.attach(k, "rdma0");
            GupPages mr = dev.pinUserPages(a, map + 2L * PAGE, 1, Foll.WRITE | Foll.LONGTERM, "MR#1");
            dev.onRevoke(mr, new Revoker(dev, true));
            GupPages plain = a.pinUserPages(map + PAGE, 1, Foll.WRITE | Foll.LONGTERM, "rdma1");
            GupPages stubborn = dev.pinUserPages(a, map, 1, Foll.WRITE | Foll.LONGTERM, "MR#2");
            dev.onRevoke(stubborn, new Revoker(dev, false));
            f.ftruncate(0);
            assertThat(mr.frame(0).isDummyPage()).as("a synchronous ftruncate is one step: the grace period ends at once").isTrue();
            assertThat(plain.frame(0).isDummyPage()).isFalse();
            assertThat(plain.frame(0).isInPageCache()).as("a pin without a revoke callback is orphaned, as ORPHAN does").isFalse();
            assertThat(plain.frame(0).isFree()).isFalse();
            assertThat(stubborn.frame(0).isInPageCache()).as("a driver that does not redirect keeps an orphan").isFalse();
            assertThat(k.log().render()).contains("rdma0 MR#2 did not redirect page 0 of data");
            assertThat(ino.size()).isZero();
            mr.unpin(false);
            plain.unpin(false);
            stubborn.unpin(false);
            k.checkInvariants();
        }
    }


    /**
     * Every value of every switch has a test that sets it and checks its behaviour: here, in a nested
     * class named after the switch ({@code ForkPinnedValues}), a test whose name starts with the value
     * ({@code shareWrprotect...} for SHARE_WRPROTECT); for a device's switches, the same in devices'
     * DeviceSwitchBehaviourTest.
     */
    @Test
    void everySwitchValueHasABehaviourTestNamedAfterIt() throws IOException {
        Map<String, Class<?>> nested = new HashMap<>();
        for (Class<?> c : SwitchBehaviourTest.class.getDeclaredClasses()) {
            nested.put(c.getSimpleName(), c);
        }
        for (Class<? extends Switch> type : KernelModel.SWITCHES) {
            if (DEVICE_SWITCHES.contains(type)) {
                continue;
            }
            Class<?> tests = nested.get(type.getSimpleName() + "Values");
            assertThat(tests).as("SwitchBehaviourTest has a @Nested class %sValues", type.getSimpleName()).isNotNull();
            List<String> names = new ArrayList<>();
            for (Method m : tests.getDeclaredMethods()) {
                if (m.isAnnotationPresent(Test.class)) {
                    names.add(m.getName());
                }
            }
            for (Switch value : type.getEnumConstants()) {
                assertThat(names).as("%sValues has a test named after %s.%s", type.getSimpleName(), type.getSimpleName(), value.name())
                        .anyMatch(n -> n.startsWith(camel(value.name())));
            }
        }
        String devices = Files.readString(Path.of("..", "devices", "src", "test", "java", "io", "pinsim", "devices", "DeviceSwitchBehaviourTest.java"));
        for (Class<? extends Switch> type : DEVICE_SWITCHES) {
            assertThat(devices).as("devices' DeviceSwitchBehaviourTest tests %s", type.getSimpleName()).contains("class " + type.getSimpleName() + "Values");
        }
    }

    /** SHARE_WRPROTECT -> shareWrprotect. */
    static String camel(String constant) {
        StringBuilder sb = new StringBuilder();
        for (String part : constant.toLowerCase(Locale.ROOT).split("_")) {
            sb.append(sb.length() == 0 ? part : Character.toUpperCase(part.charAt(0)) + part.substring(1));
        }
        return sb.toString();
    }
}
