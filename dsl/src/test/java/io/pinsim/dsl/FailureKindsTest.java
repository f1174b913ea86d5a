package io.pinsim.dsl;

import static io.pinsim.dsl.PinsimAssertions.assertThatFile;
import static io.pinsim.dsl.PinsimAssertions.assertThatFrame;
import static io.pinsim.dsl.PinsimAssertions.assertThatKernelLog;
import static io.pinsim.dsl.PinsimAssertions.assertThatProcess;
import static io.pinsim.dsl.PinsimAssertions.assertThatTrace;
import static io.pinsim.dsl.Pinsim.dmaData;
import static io.pinsim.dsl.Pinsim.ext4;
import static io.pinsim.dsl.Pinsim.fill;
import static io.pinsim.dsl.Pinsim.kernel;
import static io.pinsim.dsl.Pinsim.pages;
import static io.pinsim.dsl.Pinsim.rdma;
import static io.pinsim.dsl.Pinsim.text;
import static io.pinsim.dsl.Pinsim.zeros;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pinsim.runtime.Advice;
import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Foll;
import io.pinsim.runtime.FsKind;
import io.pinsim.runtime.Inode;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MapFlags;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.Prot;
import io.pinsim.runtime.Signal;
import io.pinsim.runtime.model.KernelModel;
import io.pinsim.runtime.trace.TraceKind;
import org.junit.jupiter.api.Test;

/**
 * Every failed assertion carries what it saw as data: a {@link BugKind} and its {@code because:}
 * line; a step that cannot run after an unasserted failure is a {@link StepFailedException}, never
 * an assertion failure.
 */
class FailureKindsTest {

    private static PinsimAssertionError failure(Runnable r) {
        try {
            r.run();
        } catch (PinsimAssertionError e) {
            return e;
        }
        throw new AssertionError("expected a PinsimAssertionError");
    }

    @Test
    void aProcessThatMissesTheDevicesDataIsDeviceDataLost() {
        PinsimAssertionError e = failure(() -> kernel(KernelModel.LINUX_5_8).process("A").malloc(pages(1)).write('A').pin(rdma).fork()
                .parentWrites(text("p")).dmaCompletes().assertParentSees(dmaData()));
        assertThat(e.kind()).isEqualTo(BugKind.DEVICE_DATA_LOST);
        assertThat(e.because()).startsWith("at step 8 (parent, write fault) write fault at 0x7f0000000000: copied frame #1 to new frame #2")
                .endsWith("rdma0 still holds frame #1 while \"A\" maps frame #2");
        assertThat(e.getMessage()).as("the message wraps the because: line at 120 columns").endsWith("\n" + Failures.wrap("because: " + e.because()));
    }

    @Test
    void aFileThatMissesTheDevicesDataIsDeviceDataLost() {
        assertThat(failure(() -> kernel().file("data").on(ext4).process("A").malloc(pages(1)).write('W').pin(rdma).dmaCompletes()
                .assertFileContains(dmaData())).kind()).isEqualTo(BugKind.DEVICE_DATA_LOST);
        Kernel k = Kernel.builder().build();
        Inode file = k.mount(FsKind.TMPFS).create("f", new byte[8]);
        PinsimAssertionError e = failure(() -> assertThatFile(file).contains(Pinsim.dmaData("mlx5_0", "DMA".getBytes())));
        assertThat(e.kind()).isEqualTo(BugKind.DEVICE_DATA_LOST);
        assertThat(e.getMessage()).contains("\"DMA\" (the data mlx5_0 wrote)");
        assertThat(failure(() -> assertThatFile(file).contains(text("x"))).kind()).isEqualTo(BugKind.DATA_CORRUPTION);
    }

    @Test
    void aDeviceThatMissesWhatTheProcessWroteIsAStalePin() {
        PinsimAssertionError e = failure(() -> kernel(KernelModel.LINUX_5_10).process("A").malloc(pages(1)).write('A').fork().inParent()
                .gup(Foll.LONGTERM).parentWrites('P').deviceReads().assertDeviceSees(fill('P')));
        assertThat(e.kind()).isEqualTo(BugKind.STALE_PIN);
        assertThat(e.because()).contains("write fault").contains("dev0 still holds frame #1");
    }

    @Test
    void aChildPipeThatReadsTheParentsSecretIsALeakToTheChild() {
        PinsimAssertionError e = failure(() -> kernel(KernelModel.LINUX_4_19).process("A").malloc(pages(1)).write('x').fork()
                .inChild().vmsplice().munmap().inParent().write('S').inChild().pipeRead().assertPipeSees(fill('x')));
        assertThat(e.kind()).isEqualTo(BugKind.LEAK_TO_CHILD);
        assertThat(e.because()).isEqualTo("the pipe copies from the frames its buffers hold at read time: frame #1; at step 8 (\"A\", write fault) "
                + "write fault at 0x7f0000000000: reused frame #1: mapcount + swapcount = 1 <= 1 (reuse_swap_page; GUP references are not counted) (do_wp_page)");
    }

    @Test
    void aChildThatSeesWhatItsParentSeesIsALeakOtherwiseCorruption() {
        // a shared mapping: the child sees the parent's write, which the test (wrongly) calls a leak
        assertThat(failure(() -> kernel().process("A").mmapShared(pages(1)).write('A').fork().parentWrites('P').assertChildSees(fill('A'))).kind())
                .isEqualTo(BugKind.LEAK_TO_CHILD);
        assertThat(failure(() -> kernel().process("A").malloc(pages(1)).write('A').fork().childWrites('C').assertChildSees(fill('X'))).kind())
                .isEqualTo(BugKind.DATA_CORRUPTION);
        assertThat(failure(() -> kernel().process("A").malloc(pages(1)).write('A').madvise(Advice.DONTNEED).assertSees(fill('A'))).kind())
                .isEqualTo(BugKind.DATA_CORRUPTION);
    }

    @Test
    void errnoSignalAndLogAssertionsHaveTheirOwnKinds() {
        PinsimAssertionError errno = failure(() -> kernel().process("A").malloc(pages(1)).assertFails(Errno.EIO));
        assertThat(errno.kind()).isEqualTo(BugKind.WRONG_ERRNO);
        assertThat(errno.because()).isEqualTo("the last step (malloc(1 page)) succeeded");
        assertThat(failure(() -> kernel().process("A").malloc(pages(1)).read().assertFaults(Signal.SIGBUS)).kind()).isEqualTo(BugKind.WRONG_SIGNAL);
        PinsimAssertionError log = failure(() -> kernel().process("A").assertKernelLog("BUG"));
        assertThat(log.kind()).isEqualTo(BugKind.MISSING_KERNEL_LOG);
        assertThat(log.because()).isEqualTo("it is empty");
    }

    @Test
    void handleAssertionsHaveTheKindOfWhatTheyCheck() {
        Kernel k = Kernel.builder().model(KernelModel.LINUX_6_6).build();
        Process a = k.spawn("A");
        long buf = a.mmap(4096, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
        a.write(buf, new byte[] {'A'});
        assertThat(failure(() -> assertThatProcess(a).hasPinned()).kind()).isEqualTo(BugKind.PROCESS_STATE);
        assertThat(failure(() -> assertThatFrame(a.frameAt(buf)).hasRefcount(2)).kind()).isEqualTo(BugKind.FRAME_STATE);
        assertThat(failure(() -> assertThatFrame(a.frameAt(buf)).contains(dmaData("dev0", new byte[] {'D'}))).kind()).isEqualTo(BugKind.DEVICE_DATA_LOST);
        assertThat(failure(() -> assertThatTrace(k.trace()).hasEvent(TraceKind.PIN, "")).kind()).isEqualTo(BugKind.TRACE_EVENT);
        assertThat(failure(() -> assertThatKernelLog(k.log()).contains("x")).kind()).isEqualTo(BugKind.MISSING_KERNEL_LOG);
        k.log().print(1, io.pinsim.runtime.trace.KernelLog.Level.WARN, "WARNING: something");
        PinsimAssertionError warning = failure(() -> assertThatKernelLog(k.log()).doesNotContain("something"));
        assertThat(warning.kind()).isEqualTo(BugKind.KERNEL_WARNING);
        assertThat(warning.because()).isEqualTo("[1] WARN: WARNING: something");
        assertThat(failure(() -> assertThatKernelLog(k.log()).hasNoWarnings()).kind()).isEqualTo(BugKind.KERNEL_WARNING);
        PinsimAssertionError described = failure(() -> assertThatProcess(a).as("the parent").seesAt(buf, 1, zeros()));
        assertThat(described.kind()).isEqualTo(BugKind.DATA_CORRUPTION);
        assertThat(described.getMessage()).startsWith("[the parent] ");
    }

    @Test
    void aStepAfterAnUnassertedFailureIsNotAnAssertionFailure() {
        assertThatThrownBy(() -> kernel(KernelModel.LINUX_4_19).process("A").malloc(pages(1)).write('A').madvise(Advice.PAGEOUT).assertSees(fill('A')))
                .isInstanceOfSatisfying(StepFailedException.class, e -> {
                    assertThat(e.failedStep()).isEqualTo("madvise(MADV_PAGEOUT)");
                    assertThat(e.blockedStep()).isEqualTo("assertSees(..)");
                    assertThat(e.getCause()).isInstanceOfSatisfying(ErrnoException.class, c -> assertThat(c.errno()).isEqualTo(Errno.EINVAL));
                })
                .isNotInstanceOf(AssertionError.class);
    }

    @Test
    void thenLeavesTheChainWithoutAsserting() {
        Scenario s = kernel().process("A").malloc(pages(1)).write('A');
        assertThat(s.then().buffer()).isNotNull();
        assertThat(s.isAsserted()).isFalse();
        assertThat(s.assertSees(fill('A')).isAsserted()).isTrue();
    }
}
