package io.pinsim.dsl;

import io.pinsim.runtime.BadInputTable;

import static io.pinsim.runtime.BadInputTable.args;
import static io.pinsim.runtime.BadInputTable.fault;
import static io.pinsim.runtime.BadInputTable.iae;
import static io.pinsim.runtime.BadInputTable.ise;
import static io.pinsim.runtime.BadInputTable.ok;
import static io.pinsim.dsl.Pinsim.bytes;
import static io.pinsim.dsl.Pinsim.ext4;
import static io.pinsim.dsl.Pinsim.fill;
import static io.pinsim.dsl.Pinsim.pages;
import static io.pinsim.dsl.Pinsim.rdma;
import static io.pinsim.dsl.Pinsim.text;
import static org.assertj.core.api.Assertions.assertThat;

import io.pinsim.runtime.Advice;
import io.pinsim.runtime.Errno;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.Prot;
import io.pinsim.runtime.Signal;
import io.pinsim.runtime.model.KernelModel;
import io.pinsim.runtime.explore.Explorer;
import io.pinsim.runtime.explore.Op;
import java.util.List;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.opentest4j.AssertionFailedError;

/**
 * Every public step of the scenario DSL fed bad input (project issue 11): a null argument is refused
 * by the step with the parameter's name; a step used where it makes no sense (no process, no
 * buffer, no file, no device, a process that exited) is refused with {@link IllegalStateException}
 * naming the missing step; what the kernel refuses is recorded for {@code assertFails(..)}; after
 * an unasserted failure every step fails. A refused step changes nothing: not the kernel, not the
 * trace, not the scenario's step count.
 */
class DslBadInputTableTest {
    static final String NO_PROCESS = "needs a process: start with process(\"A\")";
    static final String NO_BUFFER = "needs a buffer";
    static final String NO_FILE = "needs a file";
    static final String NO_DEVICE = "needs a device holding the buffer";
    static final String EXITED = "has exited";
    static final String FAILED = "failed";

    /** The kernel refused the step: it is recorded, and {@code assertFails(errno)} passes. */
    static BadInputTable.Expect recorded(Errno errno) {
        return ok("recorded; the next step must be assertFails(" + errno + ")").then(s -> ((ScenarioSteps<?>) s).assertFails(errno));
    }

    static BadInputTable<DslBadInputFixture> table() {
        BadInputTable<DslBadInputFixture> t = new BadInputTable<>(DslBadInputFixture::new, DslBadInputFixture::state, DslBadInputFixture::traces);
        processSteps(t);
        fileSteps(t);
        deviceSteps(t);
        assertions(t);
        forkedAndOthers(t);
        return t;
    }

    @TestFactory
    List<DynamicTest> badInput() {
        return table().tests();
    }

    @Test
    void everyPublicStepHasARow() {
        BadInputTable<DslBadInputFixture> t = table();
        assertThat(t.missingRows()).as("public steps with no row: give each bad input a row, or list a getter as taking no input").isEmpty();
        assertThat(t.staleNoInput()).as("\"no input\" entries that name no public method").isEmpty();
    }

    static void processSteps(BadInputTable<DslBadInputFixture> t) {
        t.type(ScenarioSteps.class);
        t.noInput(ScenarioSteps.class, "kernel()", "then()", "isAsserted()", "steps()");
        t.method(ScenarioSteps.class, "process(String)", f -> f.fresh(), f -> args("A"))
                .bad("a blank name", iae("name the process"), 0, " ")
                .on("after an unasserted failure", fault(StepFailedException.class, FAILED), f -> f.failed());
        for (String map : List.of("malloc(Size)", "mmapShared(Size)")) {
            t.method(ScenarioSteps.class, map, f -> f.process(), f -> args(pages(1)))
                    .bad("more than 2 GiB", iae("2 GiB - 1"), 0, bytes(1L << 32))
                    .on("no process", ise(NO_PROCESS), f -> f.fresh())
                    .on("a process that exited", ise(EXITED), f -> f.exited())
                    .on("after an unasserted failure", fault(StepFailedException.class, FAILED), f -> f.failed());
        }
        t.method(ScenarioSteps.class, "mallocAs(CowBacking)", f -> f.process(), f -> args(CowBacking.SWAPPED_OUT_THP))
                .bad("SHARED_ZERO_PAGE", ok("one page mapping the shared zero page"), 0, CowBacking.SHARED_ZERO_PAGE)
                .bad("HUGE_ZERO_PAGE", ok("a THP-aligned range mapping the huge zero page"), 0, CowBacking.HUGE_ZERO_PAGE)
                .on("no process", ise(NO_PROCESS), f -> f.fresh())
                .on("a process that exited", ise(EXITED), f -> f.exited())
                .on("after an unasserted failure", fault(StepFailedException.class, FAILED), f -> f.failed());
        t.method(ScenarioSteps.class, "mallocThp(Size)", f -> f.process(), f -> args(pages(512)))
                .bad("one page", iae("multiple of 2 MiB"), 0, pages(1))
                .bad("more than 2 GiB", iae("2 GiB - 1"), 0, bytes(1L << 32))
                .on("no process", ise(NO_PROCESS), f -> f.fresh())
                .on("a process that exited", ise(EXITED), f -> f.exited())
                .on("after an unasserted failure", fault(StepFailedException.class, FAILED), f -> f.failed());
        t.method(ScenarioSteps.class, "mallocHugetlb(Size,long)", f -> f.process(), f -> args(pages(512), io.pinsim.runtime.Kernel.HUGE_PAGE_2MB))
                .bad("a 4 MiB page size", iae("HUGE_PAGE_1GB"), 1, 4L << 20)
                .bad("one page of 1 GiB pages", iae("multiple of"), f -> args(pages(512), io.pinsim.runtime.Kernel.HUGE_PAGE_1GB))
                .bad("more than 2 GiB", iae("2 GiB - 1"), 0, bytes(1L << 32))
                .on("no process", ise(NO_PROCESS), f -> f.fresh())
                .on("a process that exited", ise(EXITED), f -> f.exited())
                .on("after an unasserted failure", fault(StepFailedException.class, FAILED), f -> f.failed());
        t.method(ScenarioSteps.class, "mallocHugetlb(Size)", f -> f.process(), f -> args(pages(512)))
                .bad("one page", iae("multiple of 2 MiB"), 0, pages(1))
                .bad("more than 2 GiB", iae("2 GiB - 1"), 0, bytes(1L << 32))
                .on("no process", ise(NO_PROCESS), f -> f.fresh())
                .on("a process that exited", ise(EXITED), f -> f.exited())
                .on("after an unasserted failure", fault(StepFailedException.class, FAILED), f -> f.failed());
        t.method(ScenarioSteps.class, "mmapSharedHugetlb(Size,long)", f -> f.process(), f -> args(pages(512), io.pinsim.runtime.Kernel.HUGE_PAGE_2MB))
                .bad("a 4 MiB page size", iae("HUGE_PAGE_1GB"), 1, 4L << 20)
                .bad("one page of 1 GiB pages", iae("multiple of"), f -> args(pages(512), io.pinsim.runtime.Kernel.HUGE_PAGE_1GB))
                .bad("more than 2 GiB", iae("2 GiB - 1"), 0, bytes(1L << 32))
                .on("no process", ise(NO_PROCESS), f -> f.fresh())
                .on("a process that exited", ise(EXITED), f -> f.exited())
                .on("after an unasserted failure", fault(StepFailedException.class, FAILED), f -> f.failed());
        t.method(ScenarioSteps.class, "mmapSharedHugetlb(Size)", f -> f.process(), f -> args(pages(512)))
                .bad("one page", iae("multiple of 2 MiB"), 0, pages(1))
                .bad("more than 2 GiB", iae("2 GiB - 1"), 0, bytes(1L << 32))
                .on("no process", ise(NO_PROCESS), f -> f.fresh())
                .on("a process that exited", ise(EXITED), f -> f.exited())
                .on("after an unasserted failure", fault(StepFailedException.class, FAILED), f -> f.failed());
        for (String map : List.of("mmapFile(Size)", "mmapFilePrivate(Size)")) {
            t.method(ScenarioSteps.class, map, f -> f.file(), f -> args(pages(1)))
                    .bad("more than 2 GiB", iae("2 GiB - 1"), 0, bytes(1L << 32))
                    .on("no file", ise(NO_FILE), f -> f.buffer())
                    .on("no process", ise(NO_PROCESS), f -> f.fresh())
                    .on("a process that exited", ise(EXITED), f -> f.exited());
        }
        t.method(ScenarioSteps.class, "write(Data)", f -> f.buffer(), f -> args(fill('B')))
                .bad("text longer than the buffer", iae("longer than the buffer"), 0, text("x".repeat(5000)))
                .on("no buffer", ise(NO_BUFFER), f -> f.process())
                .on("a process that exited", ise(EXITED), f -> f.exited())
                .on("after an unasserted failure", fault(StepFailedException.class, FAILED), f -> f.failed());
        for (String noArg : List.of("read()", "munmap()", "reclaim()")) {
            t.method(ScenarioSteps.class, noArg, f -> f.buffer(), f -> args())
                    .on("no buffer", ise(NO_BUFFER), f -> f.process())
                    .on("no process", ise(NO_PROCESS), f -> f.fresh())
                    .on("a process that exited", ise(EXITED), f -> f.exited());
        }
        t.method(ScenarioSteps.class, "write(char)", f -> f.buffer(), f -> args('B'))
                .on("no buffer", ise(NO_BUFFER), f -> f.process())
                .on("a process that exited", ise(EXITED), f -> f.exited());
        t.method(ScenarioSteps.class, "madvise(Advice)", f -> f.buffer(), f -> args(Advice.DONTFORK))
                .on("MADV_WIPEONFORK of a shared mapping", recorded(Errno.EINVAL), f -> f.process().mmapShared(pages(1)), f -> args(Advice.WIPEONFORK))
                .on("no buffer", ise(NO_BUFFER), f -> f.process());
        t.method(ScenarioSteps.class, "mprotect(int)", f -> f.buffer(), f -> args(Prot.READ))
                .bad("unknown prot bits", recorded(Errno.EINVAL), 0, 0x8)
                .on("no buffer", ise(NO_BUFFER), f -> f.process());
        t.method(ScenarioSteps.class, "exit()", f -> f.buffer(), f -> args())
                .on("no process", ise(NO_PROCESS), f -> f.fresh())
                .on("a process that exited", ise(EXITED), f -> f.exited());
        t.method(ScenarioSteps.class, "fork()", f -> f.buffer(), f -> args())
                .on("no process", ise(NO_PROCESS), f -> f.fresh())
                .on("a process that exited", ise(EXITED), f -> f.exited())
                .on("after an unasserted failure", fault(StepFailedException.class, FAILED), f -> f.failed());
        t.method(ScenarioSteps.class, "forkRacingPin(DeviceKind)", f -> f.buffer(), f -> args(rdma))
                .on("no buffer", ise(NO_BUFFER), f -> f.process())
                .on("a process that exited", ise(EXITED), f -> f.exited())
                .on("a step before it that cannot be redone", ise("cannot be redone"), f -> f.pinned());
        t.method(ScenarioSteps.class, "exploring(int,String)", f -> f.fresh(), f -> args(2, ""))
                .bad("negative preemptions", iae("0 or more"), 0, -1)
                .bad("a schedule that does not parse", iae("is not a step"), 1, "fork first");
        t.method(ScenarioSteps.class, "exploring(Exploration)", f -> f.fresh(), f -> args(Exploration.pct(2, 10)));
        t.type(Exploration.class);
        t.noInput(Exploration.class, "schedule()", "search()", "describe()", "ran()", "schedules()", "failed()");
        t.method(Exploration.class, "preemptionBounded(int)", f -> args(2))
                .bad("-1", iae("0 or more"), 0, -1);
        t.method(Exploration.class, "pct(int,int)", f -> args(2, 10))
                .bad("depth 0", iae("depth of 1 or more"), 0, 0)
                .bad("0 runs", iae("1 run or more"), 1, 0);
        t.method(Exploration.class, "replaying(String)", f -> args("T1,T2"))
                .bad("an empty schedule", iae("name the schedule to replay"), 0, "")
                .bad("a schedule that does not parse", iae("is not a step"), 0, "fork first");
        for (String fn : List.of("explore(Explorer)", "assertEverySchedulePasses(Explorer)")) {
            t.method(Exploration.class, fn, f -> Exploration.preemptionBounded(1), f -> args(twoWriters()))
                    .bad("an explorer without threads", ise("nothing to explore"), 0, Explorer.on(Kernel.builder(), k -> k));
        }
    }

    /** Two threads that each do nothing but exist: two schedules, both pass. */
    static Explorer<Kernel> twoWriters() {
        return Explorer.on(Kernel.builder(), k -> k).thread("T1", Op.atomic("nothing", k -> { })).thread("T2", Op.atomic("nothing", k -> { }));
    }

    static void fileSteps(BadInputTable<DslBadInputFixture> t) {
        t.type(FileDecl.class);
        t.method(ScenarioSteps.class, "memfd(Size)", f -> f.process(), f -> args(pages(1)))
                .bad("more than 2 GiB", iae("2 GiB - 1"), 0, bytes(1L << 32))
                .on("no process", ise(NO_PROCESS), f -> f.fresh())
                .on("a process that exited", ise(EXITED), f -> f.exited())
                .on("after an unasserted failure", fault(StepFailedException.class, FAILED), f -> f.failed());
        t.method(ScenarioSteps.class, "memfdHugetlb(Size,long)", f -> f.process(), f -> args(pages(512), io.pinsim.runtime.Kernel.HUGE_PAGE_2MB))
                .bad("a 4 MiB page size", iae("HUGE_PAGE_1GB"), 1, 4L << 20)
                .bad("one page of 1 GiB pages", iae("multiple of"), f -> args(pages(512), io.pinsim.runtime.Kernel.HUGE_PAGE_1GB))
                .bad("more than 2 GiB", iae("2 GiB - 1"), 0, bytes(1L << 32))
                .on("no process", ise(NO_PROCESS), f -> f.fresh())
                .on("a process that exited", ise(EXITED), f -> f.exited())
                .on("after an unasserted failure", fault(StepFailedException.class, FAILED), f -> f.failed());
        t.method(ScenarioSteps.class, "memfdHugetlb(Size)", f -> f.process(), f -> args(pages(512)))
                .bad("one page", iae("multiple of 2 MiB"), 0, pages(1))
                .bad("more than 2 GiB", iae("2 GiB - 1"), 0, bytes(1L << 32))
                .on("no process", ise(NO_PROCESS), f -> f.fresh())
                .on("a process that exited", ise(EXITED), f -> f.exited())
                .on("after an unasserted failure", fault(StepFailedException.class, FAILED), f -> f.failed());
        t.method(ScenarioSteps.class, "file(String,Size)", f -> f.process(), f -> args("data", pages(1)))
                .bad("more than 2 GiB", iae("2 GiB - 1"), 1, bytes(1L << 32));
        t.method(FileDecl.class, "on(FsKind)", f -> f.process().file("data"), f -> args(ext4))
                .on("an empty name", recorded(Errno.ENOENT), f -> f.process().file(""))
                .on("fs-DAX", ok("every mountable FsKind mounts"), f -> f.process().file("data"), f -> args(Pinsim.dax))
                .on("hugetlbfs", iae("memfdHugetlb"), f -> f.process().file("data"), f -> args(io.pinsim.runtime.FsKind.HUGETLBFS));
        t.method(ScenarioSteps.class, "file(String)", f -> f.process(), f -> args("data"))
                .bad("a name with '/'", iae("no directories"), 0, "d/f");
        t.method(ScenarioSteps.class, "truncate(long)", f -> f.file(), f -> args(0L))
                .bad("size -1", recorded(Errno.EINVAL), 0, -1L)
                .bad("a size past ext4's s_maxbytes", recorded(Errno.EFBIG), 0, 1L << 50)
                .on("no file", ise(NO_FILE), f -> f.buffer())
                .on("no process", ise(NO_PROCESS), f -> f.fresh());
        t.method(ScenarioSteps.class, "fallocate()", f -> f.file(), f -> args())
                .on("a file truncated to size 0", recorded(Errno.EINVAL), f -> f.file().truncate(0));
        for (String noArg : List.of("truncate()", "punchHole()", "writeback()", "fsync()", "fallocate()")) {
            t.method(ScenarioSteps.class, noArg, f -> f.file(), f -> args())
                    .on("no file", ise(NO_FILE), f -> f.buffer())
                    .on("no process", ise(NO_PROCESS), f -> f.fresh())
                    .on("a process that exited", ise(EXITED), f -> f.exited());
        }
    }

    static void deviceSteps(BadInputTable<DslBadInputFixture> t) {
        for (String pin : List.of("pin(DeviceKind)", "pinReadOnly(DeviceKind)")) {
            t.method(ScenarioSteps.class, pin, f -> f.buffer(), f -> args(rdma))
                    .on("no buffer", ise(NO_BUFFER), f -> f.process())
                    .on("a process that exited", ise(EXITED), f -> f.exited());
        }
        t.method(ScenarioSteps.class, "pin(RdmaNic)", f -> f.buffer(), f -> args(new io.pinsim.devices.RdmaNic(f.k, "mlx5_0")))
                .bad("a NIC of another kernel", iae("create a device per kernel"), 0, f -> f.otherNic)
                .on("no buffer", ise(NO_BUFFER), f -> f.process(), f -> args(f.otherNic));
        t.method(ScenarioSteps.class, "gup(int)", f -> f.buffer(), f -> args(0))
                .bad("an unknown GUP flag", recorded(Errno.EINVAL), 0, 0x2)
                .on("no buffer", ise(NO_BUFFER), f -> f.process());
        for (String noArg : List.of("registerBuffer()", "vmsplice()")) {
            t.method(ScenarioSteps.class, noArg, f -> f.buffer(), f -> args())
                    .on("no buffer", ise(NO_BUFFER), f -> f.process())
                    .on("a process that exited", ise(EXITED), f -> f.exited());
        }
        t.method(ScenarioSteps.class, "pipeRead()", f -> f.buffer().vmsplice(), f -> args())
                .on("no pipe", ise("add vmsplice() first"), f -> f.buffer())
                .on("no process", ise(NO_PROCESS), f -> f.fresh());
        t.method(ScenarioSteps.class, "startDirectRead()", f -> f.file(), f -> args())
                .on("no file", ise(NO_FILE), f -> f.buffer());
        t.method(ScenarioSteps.class, "startDirectRead(Size)", f -> f.file(), f -> args(bytes(512)))
                .bad("a length not a multiple of 512", recorded(Errno.EINVAL), 0, bytes(100))
                .bad("more than the buffer", iae("reads more than the buffer"), 0, pages(2))
                .on("no file", ise(NO_FILE), f -> f.buffer());
        t.method(ScenarioSteps.class, "startDirectWrite()", f -> f.file(), f -> args())
                .on("no file", ise(NO_FILE), f -> f.buffer())
                .on("a request already in flight", ise("is still in flight"), f -> f.file().startDirectWrite());
        t.method(ScenarioSteps.class, "dmaCompletes()", f -> f.pinned(), f -> args())
                .on("no DMA in flight", ise("needs DMA in flight"), f -> f.buffer());
        t.method(ScenarioSteps.class, "deviceWrites(Data)", f -> f.pinned(), f -> args(fill('D')))
                .bad("text longer than the buffer", iae("longer than the buffer"), 0, text("x".repeat(5000)))
                .on("no device", ise(NO_DEVICE), f -> f.buffer());
        t.method(ScenarioSteps.class, "gpuUserptr(UserptrMode)", f -> f.buffer(), f -> args(io.pinsim.devices.UserptrMode.HMM))
                .on("no buffer", ise(NO_BUFFER), f -> f.process());
        t.method(ScenarioSteps.class, "gpuSubmit(Data)", f -> f.gpuBo(), f -> args(fill('G')))
                .bad("text longer than the buffer", iae("longer than the buffer"), 0, text("x".repeat(5000)))
                .on("no GPU buffer object", ise("add gpuUserptr(..) first"), f -> f.buffer());
        t.method(ScenarioSteps.class, "gpuJobCompletes()", f -> f.gpuJob(), f -> args())
                .on("no job", ise("add gpuSubmit(..) first"), f -> f.gpuBo())
                .on("a job that signalled", ise("signalled already"), f -> f.gpuJob().gpuJobCompletes());
        for (String noArg : List.of("deviceReads()", "unpin()")) {
            t.method(ScenarioSteps.class, noArg, f -> f.pinned(), f -> args())
                    .on("no device", ise(NO_DEVICE), f -> f.buffer());
        }
    }

    static void assertions(BadInputTable<DslBadInputFixture> t) {
        t.method(ScenarioSteps.class, "assertSees(Data)", f -> f.buffer(), f -> args(fill('A')))
                .on("no buffer", ise(NO_BUFFER), f -> f.process())
                .on("after an unasserted failure", fault(StepFailedException.class, FAILED), f -> f.failed());
        t.method(ScenarioSteps.class, "assertParentSees(Data)", f -> f.buffer(), f -> args(fill('A')))
                .on("no process", ise(NO_PROCESS), f -> f.fresh());
        t.method(ScenarioSteps.class, "assertDeviceSees(Data)", f -> f.pinned(), f -> args(fill('A')))
                .on("no device", ise(NO_DEVICE), f -> f.buffer());
        t.method(ScenarioSteps.class, "assertFileContains(Data)", f -> f.file(), f -> args(fill('F')))
                .on("no file", ise(NO_FILE), f -> f.buffer());
        t.method(ScenarioSteps.class, "assertPipeSees(Data)", f -> f.buffer().vmsplice().pipeRead(), f -> args(fill('A')))
                .on("no pipe read", ise("add pipeRead() first"), f -> f.buffer());
        t.method(ScenarioSteps.class, "assertFaults(Signal)", f -> f.buffer().munmap().read(), f -> args(Signal.SIGSEGV))
                .on("a step that did not fault", fault(AssertionFailedError.class, "Expecting the last step to deliver")
                        .leaving("the scenario reached an assertion"), f -> f.buffer());
        t.method(ScenarioSteps.class, "assertFails(Errno)", f -> f.failed(), f -> args(Errno.EINVAL))
                .on("a step that did not fail", fault(AssertionFailedError.class, "Expecting the last step to fail")
                        .leaving("the scenario reached an assertion"), f -> f.buffer());
        t.method(ScenarioSteps.class, "assertKernelLog(String)", f -> f.buffer(), f -> args(""));
        String[] canonical = {"dma_fence_map", "fs_reclaim", "mmu_notifier_invalidate_range_start", "dma_fence_map"};
        t.method(ScenarioSteps.class, "assertLockdepReports(String[])", f -> f.lockdepReported(), f -> args((Object) canonical))
                .bad("one lock class", iae("starting and ending with the same one"), 0, (Object) new String[] {"dma_fence_map"})
                .bad("a chain that does not close", iae("starting and ending with the same one"), 0, (Object) new String[] {"fs_reclaim", "dma_fence_map"})
                .on("a kernel with no report", fault(AssertionFailedError.class, "Expecting lockdep to report the cycle")
                        .leaving("the scenario reached an assertion"), f -> f.buffer());
        t.method(ScenarioSteps.class, "assertNoLockdepReport()", f -> f.buffer(), f -> args())
                .on("a kernel with a report", fault(AssertionFailedError.class, "Expecting no lockdep report")
                        .leaving("the scenario reached an assertion"), f -> f.lockdepReported());
    }

    static void forkedAndOthers(BadInputTable<DslBadInputFixture> t) {
        t.ownMethodsOf(ForkedScenario.class);
        t.noInput(ForkedScenario.class, "child()");
        for (String write : List.of("childWrites(Data)", "parentWrites(Data)")) {
            t.method(ForkedScenario.class, write, f -> f.forked(), f -> args(fill('C')))
                    .bad("text longer than the buffer", iae("longer than the buffer"), 0, text("x".repeat(5000)));
        }
        t.method(ForkedScenario.class, "childWrites(Data)", f -> f.forked(), f -> args(fill('C')))
                .on("a child that exited", ise(EXITED), f -> f.childGone());
        t.method(ForkedScenario.class, "childWrites(char)", f -> f.forked(), f -> args('C'))
                .on("a child that exited", ise(EXITED), f -> f.childGone());
        t.method(ForkedScenario.class, "parentWrites(char)", f -> f.forked(), f -> args('P'))
                .on("after an unasserted failure", fault(StepFailedException.class, FAILED), f -> f.forked().mprotect(0x8));
        for (String child : List.of("childReads()", "childExits()", "inChild()")) {
            t.method(ForkedScenario.class, child, f -> f.forked(), f -> args())
                    .on("a child that exited", ise(EXITED), f -> f.childGone());
        }
        t.method(ForkedScenario.class, "inParent()", f -> f.forked(), f -> args())
                .on("a parent that exited", ise(EXITED), f -> f.forked().exit());
        t.method(ForkedScenario.class, "assertChildSees(Data)", f -> f.forked(), f -> args(fill('A')))
                .on("a child that exited", ise(EXITED), f -> f.childGone());

        t.type(Pinsim.class).type(Handles.class).type(Size.class);
        t.noInput(Pinsim.class, "kernel()", "zeros()", "dmaData()");
        t.method(Pinsim.class, "kernel(KernelModel)", f -> args(KernelModel.LINUX_5_8));
        t.method(Pinsim.class, "scenario(Kernel)", f -> args(f.k));
        t.method(Pinsim.class, "pages(int)", f -> args(1))
                .bad("0 pages", iae("must be positive"), 0, 0)
                .bad("-1 pages", iae("must be positive"), 0, -1)
                .bad("Integer.MAX_VALUE pages", ok("8 TiB is a size; a buffer refuses it"), 0, Integer.MAX_VALUE);
        t.method(Pinsim.class, "bytes(long)", f -> args(1L))
                .bad("0 bytes", iae("must be positive"), 0, 0L)
                .bad("-1 bytes", iae("must be positive"), 0, -1L);
        t.method(Pinsim.class, "dmaData(String,byte[])", f -> args("rdma0", new byte[] {1}));
        t.method(Pinsim.class, "fill(char)", f -> args('A'))
                .bad("a NUL byte", ok("any byte is data"), 0, '\0');
        t.method(Pinsim.class, "text(String)", f -> args("hi"))
                .bad("no text", ok("empty data"), 0, "");
        t.method(Size.class, "<init>(long)", f -> args(1L))
                .bad("0", iae("must be positive"), 0, 0L);
        t.noInput(Size.class, "bytes()");
        t.noInput(Handles.class, "kernel()", "trace()", "log()", "parent()", "child()", "process()", "buffer()", "file()", "devicePages()", "vfio()",
                "directIo()");
        t.method(Handles.class, "nic(String)", f -> f.pinned().then(), f -> args("rdma0"))
                .bad("a NIC the scenario has not attached", ok("none: null"), 0, "mlx5_7");
    }
}
