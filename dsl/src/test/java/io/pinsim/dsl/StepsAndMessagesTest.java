package io.pinsim.dsl;

import static io.pinsim.dsl.Pinsim.bytes;
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

import io.pinsim.devices.RdmaNic;
import io.pinsim.runtime.Advice;
import io.pinsim.runtime.Errno;
import io.pinsim.runtime.Foll;
import io.pinsim.runtime.Prot;
import io.pinsim.runtime.Signal;
import io.pinsim.runtime.model.KernelModel;
import org.junit.jupiter.api.Test;

/** Each step and each assertion of the chain, the errors of misplaced steps, and the exact failure messages. */
class StepsAndMessagesTest {

    @Test
    void memorySteps() {
        Handles h = kernel().process("A").malloc(pages(2)).write(text("hi")).read().mprotect(Prot.READ).assertSees(text("hi")).then();
        assertThat(h.buffer().length()).isEqualTo(2 * 4096);
        assertThat(h.process().vmaAt(h.buffer().address()).prot()).isEqualTo(Prot.READ);
        kernel().process("A").malloc(pages(1)).write('A').munmap().read().assertFaults(Signal.SIGSEGV);
        kernel().process("A").mmapShared(pages(1)).write('S').fork().assertChildSees(fill('S')).childWrites('C').assertParentSees(fill('C'));
        Handles gone = kernel().process("A").malloc(pages(1)).exit().then();
        assertThat(gone.process().isAlive()).isFalse();
        kernel().process("A").malloc(pages(1)).write('A').madvise(Advice.DONTNEED).assertSees(zeros());
        kernel().process("A").malloc(pages(1)).write('A').reclaim().assertSees(fill('A'));
    }

    /**
     * The README's table "upstream backing -&gt; pinsim call": the file backings of cow.c's
     * non-anonymous cases and of gup_longterm.c, and hugetlb, each through its DSL call (the
     * anonymous and zero-page ones are {@code mallocAs(CowBacking)}, below). fallocate() gives the
     * files their pages first, as cow.c does: without it, a private mapping of a hugetlbfs hole gets
     * an anonymous folio at its first fault (hugetlb_no_page()), which is no longer cow.c's case.
     */
    @Test
    void everyFileAndHugetlbBackingOfTheUpstreamSelftestsHasADslCall() {
        Handles memfd = kernel(KernelModel.LINUX_6_6).process("A").memfd(pages(1)).fallocate().mmapFilePrivate(pages(1)).read().then();
        Handles tmpfile = kernel(KernelModel.LINUX_6_6).process("A").file("tmpfile", pages(1)).on(tmpfs).mmapFilePrivate(pages(1)).read().then();
        Handles ext4File = kernel(KernelModel.LINUX_6_6).process("A").file("local tmpfile", pages(1)).on(ext4).mmapFile(pages(1)).read().then();
        Handles memfdHugetlb = kernel(KernelModel.LINUX_6_6).process("A").memfdHugetlb(pages(512)).fallocate().mmapFilePrivate(pages(512)).read().then();
        Handles hole = kernel(KernelModel.LINUX_6_6).process("A").memfdHugetlb(pages(512)).mmapFilePrivate(pages(512)).read().then();
        assertThat(hole.process().frameAt(hole.buffer().address()).isAnon()).as("a private mapping of a hugetlbfs hole: an anonymous folio").isTrue();
        assertThat(memfdHugetlb.kernel().hugePages().free()).as("the pool grew to 2, fallocate() took one").isEqualTo(1);
        Handles hugetlb = kernel(KernelModel.LINUX_6_6).process("A").mallocHugetlb(pages(512)).write('x').then();
        assertThat(memfd.file().name()).isEqualTo("memfd:pinsim");
        assertThat(memfd.file().filesystem().kind()).isEqualTo(io.pinsim.runtime.FsKind.TMPFS);
        assertThat(tmpfile.file().filesystem().kind()).isEqualTo(io.pinsim.runtime.FsKind.TMPFS);
        assertThat(ext4File.file().filesystem().kind()).isEqualTo(io.pinsim.runtime.FsKind.EXT4);
        assertThat(memfdHugetlb.file().filesystem().kind()).isEqualTo(io.pinsim.runtime.FsKind.HUGETLBFS);
        for (Handles h : new Handles[] {memfd, tmpfile, ext4File, memfdHugetlb}) {
            assertThat(h.process().frameAt(h.buffer().address()).isAnon()).as("%s: the page-cache page is mapped", h.file().name()).isFalse();
        }
        assertThat(memfdHugetlb.process().frameAt(memfdHugetlb.buffer().address()).compoundHead().nrPages()).isEqualTo(512);
        assertThat(hugetlb.process().pteAt(hugetlb.buffer().address())).contains("PMD-mapped");
    }

    /** Every cow.c backing: prepared as cow.c does, then the basic COW-after-fork case holds on 6.6 (cow.c's outcome). */
    @Test
    void cowBackingsArePreparedAsCowCDoesAndKeepCowAfterFork() {
        for (CowBacking b : CowBacking.values()) {
            Handles h = kernel(KernelModel.LINUX_6_6).process("A").mallocAs(b).then();
            long expected = switch (b) {
                case BASE_PAGE, SWAPPED_OUT_BASE_PAGE, SINGLE_PTE_OF_THP, SWAPPED_OUT_SINGLE_PTE_OF_THP, SHARED_ZERO_PAGE -> 4096;
                case PARTIALLY_MREMAPPED_THP -> 1 << 20;
                default -> 2 << 20;
            };
            assertThat(h.buffer().length()).as(b.name()).isEqualTo(expected);
            String pte = h.process().pteAt(h.buffer().address());
            assertThat(pte).as(b.name()).contains(b.name().startsWith("SWAPPED_OUT") ? "swap" : b == CowBacking.THP || b == CowBacking.HUGE_ZERO_PAGE ? "PMD" : "pfn");
            boolean zero = b == CowBacking.HUGE_ZERO_PAGE || b == CowBacking.SHARED_ZERO_PAGE;
            io.pinsim.runtime.Frame f = h.process().frameAt(h.buffer().address());
            assertThat(f != null && f.isZeroPage()).as(b.name()).isEqualTo(b == CowBacking.SHARED_ZERO_PAGE);
            kernel(KernelModel.LINUX_6_6).process("A").mallocAs(b).fork().inParent().write('P').assertChildSees(zero ? zeros() : fill((char) 1));
        }
        kernel(KernelModel.LINUX_4_19).process("A").mallocAs(CowBacking.SWAPPED_OUT_THP).assertFails(Errno.EINVAL);
    }

    @Test
    void processSwitchesToAnExistingLiveProcess() {
        Handles h = kernel().process("A").process("B").process("A").then();
        assertThat(h.kernel().processes()).hasSize(2);
        assertThat(h.process().name()).isEqualTo("A");
        assertThat(h.parent().name()).isEqualTo("A");
    }

    @Test
    void forkSteps() {
        ForkedScenario f = kernel().process("A").malloc(pages(1)).write('A').fork();
        f.childWrites('C').childReads().assertChildSees(fill('C')).assertParentSees(fill('A'));
        f.inChild().write('X').inParent().write('Y').assertChildSees(fill('X')).assertParentSees(fill('Y'));
        assertThat(f.childExits().child().isAlive()).isFalse();
    }

    @Test
    void deviceSteps() {
        kernel().process("A").malloc(pages(1)).write('A').pin(rdma).deviceWrites(text("dma")).assertParentSees(text("dma"))
                .deviceReads().assertDeviceSees(text("dma")).unpin().assertParentSees(text("dma"));
        kernel().process("A").malloc(pages(1)).write('A').pinReadOnly(rdma).deviceReads().assertDeviceSees(fill('A'));
        kernel().process("A").malloc(pages(1)).pin(vfio).dmaCompletes().assertParentSees(dmaData()).unpin();
        kernel().process("A").malloc(pages(1)).gup(Foll.WRITE).deviceWrites(fill('G')).assertParentSees(fill('G')).unpin();
        kernel().process("A").malloc(pages(1)).registerBuffer().dmaCompletes().assertParentSees(dmaData()).unpin();
        kernel().process("A").malloc(pages(1)).write('v').vmsplice().pipeRead().assertPipeSees(fill('v'));
        var k = io.pinsim.runtime.Kernel.builder().build();
        RdmaNic nic = new RdmaNic(k, "mlx5_7");
        Pinsim.scenario(k).process("A").malloc(pages(1)).pin(nic).dmaCompletes().assertParentSees(dmaData());
    }

    @Test
    void fileSteps() {
        kernel().file("data").on(ext4).process("A").mmapFile(pages(1)).write('M').writeback().fsync().assertFileContains(fill('M'));
        kernel().file("data", pages(2)).on(tmpfs).process("A").punchHole().assertFileContains(zeros());
        kernel().file("data").on(ext4).process("A").malloc(pages(1)).startDirectRead().dmaCompletes().assertParentSees(fill('F'));
        kernel().file("data").on(ext4).process("A").malloc(pages(1)).write('W').startDirectWrite().dmaCompletes().assertFileContains(fill('W'));
        assertThat(kernel().file("data").on(ext4).process("A").truncate().then().file().size()).isZero();
    }

    @Test
    void misplacedStepsNameWhatIsMissing() {
        assertThatThrownBy(() -> kernel().malloc(pages(1))).isInstanceOf(IllegalStateException.class).hasMessage("malloc(1 page) needs a process: start with process(\"A\")");
        assertThatThrownBy(() -> kernel().process("A").write('x')).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("needs a buffer: add malloc(pages(1))");
        assertThatThrownBy(() -> kernel().process("A").malloc(pages(1)).dmaCompletes()).isInstanceOf(IllegalStateException.class)
                .hasMessage("dmaCompletes() needs DMA in flight: add startDirectRead(..), startDirectWrite() or pin(rdma) first");
        assertThatThrownBy(() -> kernel().process("A").malloc(pages(1)).unpin()).isInstanceOf(IllegalStateException.class).hasMessageContaining("pin(rdma)");
        assertThatThrownBy(() -> kernel().process("A").truncate()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("add file(\"data\").on(ext4) first");
        assertThatThrownBy(() -> kernel().process("A").malloc(pages(1)).assertParentSees(dmaData())).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no device has written yet");
        assertThatThrownBy(() -> kernel().process("A").pipeRead()).isInstanceOf(IllegalStateException.class).hasMessageContaining("vmsplice()");
        assertThatThrownBy(() -> kernel().process("A").assertPipeSees(zeros())).isInstanceOf(IllegalStateException.class).hasMessageContaining("pipeRead()");
        assertThatThrownBy(() -> kernel().file("d").on(ext4).process("A").malloc(pages(1)).startDirectRead().startDirectRead())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("still in flight");
        assertThatThrownBy(() -> bytes(0)).isInstanceOf(IllegalArgumentException.class);
    }

    /** 1 GiB hugetlb memory: anonymous private and shared, and a memfd-hugetlb file of 1 GiB pages, each mapped by one PUD-level entry. */
    @Test
    void oneGibHugetlbBuffersAndMemfd() {
        long gib = io.pinsim.runtime.Kernel.HUGE_PAGE_1GB;
        Handles h = kernel(KernelModel.LINUX_6_6).process("A").mallocHugetlb(pages(262_144), gib).then();
        h.process().write(h.buffer().address() + 4096, new byte[] {1, 2, 3});
        assertThat(h.process().pteAt(h.buffer().address())).contains("PUD-mapped");
        assertThat(h.buffer().address() % gib).isZero();
        assertThat(h.kernel().hugePages(gib).total()).as("the pool grew to twice the buffer").isEqualTo(2);
        Handles s = kernel(KernelModel.LINUX_6_6).process("A").mmapSharedHugetlb(pages(262_144), gib).then();
        s.process().write(s.buffer().address(), new byte[] {1, 2, 3});
        assertThat(s.process().frameAt(s.buffer().address()).nrPages()).isEqualTo(262_144);
        Handles m = kernel(KernelModel.LINUX_6_6).process("A").memfdHugetlb(pages(262_144), gib).mmapFile(pages(262_144)).then();
        m.process().write(m.buffer().address(), new byte[] {1, 2, 3});
        assertThat(m.process().pteAt(m.buffer().address())).contains("PUD-mapped");
        assertThatThrownBy(() -> kernel().process("A").mallocHugetlb(pages(512), gib)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 GiB");
    }

    /** gup_longterm.c's memfd backings: a tmpfs memfd and a hugetlbfs one, mapped by mmapFile(); the long-term R/W pin works on both (6.6). */
    @Test
    void memfdAndMemfdHugetlbAreTheScenariosFile() {
        kernel(KernelModel.LINUX_6_6).process("A").memfd(pages(1)).mmapFile(pages(1)).write('m').assertFileContains(fill('m')).pin(rdma).write('w').assertSees(fill('w'));
        Handles h = kernel(KernelModel.LINUX_6_6).process("A").memfdHugetlb(pages(512)).mmapFile(pages(512)).write('h').pin(rdma).assertSees(fill('h')).then();
        assertThat(h.process().pteAt(h.buffer().address())).contains("PMD");
        assertThat(h.process().frameAt(h.buffer().address()).nrPages()).isEqualTo(512);
        kernel(KernelModel.LINUX_6_6).process("A").memfdHugetlb(pages(512)).mmapFile(pages(512)).write('s').mmapFilePrivate(pages(512)).assertSees(fill('s'))
                .write('p').assertSees(fill('p'));
        assertThatThrownBy(() -> kernel().process("A").memfdHugetlb(pages(1))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("multiple of 2 MiB");
        assertThatThrownBy(() -> kernel().process("A").file("x").on(io.pinsim.runtime.FsKind.HUGETLBFS)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("memfdHugetlb");
    }

    @Test
    void aFailedStepMustBeAsserted() {
        assertThatThrownBy(() -> kernel().process("A").malloc(pages(1)).munmap().write('x').read())
                .isInstanceOf(StepFailedException.class)
                .hasMessage("\nStep write(fill('x')) failed:\n  SIGSEGV in process \"A\" at 0x7f0000000000: write to an address with no mapping (SEGV_MAPERR)"
                        + "\nso read() cannot run; if the failure is expected, follow the step with assertFaults(SIGSEGV)");
        kernel(KernelModel.LINUX_6_6).file("data").on(ext4).process("A").mmapFile(pages(1)).pin(rdma).assertFails(Errno.EFAULT).write('w')
                .assertSees(fill('w'));
    }

    @Test
    void assertionFailureMessagesArePinned() {
        PinsimAssertionError seen = catchFailure(() -> kernel().process("A").malloc(pages(1)).write('A').assertSees(text("hi")));
        assertThat(seen.getMessage()).isEqualTo("\nExpecting process \"A\" at 0x7f0000000000 (1 page) to see:\n  \"hi\"\nbut saw:\n  'A' x 2"
                + "\nbecause: \"A\" maps frame #1; no step copied or moved it");
        assertThat(seen.getExpected().getValue()).isEqualTo("\"hi\"");
        assertThat(seen.getActual().getValue()).isEqualTo("'A' x 2");

        PinsimAssertionError bug = catchFailure(() -> kernel(KernelModel.LINUX_5_8).process("A").malloc(pages(1)).write('A').pin(rdma).fork()
                .parentWrites(text("p")).dmaCompletes().assertParentSees(dmaData()));
        assertThat(bug.getMessage()).isEqualTo("\nExpecting process \"A\" at 0x7f0000000000 (1 page) to see:\n  'D' x 4096 (the data rdma0 wrote at step 9)"
                + "\nbut saw:\n  \"pAAAAAAAAAAAAAAAAAAAAAAA...\" (4096 bytes)"
                + "\nbecause: at step 8 (parent, write fault) write fault at 0x7f0000000000: copied frame #1 to new frame #2: mapcount +"
                + "\n  swapcount = 2 > 1 (reuse_swap_page) (wp_page_copy); frame #1 stays with PIN by rdma0 MR#256 (step 6); rdma0 still"
                + "\n  holds frame #1 while \"A\" maps frame #2");
        assertThat(bug.getStackTrace()[0].getClassName()).as("the top frame is the test's own line").isEqualTo(StepsAndMessagesTest.class.getName());

        assertThat(catchFailure(() -> kernel().process("A").malloc(pages(1)).assertFails(Errno.EIO)).getMessage())
                .isEqualTo("\nExpecting the last step to fail with:\n  EIO\nbut the last step (malloc(1 page)) succeeded");
        assertThat(catchFailure(() -> kernel().process("A").malloc(pages(1)).read().assertFaults(Signal.SIGBUS)).getMessage())
                .isEqualTo("\nExpecting the last step to deliver:\n  SIGBUS\nbut the last step (read()) delivered no signal");
        assertThat(catchFailure(() -> kernel().file("f").on(ext4).process("A").assertFileContains(fill('x'))).getMessage())
                .isEqualTo("\nExpecting file ext4:f (4096 bytes) to see:\n  'x' x 4096\nbut saw:\n  'F' x 4096\nbecause: the file has 4096 bytes and 0 cached page(s)");
        assertThat(catchFailure(() -> kernel().process("A").assertKernelLog("BUG")).getMessage())
                .isEqualTo("\nExpecting the kernel log to contain:\n  BUG\nbut it is empty");
    }

    private static PinsimAssertionError catchFailure(Runnable r) {
        try {
            r.run();
        } catch (PinsimAssertionError e) {
            return e;
        }
        throw new AssertionError("expected a failure");
    }
}
