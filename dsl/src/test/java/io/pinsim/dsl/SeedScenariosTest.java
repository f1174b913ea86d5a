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

import io.pinsim.runtime.Advice;
import io.pinsim.runtime.Errno;
import io.pinsim.runtime.Foll;
import io.pinsim.runtime.OpenFlags;
import io.pinsim.runtime.Prot;
import io.pinsim.runtime.Signal;
import io.pinsim.runtime.TruncateOp;
import io.pinsim.runtime.model.DioPages;
import io.pinsim.runtime.model.ForkPinned;
import io.pinsim.runtime.model.GupFastVsFork;
import io.pinsim.runtime.model.KernelModel;
import io.pinsim.runtime.model.LongtermFileWritePin;
import io.pinsim.runtime.trace.TraceKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The seed scenarios of kernel-semantics.md §11 as chains. Where a scenario is a sample (module
 * samples), the sample is the one place that says on which models it breaks; here the chain is run
 * under the switch value that decides, and the test checks what the failure looks like (its kind and
 * its because:) or that the scenario holds.
 */
class SeedScenariosTest {

    private static PinsimAssertionError failure(Runnable scenario) {
        try {
            scenario.run();
        } catch (PinsimAssertionError e) {
            return e;
        }
        throw new AssertionError("the scenario passed");
    }

    /** The design card's example: passes on every model (the child writes first). */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"LINUX_4_19", "LINUX_5_8", "LINUX_5_10", "LINUX_6_1", "LINUX_6_6"})
    void theDesignCardExample(String model) {
        kernel(KernelModel.byName(model)).process("A").malloc(pages(1)).pin(rdma).fork().childWrites('C').dmaCompletes()
                .assertParentSees(dmaData());
    }

    /** S4: an O_DIRECT read in flight across fork, the parent writes: a plain reference loses the read to the child; a pin keeps it. */
    @Test
    void s4DirectReadForkParentWritesByTheReferenceTheReadHolds() {
        PinsimAssertionError e = failure(() -> s4(KernelModel.LINUX_6_6.with(DioPages.FOLL_GET)));
        assertThat(e.kind()).isEqualTo(BugKind.DEVICE_DATA_LOST);
        assertThat(e.because()).contains("(parent, write fault)").contains("frame #1 stays with GET by dio#1");
        s4(KernelModel.LINUX_6_1.with(DioPages.FOLL_PIN));
    }

    private static void s4(KernelModel model) {
        kernel(model).file("data").on(ext4).process("A").malloc(pages(1)).write('A').startDirectRead(Pinsim.bytes(2048)).fork()
                .parentWrites(fill('P')).dmaCompletes().assertParentSees(dmaData());
    }

    /** S7: a GUP-fast pin racing fork: without write_protect_seq the parent's write copies it off the pinned page. */
    @Test
    void s7GupFastRacingForkByWriteProtectSeq() {
        PinsimAssertionError e = failure(() -> s7(KernelModel.LINUX_5_10.with(GupFastVsFork.UNSERIALIZED)));
        assertThat(e.kind()).isEqualTo(BugKind.DEVICE_DATA_LOST);
        assertThat(e.because()).contains("(parent, write fault)").contains("rdma0 still holds frame #1 while \"A\" maps frame #2");
        s7(KernelModel.LINUX_5_10.with(GupFastVsFork.WRITE_PROTECT_SEQ));
    }

    private static void s7(KernelModel model) {
        kernel(model).process("A").malloc(pages(1)).write('A').forkRacingPin(rdma).parentWrites('P').dmaCompletes().assertParentSees(dmaData());
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

    /** S10: a long-term write pin of an ext4 MAP_SHARED mapping: pinned where allowed, EFAULT where refused (8ac268436e6d). */
    @Test
    void s10LongtermWritePinOfExt4() {
        kernel(KernelModel.LINUX_6_6.with(LongtermFileWritePin.ALLOWED)).file("data").on(ext4).process("A").mmapFile(pages(1)).pin(rdma)
                .dmaCompletes().assertParentSees(dmaData());
        kernel(KernelModel.LINUX_6_6).file("data").on(ext4).process("A").mmapFile(pages(1)).pin(rdma).assertFails(Errno.EFAULT);
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

    /** A VFIO mapping across fork, the parent writes, the device DMAs: lost to the guest where fork shares pinned pages. */
    @Test
    void vfioMapForkParentWritesByForkPinned() {
        PinsimAssertionError e = failure(() -> vfioAcrossFork(KernelModel.LINUX_5_10.with(ForkPinned.SHARE_WRPROTECT)));
        assertThat(e.kind()).isEqualTo(BugKind.DEVICE_DATA_LOST);
        assertThat(e.because()).contains("(parent, write fault)").contains("vfio0 still holds frame #1");
        vfioAcrossFork(KernelModel.LINUX_5_8.with(ForkPinned.EARLY_COPY_ANY_PAGE));
    }

    private static void vfioAcrossFork(KernelModel model) {
        kernel(model).process("qemu").malloc(pages(1)).write('G').pin(vfio).fork().parentWrites('P').dmaCompletes().assertParentSees(dmaData());
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
