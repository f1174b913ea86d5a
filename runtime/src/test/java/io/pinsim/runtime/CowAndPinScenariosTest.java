package io.pinsim.runtime;

import static io.pinsim.runtime.Fixtures.PAGE;
import static io.pinsim.runtime.Fixtures.RW;
import static io.pinsim.runtime.Fixtures.ANON_PRIVATE;
import static io.pinsim.runtime.Fixtures.buffer;
import static io.pinsim.runtime.Fixtures.fill;
import static io.pinsim.runtime.Fixtures.kernel;
import static io.pinsim.runtime.Fixtures.seen;
import static org.assertj.core.api.Assertions.assertThat;

import io.pinsim.runtime.model.KernelModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The reference scenarios of kernel-semantics.md §11 that concern anonymous memory and are not
 * samples. A row marked BUG asserts that the kernel behaves wrongly on that model, exactly as
 * documented; OK asserts the correct semantics. The scenarios that are samples (an RDMA MR across
 * fork, the child exiting at once, MADV_DONTFORK) state their per-model outcomes in module samples
 * only; here a test checks a mechanism (counts, trace reasons), not a model's outcome.
 */
class CowAndPinScenariosTest {

    static java.util.List<KernelModel> models() {
        return KernelModel.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void afterForkTheParentsWriteIsInvisibleToTheChildAndViceVersa(KernelModel model) {
        Kernel k = kernel(model);
        Process a = k.spawn("A");
        long buf = buffer(a, 2, 'A');
        Process child = a.fork();
        a.write(buf, fill('P'));
        child.write(buf + PAGE, fill('C'));

        assertThat(seen(a, buf)).isEqualTo('P');
        assertThat(seen(child, buf)).isEqualTo('A');
        assertThat(seen(a, buf + PAGE)).isEqualTo('A');
        assertThat(seen(child, buf + PAGE)).isEqualTo('C');
        assertThat(a.frameAt(buf)).isNotSameAs(child.frameAt(buf));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void forkSharesAnUnpinnedPageWriteProtectedInBoth(KernelModel model) {
        Kernel k = kernel(model);
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        Frame f = a.frameAt(buf);
        Process child = a.fork();

        assertThat(child.frameAt(buf)).isSameAs(f);
        assertThat(f.mapcount()).isEqualTo(2);
        assertThat(f.refcount()).isEqualTo(2);
        assertThat(a.isMappedWritable(buf)).isFalse();
        assertThat(child.isMappedWritable(buf)).isFalse();
        assertThat(f.isAnonExclusive()).isFalse();
    }

    /**
     * S5: a R/O short-term pin of a page COW-shared with a child; the child exits; the parent
     * writes. 4.19 reuses (mapcount 1); 5.8 broke COW at pin time; 5.9 - 5.18 copy on the write
     * (refcount > 1) and the pin goes stale; from 5.19 the pin unshared first, so the write reuses.
     */
    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({"LINUX_4_19, OK", "LINUX_5_8, OK", "LINUX_5_10, BUG", "LINUX_6_1, OK", "LINUX_6_6, OK"})
    void s5ReadOnlyPinOfSharedPageChildExitsParentWrites(String model, String expected) {
        Kernel k = kernel(model);
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        Process child = a.fork();
        GupPages pin = a.pinUserPages(buf, 1, 0, "dma-reader");
        child.exit();
        a.write(buf, fill('P'));

        assertThat(pin.isCoherent(0)).as("the pin still refers to what the parent maps, on %s", model).isEqualTo(expected.equals("OK"));
        assertThat((char) pin.read(0, 1)[0]).isEqualTo(expected.equals("OK") ? 'P' : 'A');
    }

    /**
     * S6: a R/O long-term pin of never-written private anonymous memory (the zero page), then the
     * process writes. Up to 6.1 the pin holds the shared zero page and the device keeps reading
     * zeros (5.8 is the exception: GUP breaks COW even for reads); from 6.2 (84209e87c696) the pin
     * unshares into an exclusive anon page first.
     */
    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({"LINUX_4_19, BUG", "LINUX_5_8, OK", "LINUX_5_10, BUG", "LINUX_6_1, BUG", "LINUX_6_6, OK"})
    void s6ReadOnlyLongtermPinOfZeroPageThenWrite(String model, String expected) {
        Kernel k = kernel(model);
        Process a = k.spawn("A");
        long buf = a.mmap(PAGE, RW, ANON_PRIVATE);
        GupPages pin = a.pinUserPages(buf, 1, Foll.LONGTERM, "gpu0 ro-buffer");
        boolean pinnedZeroPage = pin.frame(0).isZeroPage();
        a.write(buf, fill('W'));

        assertThat(pinnedZeroPage).isEqualTo(expected.equals("BUG"));
        assertThat((char) pin.read(0, 1)[0]).as("what the device reads on %s", model).isEqualTo(expected.equals("OK") ? 'W' : '\0');
        pin.unpin(false);
    }

    /** S8: munmap of a pinned buffer: the frame survives until unpin, the device's writes go nowhere visible. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void s8MunmapOfPinnedBufferKeepsTheFrameUntilUnpin(KernelModel model) {
        Kernel k = kernel(model);
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        GupPages mr = a.pinUserPages(buf, 1, Foll.WRITE | Foll.LONGTERM, "rdma0 MR#1");
        Frame f = mr.frame(0);
        a.munmap(buf, PAGE);

        assertThat(f.isFree()).isFalse();
        assertThat(f.mapcount()).isZero();
        assertThat(f.refcount()).isEqualTo(model == KernelModel.LINUX_4_19 ? 1 : Frame.GUP_PIN_COUNTING_BIAS);
        mr.write(0, fill('D', 16));
        long again = a.mmap(buf, PAGE, RW, ANON_PRIVATE | MapFlags.FIXED);
        assertThat(seen(a, again)).as("the re-mapped address sees a fresh zero page").isEqualTo('\0');
        mr.unpin(true);
        assertThat(f.isFree()).isTrue();
    }

    /** S8, MADV_DONTNEED: the VMA stays, the next read sees zeros, the pinned frame lives on. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void s8DontneedOfPinnedBufferReadsZeros(KernelModel model) {
        Kernel k = kernel(model);
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        GupPages mr = a.pinUserPages(buf, 1, Foll.WRITE | Foll.LONGTERM, "rdma0 MR#1");
        a.madvise(buf, PAGE, Advice.DONTNEED);
        mr.write(0, fill('D', 16));

        assertThat(seen(a, buf)).isEqualTo('\0');
        assertThat((char) mr.read(0, 1)[0]).isEqualTo('D');
        assertThat(mr.isCoherent(0)).isFalse();
    }

    /** MADV_DONTFORK (ibv_fork_init()), in the era where it is the only protection: fork leaves the VMA and the parent's PTEs alone. */
    @Test
    void madvDontforkLeavesTheVmaOutOfTheChildAndThePinWithTheParent() {
        Kernel k = kernel(KernelModel.LINUX_4_19);
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        a.madvise(buf, PAGE, Advice.DONTFORK);
        GupPages mr = a.pinUserPages(buf, 1, Foll.WRITE | Foll.LONGTERM, "rdma0 MR#1");
        Process child = a.fork();
        a.write(buf, fill('P', 8));
        mr.write(8, fill('D', 8));

        assertThat(seen(a, buf + 8)).isEqualTo('D');
        assertThat(a.isMappedWritable(buf)).as("fork did not write-protect the parent").isTrue();
        assertThat(child.vmaAt(buf)).isNull();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> child.read(buf, 1))
                .isInstanceOfSatisfying(SignalException.class, e -> assertThat(e.signal()).isEqualTo(Signal.SIGSEGV));
        assertThat(child.state()).isEqualTo(Process.State.KILLED);
        assertThat(child.killedBy()).isEqualTo(Signal.SIGSEGV);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void madvWipeonforkGivesTheChildZeros(KernelModel model) {
        Kernel k = kernel(model);
        Process a = k.spawn("A");
        long buf = buffer(a, 2, 'A');
        a.madvise(buf, 2L * PAGE, Advice.WIPEONFORK);
        Process child = a.fork();

        assertThat(seen(child, buf)).isEqualTo('\0');
        assertThat(seen(child, buf + PAGE)).isEqualTo('\0');
        assertThat(seen(a, buf)).isEqualTo('A');
        assertThat(a.isMappedWritable(buf)).isTrue();
        a.madvise(buf, 2L * PAGE, Advice.KEEPONFORK);
        assertThat(seen(a.fork(), buf)).isEqualTo('A');
    }

    /** B7: with early copy, fork fails with ENOMEM when the copy of a pinned page cannot be allocated. */
    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({"LINUX_4_19, forks", "LINUX_5_8, forks", "LINUX_5_10, ENOMEM", "LINUX_6_1, ENOMEM", "LINUX_6_6, ENOMEM"})
    void forkFailsWithEnomemWhenThePinnedPageCannotBeCopied(String model, String expected) {
        Kernel k = Fixtures.builder(KernelModel.byName(model)).memoryFrames(2).build();
        Process a = k.spawn("A");
        long buf = buffer(a, 2, 'A');
        GupPages mr = a.pinUserPages(buf + PAGE, 1, Foll.WRITE | Foll.LONGTERM, "rdma0 MR#1");
        long used = k.usedFrames();
        int processes = k.processes().size();
        if (expected.equals("forks")) {
            assertThat(a.fork().read(buf + PAGE, 1)[0]).isEqualTo((byte) 'A');
            return;
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(a::fork)
                .isInstanceOfSatisfying(ErrnoException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.ENOMEM);
                    assertThat(e.reason()).contains("70e806e4e645");
                });
        assertThat(k.processes()).hasSize(processes);
        assertThat(k.usedFrames()).isEqualTo(used);
        assertThat(mr.isCoherent(0)).isTrue();
        a.write(buf, fill('P', 4));
        assertThat(seen(a, buf)).isEqualTo('P');
        mr.unpin(false);
        assertThat(seen(a.fork(), buf)).as("after the pin is dropped fork shares the page and works again").isEqualTo('P');
    }

    @Test
    void aPinnedPageIsReusedByItsOwnWriteFaultInTheAnonExclusiveEra() {
        Kernel k = kernel(KernelModel.LINUX_6_1);
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        GupPages pin = a.pinUserPages(buf, 1, Foll.WRITE | Foll.LONGTERM, "rdma0");
        a.mprotect(buf, PAGE, Prot.READ);
        a.mprotect(buf, PAGE, RW);
        a.write(buf, fill('P', 1));
        assertThat(pin.isCoherent(0)).isTrue();
        assertThat(pin.frame(0).isAnonExclusive()).isTrue();
    }
}
