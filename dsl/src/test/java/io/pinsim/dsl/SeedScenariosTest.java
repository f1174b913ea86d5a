package io.pinsim.dsl;

import static io.pinsim.dsl.Pinsim.dax;
import static io.pinsim.dsl.Pinsim.dmaData;
import static io.pinsim.dsl.Pinsim.ext4;
import static io.pinsim.dsl.Pinsim.fill;
import static io.pinsim.dsl.Pinsim.kernel;
import static io.pinsim.dsl.Pinsim.pages;
import static io.pinsim.dsl.Pinsim.rdma;
import static io.pinsim.dsl.Pinsim.text;
import static io.pinsim.dsl.Pinsim.tmpfs;
import static io.pinsim.dsl.Pinsim.vfio;
import static io.pinsim.dsl.Pinsim.zeros;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pinsim.runtime.Advice;
import io.pinsim.runtime.Errno;
import io.pinsim.runtime.Foll;
import io.pinsim.runtime.OpenFlags;
import io.pinsim.runtime.Prot;
import io.pinsim.runtime.Signal;
import io.pinsim.runtime.TruncateOp;
import io.pinsim.runtime.model.KernelModel;
import io.pinsim.runtime.trace.TraceKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.opentest4j.AssertionFailedError;

/**
 * The seed scenarios of kernel-semantics.md §11 as chains, each on every model: OK rows assert the
 * correct semantics; BUG rows assert that the correct semantics fail on that model, as documented.
 */
class SeedScenariosTest {

    private static void expect(String outcome, Runnable correctSemantics) {
        if (outcome.equals("OK")) {
            correctSemantics.run();
        } else {
            assertThatThrownBy(correctSemantics::run).as("the documented bug: the correct semantics fail on this model")
                    .isInstanceOf(AssertionFailedError.class).hasMessageContaining("to see:").hasMessageContaining("because:");
        }
    }

    /** The design card's example: passes on every model (the child writes first). */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"LINUX_4_19", "LINUX_5_8", "LINUX_5_10", "LINUX_6_1", "LINUX_6_6"})
    void theDesignCardExample(String model) {
        kernel(KernelModel.byName(model)).process("A").malloc(pages(1)).pin(rdma).fork().childWrites('C').dmaCompletes()
                .assertParentSees(dmaData());
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({"LINUX_4_19, BUG", "LINUX_5_8, BUG", "LINUX_5_10, OK", "LINUX_6_1, OK", "LINUX_6_6, OK"})
    void s2PinForkParentWrites(String model, String outcome) {
        expect(outcome, () -> kernel(KernelModel.byName(model)).process("A").malloc(pages(1)).write('A').pin(rdma).fork()
                .parentWrites(text("parent")).dmaCompletes().assertParentSees(dmaData()));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({"LINUX_4_19, BUG", "LINUX_5_8, OK", "LINUX_5_10, OK", "LINUX_6_1, OK", "LINUX_6_6, OK"})
    void s1VmspliceChildMustNotSeeTheSecret(String model, String outcome) {
        expect(outcome, () -> kernel(KernelModel.byName(model)).process("A").malloc(pages(1)).write('x').fork()
                .inChild().vmsplice().munmap()
                .inParent().write('S')
                .inChild().pipeRead().assertPipeSees(fill('x')));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({"LINUX_4_19, BUG", "LINUX_5_8, BUG", "LINUX_5_10, BUG", "LINUX_6_1, BUG", "LINUX_6_6, OK"})
    void s4DirectReadForkParentWrites(String model, String outcome) {
        expect(outcome, () -> kernel(KernelModel.byName(model)).file("data").on(ext4).process("A").malloc(pages(1)).write('A')
                .startDirectRead(Pinsim.bytes(2048)).fork().parentWrites(fill('P')).dmaCompletes().assertParentSees(dmaData()));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({"LINUX_4_19, OK", "LINUX_5_8, OK", "LINUX_5_10, BUG", "LINUX_6_1, OK", "LINUX_6_6, OK"})
    void s5ReadOnlyPinChildExitsParentWrites(String model, String outcome) {
        expect(outcome, () -> kernel(KernelModel.byName(model)).process("A").malloc(pages(1)).write('A').fork()
                .gup(0).childExits().parentWrites('P').deviceReads().assertDeviceSees(fill('P')));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({"LINUX_4_19, BUG", "LINUX_5_8, OK", "LINUX_5_10, BUG", "LINUX_6_1, BUG", "LINUX_6_6, OK"})
    void s6ReadOnlyLongtermPinOfTheZeroPage(String model, String outcome) {
        expect(outcome, () -> kernel(KernelModel.byName(model)).process("A").malloc(pages(1)).gup(Foll.LONGTERM).write('W')
                .deviceReads().assertDeviceSees(fill('W')));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({"LINUX_4_19, BUG", "LINUX_5_8, BUG", "LINUX_5_10, OK", "LINUX_6_1, OK", "LINUX_6_6, OK"})
    void s7GupFastRacingFork(String model, String outcome) {
        expect(outcome, () -> kernel(KernelModel.byName(model)).process("A").malloc(pages(1)).write('A').forkRacingPin(rdma)
                .parentWrites('P').dmaCompletes().assertParentSees(dmaData()));
    }

    @Test
    void s8MunmapAndDontneedOfAPinnedBuffer() {
        kernel().process("A").malloc(pages(1)).write('A').pin(rdma).madvise(Advice.DONTNEED).dmaCompletes()
                .assertParentSees(zeros()).assertDeviceSees(dmaData());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"LINUX_4_19", "LINUX_6_6"})
    void s9TruncateOfAPinnedPageLosesTheDma(String model) {
        kernel(KernelModel.byName(model)).file("shm").on(tmpfs).process("A").mmapFile(pages(1)).write('M').pin(rdma).truncate()
                .dmaCompletes().truncate(4096).assertFileContains(zeros());
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({"LINUX_4_19, ok", "LINUX_6_1, ok", "LINUX_6_6, EFAULT"})
    void s10LongtermWritePinOfExt4(String model, String outcome) {
        var s = kernel(KernelModel.byName(model)).file("data").on(ext4).process("A").mmapFile(pages(1)).pin(rdma);
        if (outcome.equals("ok")) {
            s.dmaCompletes().assertParentSees(dmaData());
        } else {
            s.assertFails(Errno.EFAULT);
        }
    }

    /**
     * S12: reclaim of a pinned page, then the process reads and writes it: whether reclaim unmaps it
     * into the swap cache (up to 5.10.0) or keeps it mapped (feb889fb40fa), the parent still sees
     * the DMA. The trace says which of the two happened.
     */
    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({"LINUX_4_19, unmapped into swap slot", "LINUX_5_10, kept mapped, not added to the swap cache",
        "LINUX_6_6, kept mapped, not added to the swap cache"})
    void s12ReclaimOfAPinnedPage(String model, String whatReclaimDid) {
        Handles h = kernel(KernelModel.byName(model)).process("A").malloc(pages(1)).write('A').pin(rdma).reclaim().read().write('P')
                .dmaCompletes().assertParentSees(dmaData()).then();
        PinsimAssertions.assertThatTrace(h.trace()).hasEvent(TraceKind.RECLAIM, whatReclaimDid);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"LINUX_4_19", "LINUX_6_6"})
    void s13DirectWriteCollidingWithAMappedWriter(String model) {
        kernel(KernelModel.byName(model)).file("data").on(ext4).process("A").malloc(pages(1)).write('D').startDirectWrite()
                .mmapFile(pages(1)).write('M').dmaCompletes()
                .assertKernelLog("Page cache invalidation failure on direct I/O.  Possible data corruption due to collision with buffered I/O!")
                .fsync().assertFails(Errno.EIO);
    }

    @Test
    void s15ForcedWriteIntoAReadOnlyPrivateFileMapping() {
        kernel().file("lib").on(ext4).process("A").mmapFilePrivate(pages(1)).read().mprotect(Prot.READ).gup(Foll.WRITE | Foll.FORCE)
                .deviceWrites(text("poke")).assertParentSees(text("poke")).assertFileContains(fill('F'));
    }

    @Test
    void madvDontforkChildFaults() {
        kernel().process("A").malloc(pages(1)).write('A').madvise(Advice.DONTFORK).pin(rdma).fork().childReads().assertFaults(Signal.SIGSEGV);
    }

    @Test
    void madvWipeonforkChildSeesZeros() {
        kernel().process("A").malloc(pages(1)).write('A').madvise(Advice.WIPEONFORK).fork().assertChildSees(zeros()).assertParentSees(fill('A'));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({"LINUX_4_19, BUG", "LINUX_5_10, OK", "LINUX_6_6, OK"})
    void vfioMapForkParentWrites(String model, String outcome) {
        expect(outcome, () -> kernel(KernelModel.byName(model)).process("qemu").malloc(pages(1)).write('G').pin(vfio).fork()
                .parentWrites('P').dmaCompletes().assertParentSees(dmaData()));
    }

    /**
     * fs-DAX: a long-term pin of the file's block is refused (EOPNOTSUPP); a short-term pin is
     * allowed, and a truncate then waits for it (xfs_break_dax_layouts): pending while the pin is
     * held, done in the step that drops it.
     */
    @Test
    void daxTruncateOfAPinnedBlockWaitsAndLongtermPinsAreRefused() {
        Scenario s = kernel().file("pmem").on(dax).process("A").mmapFile(pages(1)).write('M').pin(rdma).assertFails(Errno.EOPNOTSUPP)
                .gup(Foll.WRITE).assertSees(fill('M'));
        Handles h = s.then();
        TruncateOp truncate = h.process().open(h.file(), OpenFlags.RDWR).startTruncate(0);
        assertThat(truncate.isDone()).as("the truncate waits while the pin is held").isFalse();
        assertThat(truncate.waitingFor()).contains("DAX block 0").contains("PIN by dev0");
        assertThat(h.file().size()).as("nothing is truncated yet").isEqualTo(4096);
        assertThat(s.unpin().then().devicePages()).isNull();
        assertThat(truncate.isDone()).as("the truncate completes in the step that drops the pin").isTrue();
        assertThat(h.file().size()).isZero();
        assertThat(h.file().cachedPages()).isZero();
    }
}
