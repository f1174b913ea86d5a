package io.pinsim.junit;

import static io.pinsim.dsl.Pinsim.dmaData;
import static io.pinsim.dsl.Pinsim.fill;
import static io.pinsim.dsl.Pinsim.pages;
import static io.pinsim.dsl.Pinsim.text;
import static org.assertj.core.api.Assertions.assertThat;

import io.pinsim.devices.IbAccess;
import io.pinsim.devices.NaiveOdpNic;
import io.pinsim.devices.NvmeDisk;
import io.pinsim.devices.RdmaNic;
import io.pinsim.devices.VfioDevice;
import io.pinsim.dsl.BugKind;
import io.pinsim.dsl.Scenario;
import io.pinsim.runtime.Advice;
import io.pinsim.runtime.Errno;
import io.pinsim.runtime.Foll;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.model.ForkPinned;
import io.pinsim.runtime.model.KernelModel;
import org.junit.jupiter.api.RepeatedTest;

/** Fixture classes for {@link PinsimExtensionTest}, run through the EngineTestKit only. */
final class ExtensionTestCases {
    private ExtensionTestCases() {
    }

    static class Injection {
        @PinsimTest
        void everythingOnOneKernel(Kernel kernel, Scenario scenario, KernelModel model, RdmaNic nic, NvmeDisk disk, VfioDevice vfio, RdmaNic second) {
            assertThat(scenario.kernel()).isSameAs(kernel);
            assertThat(kernel.model()).isSameAs(model).isSameAs(KernelModel.LATEST);
            assertThat(kernel.devices()).containsExactly("mlx5_0", "nvme0n1", "0000:01:00.0", "mlx5_1");
            assertThat(nic.name()).isEqualTo("mlx5_0");
            assertThat(second.name()).isEqualTo("mlx5_1");
            assertThat(disk.name()).isEqualTo("nvme0n1");
            assertThat(vfio.name()).isEqualTo("0000:01:00.0");
        }

        @PinsimTest
        void twoNicTypesDrawFromOneFamilyOfNames(Kernel kernel, RdmaNic nic, NaiveOdpNic naive) {
            assertThat(nic.name()).isEqualTo("mlx5_0");
            assertThat(naive.name()).isEqualTo("mlx5_1");
            assertThat(kernel.devices()).containsExactly("mlx5_0", "mlx5_1");
        }

        @PinsimTest(model = "LINUX_5_8", seed = 42)
        void modelAndSeedFromTheAnnotation(Kernel kernel) {
            assertThat(kernel.model()).isSameAs(KernelModel.LINUX_5_8);
            assertThat(kernel.seed()).isEqualTo(42);
        }
    }

    static class FromConfiguration {
        @PinsimTest
        void modelFromTheConfiguration(KernelModel model, Kernel kernel) {
            assertThat(model).isSameAs(KernelModel.LINUX_6_1);
            assertThat(kernel.seed()).isEqualTo(7);
        }
    }

    static class PerModel {
        @PinsimModels
        void everyModel(KernelModel model, Kernel kernel) {
            assertThat(kernel.model()).isSameAs(model);
        }

        @PinsimModels({"LINUX_5_10", "LINUX_6_6"})
        @ModelVariant(name = "5.9-rc1", base = "LINUX_5_10", with = "ForkPinned.SHARE_WRPROTECT")
        void subsetAndVariant(KernelModel model) {
            if (model.name().equals("5.9-rc1")) {
                assertThat(model.get(ForkPinned.class)).isEqualTo(ForkPinned.SHARE_WRPROTECT);
            }
        }
    }

    static class KnownBugs {
        /** S2 on every model: the bug reproduces on 4.19 and 5.8, as documented: the parent's write copied the pinned page away. */
        @PinsimModels
        @KnownBug(models = {"LINUX_4_19", "LINUX_5_8"}, reference = "70e806e4e645", expect = BugKind.DEVICE_DATA_LOST, because = "copied frame #1")
        void documentedBug(Scenario s) {
            s.process("A").malloc(pages(1)).write('A').pin(io.pinsim.dsl.Pinsim.rdma).fork().parentWrites(text("p")).dmaCompletes()
                    .assertParentSees(dmaData());
        }

        /** Claims a bug on 6.6 that does not exist there: an unexpected pass. */
        @PinsimModels("LINUX_6_6")
        @KnownBug(models = "LINUX_6_6", reference = "a wrong claim", expect = BugKind.DATA_CORRUPTION)
        void wrongClaim(Scenario s) {
            s.process("A").malloc(pages(1)).write('A').assertSees(fill('A'));
        }
    }

    /** forkRacingPin explores; @Explore sets how, or replays one schedule. */
    static class Explored {
        /** Reproduces on 5.8 (no preemption needed) and on the 5.9 variant (one preemption); passes every schedule on 5.10. */
        @PinsimModels({"LINUX_5_8", "LINUX_5_10"})
        @ModelVariant(name = "5.9", base = "LINUX_5_10", with = "GupFastVsFork.UNSERIALIZED")
        @Explore(preemptions = 1)
        @KnownBug(models = {"LINUX_5_8", "5.9"}, reference = "57efa1fe5957", expect = BugKind.DEVICE_DATA_LOST, because = "smallest failing schedule")
        void explores(Scenario s) {
            s.process("A").malloc(pages(2)).write('A').forkRacingPin(io.pinsim.dsl.Pinsim.rdma).parentWrites('P').dmaCompletes()
                    .assertParentSees(dmaData());
        }

        /** Replays the one schedule a failure printed: it fails, naming it. */
        @PinsimTest(model = "LINUX_5_8")
        @Explore(schedule = "T2*3,T1*7")
        void replaysOneSchedule(Scenario s) {
            s.process("A").malloc(pages(1)).write('A').forkRacingPin(io.pinsim.dsl.Pinsim.rdma).parentWrites('P').dmaCompletes()
                    .assertParentSees(dmaData());
        }
    }

    /** @Explore with PCT, an Exploration parameter, and a schedule together with PCT (refused). */
    static class ExploredPct {
        /** 5.10 serializes GUP-fast against fork: no PCT run fails. */
        @PinsimTest(model = "LINUX_5_10")
        @Explore(pct = @Pct(depth = 2, runs = 20))
        void pct(Scenario s) {
            s.process("A").malloc(pages(2)).write('A').forkRacingPin(io.pinsim.dsl.Pinsim.rdma).parentWrites('P').dmaCompletes()
                    .assertParentSees(dmaData());
        }

        /** A test's own explorer, run as @Explore says: two writes of one byte in two threads, every order. */
        @PinsimTest(model = "LINUX_6_6")
        @Explore(preemptions = 1)
        void ownExplorer(Kernel kernel, io.pinsim.dsl.Exploration exploration) {
            io.pinsim.runtime.explore.Explorer<long[]> explorer = io.pinsim.runtime.explore.Explorer.on(
                    Kernel.builder().model(kernel.model()).seed(kernel.seed()), k -> {
                        io.pinsim.runtime.Process a = k.spawn("A");
                        return new long[] {a.pid(), a.mmap(4096, io.pinsim.runtime.Prot.READ | io.pinsim.runtime.Prot.WRITE,
                                io.pinsim.runtime.MapFlags.PRIVATE | io.pinsim.runtime.MapFlags.ANONYMOUS)};
                    })
                    .thread("T1", io.pinsim.runtime.explore.Op.atomic("write 'X'", st -> { }))
                    .thread("T2", io.pinsim.runtime.explore.Op.atomic("write 'Y'", st -> { }));
            exploration.assertEverySchedulePasses(explorer);
        }

        /** A replay runs one schedule: PCT with it is a contradiction. */
        @PinsimTest(model = "LINUX_6_6")
        @Explore(schedule = "T1", pct = @Pct(runs = 5))
        void scheduleAndPct(Scenario s) {
            s.process("A");
        }
    }

    /** Each fails on the model its @KnownBug names, but not as documented: each is a real failure. */
    static class WrongFailures {
        /** madvise(MADV_PAGEOUT) is EINVAL on 4.19: the scenario never gets to its question. */
        @PinsimModels("LINUX_4_19")
        @KnownBug(models = "LINUX_4_19", reference = "a step that cannot run", expect = BugKind.DATA_CORRUPTION)
        void stepCannotRun(Scenario s) {
            s.process("A").malloc(pages(1)).write('A').madvise(Advice.PAGEOUT).assertSees(fill('A'));
        }

        /** The R/O pin goes stale on 5.10 (a STALE_PIN), but the annotation claims the device's data is lost. */
        @PinsimModels("LINUX_5_10")
        @KnownBug(models = "LINUX_5_10", reference = "a wrong kind", expect = BugKind.DEVICE_DATA_LOST)
        void wrongKind(Scenario s) {
            s.process("A").malloc(pages(1)).write('A').fork().inParent().gup(Foll.LONGTERM).parentWrites('P').deviceReads().assertDeviceSees(fill('P'));
        }

        /** The right kind, but the because: line does not name the mechanism the annotation claims. */
        @PinsimModels("LINUX_5_8")
        @KnownBug(models = "LINUX_5_8", reference = "a wrong mechanism", expect = BugKind.DEVICE_DATA_LOST, because = "reused frame")
        void wrongBecause(Scenario s) {
            s.process("A").malloc(pages(1)).write('A').pin(io.pinsim.dsl.Pinsim.rdma).fork().parentWrites(text("p")).dmaCompletes()
                    .assertParentSees(dmaData());
        }

        /** A plain AssertJ assertion names no kind. */
        @PinsimModels("LINUX_5_8")
        @KnownBug(models = "LINUX_5_8", reference = "a kindless assertion", expect = BugKind.DEVICE_DATA_LOST)
        void plainAssertion(Kernel kernel) {
            assertThat(kernel.processes()).as("no process yet").hasSize(1);
        }

        /** The test itself is broken. */
        @PinsimModels("LINUX_4_19")
        @KnownBug(models = "LINUX_4_19", reference = "70e806e4e645", expect = BugKind.DEVICE_DATA_LOST)
        void crashes(Kernel kernel) {
            kernel.spawn("A");
            throw new IllegalStateException("the test itself is broken");
        }
    }

    static class Failing {
        @PinsimTest(model = "LINUX_5_8", seed = 3)
        void parentLosesDma(Scenario s) {
            s.process("A").malloc(pages(1)).write('A').pin(io.pinsim.dsl.Pinsim.rdma).fork().parentWrites(text("p")).dmaCompletes()
                    .assertParentSees(dmaData());
        }

        @PinsimTest
        void neverAsserted(Scenario s) {
            s.process("A").malloc(pages(1)).write('A');
        }

        /** then() leaves the chain; it is not an assertion, whatever the test checks on the handles. */
        @PinsimTest
        void onlyLeavesTheChain(Scenario s) {
            assertThat(s.process("A").malloc(pages(1)).write('A').then().buffer()).isNotNull();
        }

        @PinsimTest(trace = TraceMode.ALWAYS)
        void passesAndKeepsItsTrace(Scenario s) {
            s.process("A").malloc(pages(1)).write('A').assertSees(fill('A'));
        }
    }

    /** A driver that allocates with GFP_KERNEL in a fence-signalling section, then a test that fails on the lockdep report. */
    static class Lockdep {
        @PinsimTest(model = "LINUX_6_6", seed = 5)
        void splat(Kernel kernel) {
            io.pinsim.runtime.spi.DriverContext gpu = io.pinsim.runtime.spi.DriverContext.attach(kernel, "gpu0");
            boolean cookie = gpu.dmaFenceBeginSignalling();
            gpu.allocate(io.pinsim.runtime.spi.Gfp.KERNEL, "a job's command buffer");
            gpu.dmaFenceEndSignalling(cookie);
            assertThat(kernel.lockdep().reports()).as("no lockdep report").isEmpty();
        }
    }

    /** A failure whose trace holds a message far wider than a console: the table wraps it. */
    static class WideTrace {
        static final String LONG = "a very long trace message that no column of a console table can hold on one line, "
                + "so the failure message wraps it onto continuation lines instead of cutting it, END-OF-THE-MESSAGE";

        @PinsimTest(model = "LINUX_5_8", seed = 3)
        void longMessage(Kernel kernel, Scenario s) {
            kernel.trace().record("a-driver-with-a-rather-long-name", io.pinsim.runtime.trace.TraceKind.INFO, 0, 0, LONG);
            s.process("A").malloc(pages(1)).write('A').pin(io.pinsim.dsl.Pinsim.rdma).fork().parentWrites(text("p")).dmaCompletes()
                    .assertParentSees(dmaData());
        }
    }

    static class Leaking {
        /** Simulates a model bug: a swap reference that no swap PTE explains (swap_duplicate() without its PTE). */
        @PinsimTest
        void aSwapCountWithoutItsPte(Kernel kernel) {
            io.pinsim.runtime.Process a = kernel.spawn("A");
            long buf = a.mmap(4096, io.pinsim.runtime.Prot.READ | io.pinsim.runtime.Prot.WRITE, io.pinsim.runtime.MapFlags.PRIVATE | io.pinsim.runtime.MapFlags.ANONYMOUS);
            a.write(buf, new byte[] {1});
            kernel.reclaim(a, buf);
            long pte = ((io.pinsim.runtime.internal.mm.MmOwner) a).mm().pt.get(buf >>> 12);
            ((io.pinsim.runtime.internal.kernel.KernelImpl) kernel).core().swap.get(io.pinsim.runtime.internal.mm.Pte.slot(pte)).count++;
        }

        @PinsimTest
        void healthy(Kernel kernel) {
            io.pinsim.runtime.Process a = kernel.spawn("A");
            long buf = a.mmap(4096, io.pinsim.runtime.Prot.READ | io.pinsim.runtime.Prot.WRITE, io.pinsim.runtime.MapFlags.SHARED | io.pinsim.runtime.MapFlags.ANONYMOUS);
            a.write(buf, new byte[] {1});
            a.exit();
        }
    }

    static class FaultInjection {
        /** An ODP MR over one written page, prefetched for write, then MADV_DONTNEED: one invalidation. */
        private static void prefetchOdpPageThenDiscardIt(RdmaNic nic, Kernel kernel) {
            var a = kernel.spawn("A");
            long buf = a.mmap(4096, 3, 0x22);
            a.write(buf, new byte[] {'A'});
            var mr = nic.regMr(nic.allocPd(a), buf, 4096, IbAccess.ON_DEMAND | IbAccess.LOCAL_WRITE);
            nic.advise(mr, 0, 4096, true);
            a.madvise(buf, 4096, Advice.DONTNEED);
        }

        @PinsimTest
        @InjectFault(type = RdmaNic.class, method = "allocateXlt")
        void naiveDriverCannotInvalidate(NaiveOdpNic nic, Kernel kernel) {
            prefetchOdpPageThenDiscardIt(nic, kernel);
            assertThat(kernel.log().contains("failed an invalidation")).isTrue();
            assertThat(kernel.trace().render()).contains("@InjectFault: RdmaNic.allocateXlt() call 1 fails: returns false");
        }

        @PinsimTest
        @InjectFault(type = RdmaNic.class, method = "allocateXlt")
        void mlx5SurvivesTheSameInjection(RdmaNic nic, Kernel kernel) {
            prefetchOdpPageThenDiscardIt(nic, kernel);
            assertThat(kernel.log().contains("failed an invalidation")).isFalse();
            assertThat(kernel.trace().render()).contains("xlt_emergency_page");
        }

        @PinsimTest
        @InjectFault(type = RdmaNic.class, method = "regMr", call = 2, fault = InjectFault.Fault.ERRNO, errno = Errno.ENOMEM)
        void secondRegistrationFails(RdmaNic nic, Kernel kernel) {
            var a = kernel.spawn("A");
            long buf = a.mmap(8192, 3, 0x22);
            var pd = nic.allocPd(a);
            nic.regMr(pd, buf, 4096, IbAccess.LOCAL_WRITE);
            try {
                nic.regMr(pd, buf + 4096, 4096, IbAccess.LOCAL_WRITE);
                throw new AssertionError("the second registration should fail");
            } catch (io.pinsim.runtime.ErrnoException e) {
                assertThat(e.errno()).isEqualTo(Errno.ENOMEM);
            }
        }

        @PinsimTest
        @InjectFault(type = RdmaNic.class, method = "nothingLikeThis")
        void unknownMethod(RdmaNic nic) {
            throw new AssertionError("not reached");
        }
    }

    static class Parallel {
        @RepeatedTest(200)
        @ExtensionMarker
        void manyKernels(Scenario s, Kernel kernel) {
            s.process("A").malloc(pages(4)).write('A').fork().childWrites('C').assertParentSees(fill('A')).assertChildSees(fill('C'));
            assertThat(kernel.processes()).hasSize(2);
        }
    }

    /** @RepeatedTest with the extension. */
    @java.lang.annotation.Retention(java.lang.annotation.RetentionPolicy.RUNTIME)
    @org.junit.jupiter.api.extension.ExtendWith(PinsimExtension.class)
    @interface ExtensionMarker {
    }

    static class Variants {
        @PinsimModels({"LINUX_5_10", "LINUX_6_6"})
        @ModelVariant(name = "6.6-share-pinned", base = "LINUX_6_6", with = {"ForkPinned.SHARE_WRPROTECT", "RdmaCopyOnFork.NOT_REPORTED"})
        void onEveryModelAndVariant(KernelModel model, Kernel kernel) {
            assertThat(kernel.model()).isSameAs(model);
        }
    }
}
