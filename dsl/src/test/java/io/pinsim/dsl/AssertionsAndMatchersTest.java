package io.pinsim.dsl;

import static io.pinsim.dsl.PinsimAssertions.assertThatBuffer;
import static io.pinsim.dsl.PinsimAssertions.assertThatFrame;
import static io.pinsim.dsl.PinsimAssertions.assertThatKernelLog;
import static io.pinsim.dsl.PinsimAssertions.assertThatProcess;
import static io.pinsim.dsl.PinsimAssertions.assertThatTrace;
import static io.pinsim.dsl.PinsimMatchers.hasEvent;
import static io.pinsim.dsl.PinsimMatchers.logContains;
import static io.pinsim.dsl.PinsimMatchers.sees;
import static io.pinsim.dsl.Pinsim.dmaData;
import static io.pinsim.dsl.Pinsim.fill;
import static io.pinsim.dsl.Pinsim.pages;
import static io.pinsim.dsl.Pinsim.rdma;
import static io.pinsim.dsl.Pinsim.text;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.not;

import io.pinsim.runtime.Foll;
import io.pinsim.runtime.GupPages;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MapFlags;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.Prot;
import io.pinsim.runtime.Signal;
import io.pinsim.runtime.model.KernelModel;
import io.pinsim.runtime.trace.TraceKind;
import org.junit.jupiter.api.Test;

/** The AssertJ assertions and Hamcrest matchers on the handle layer: each passes and each fails with its message. */
class AssertionsAndMatchersTest {
    private final Kernel k = Kernel.builder().model(KernelModel.LINUX_5_10).build();
    private final Process a = k.spawn("A");
    private final long buf = a.mmap(4096, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);

    @Test
    void bufferAssertions() {
        a.write(buf, new byte[] {'A'});
        Buffer b = new Buffer(a, buf, 1);
        assertThatBuffer(b).sees(fill('A')).mapsFrame(a.frameAt(buf));
        assertThatThrownBy(() -> assertThatBuffer(b).sees(fill('B'))).hasMessageContaining("Expecting process \"A\" at 0x7f0000000000 (1 bytes) to see:\n  'B' x 1");
        assertThatThrownBy(() -> assertThatBuffer(b).mapsFrame(k.zeroPage())).hasMessageContaining("to map:");
    }

    @Test
    void processAndFrameAssertions() {
        a.write(buf, new byte[] {'A'});
        GupPages pin = a.pinUserPages(buf, 1, Foll.WRITE, "dev0");
        assertThatProcess(a).isAlive().hasPinned().seesAt(buf, 1, fill('A'));
        assertThatFrame(pin.frame(0)).hasRefcount(1025).hasMapcount(1).isPinned().contains(Pinsim.text("A"));
        assertThatThrownBy(() -> assertThatFrame(pin.frame(0)).hasRefcount(1)).hasMessageContaining("to have refcount 1 but it has 1025 (held by PIN by dev0");
        assertThatThrownBy(() -> assertThatFrame(pin.frame(0)).isFree()).hasMessageContaining("to be free but it is still held");
        assertThatThrownBy(() -> assertThatFrame(pin.frame(0)).isAnonExclusive()).hasMessageContaining("PageAnonExclusive");
        Process c = a.fork();
        try {
            c.read(0x10000, 1);
        } catch (io.pinsim.runtime.SignalException expected) {
            // the child is killed
        }
        assertThatProcess(c).wasKilledBy(Signal.SIGSEGV);
        assertThatThrownBy(() -> assertThatProcess(c).isAlive()).hasMessageContaining("was killed by SIGSEGV");
        assertThatThrownBy(() -> assertThatProcess(k.spawn("B")).hasPinned()).hasMessageContaining("never took a FOLL_PIN");
        pin.unpin(false);
    }

    @Test
    void traceAndLogAssertions() {
        a.write(buf, new byte[] {'A'});
        a.fork();
        a.write(buf, new byte[] {'B'});
        assertThatTrace(k.trace()).hasEvent(TraceKind.COW_COPY, "refcount 2 > 1").hasNoEvent(TraceKind.UNSHARE, "");
        assertThatThrownBy(() -> assertThatTrace(k.trace()).hasEvent(TraceKind.PIN, "x")).hasMessageContaining("but it has none; the trace:");
        assertThatKernelLog(k.log()).hasNoWarnings();
        assertThatThrownBy(() -> assertThatKernelLog(k.log()).contains("oops")).hasMessageContaining("but it is empty");
    }

    @Test
    void hamcrestMatchers() {
        a.write(buf, new byte[] {'A'});
        Buffer b = new Buffer(a, buf, 1);
        assertThat(b, sees(fill('A')));
        assertThat(b, not(sees(fill('B'))));
        assertThatThrownBy(() -> assertThat(b, sees(fill('B')))).hasMessageContaining("a buffer whose process sees fill('B')").hasMessageContaining("saw 'A' x 1");
        a.fork();
        a.write(buf, new byte[] {'B'});
        assertThat(k.trace(), hasEvent(TraceKind.COW_COPY, "copied"));
        assertThat(k.log(), not(logContains("BUG")));
        assertThatThrownBy(() -> assertThat(k.log(), logContains("BUG"))).hasMessageContaining("the log is empty");
    }

    @Test
    void dmaDataResolvesAgainstTheScenarioOfTheBuffersKernelOutsideTheChain() {
        Handles h = Pinsim.kernel(KernelModel.LINUX_6_6).process("A").malloc(pages(1)).pin(rdma).fork().parentWrites(text("p")).dmaCompletes().then();
        Buffer b = h.buffer().in(h.parent());
        assertThatBuffer(b).sees(dmaData());
        assertThat(b, sees(dmaData()));
        Handles lost = Pinsim.kernel(KernelModel.LINUX_5_8).process("A").malloc(pages(1)).pin(rdma).fork().parentWrites(text("p")).dmaCompletes().then();
        Buffer lostBuffer = lost.buffer().in(lost.parent());
        assertThatThrownBy(() -> assertThatBuffer(lostBuffer).sees(dmaData())).isInstanceOfSatisfying(PinsimAssertionError.class,
                e -> org.assertj.core.api.Assertions.assertThat(e.kind()).isEqualTo(BugKind.DEVICE_DATA_LOST));
        assertThatThrownBy(() -> assertThat(lostBuffer, sees(dmaData()))).hasMessageContaining("saw \"p\\x00").hasMessageContaining("because: ");
    }

    @Test
    void dmaDataOutsideAnyScenarioSaysSo() {
        Buffer b = new Buffer(a, buf, 1);
        assertThatThrownBy(() -> assertThatBuffer(b).sees(dmaData())).hasMessageContaining("no scenario runs on this kernel");
    }

    @Test
    void assertionsPeekWithoutFaultingOrTracing() {
        Buffer untouched = new Buffer(a, buf, 1);
        int events = k.trace().events().size();
        assertThatBuffer(untouched).sees(Pinsim.zeros());
        assertThat(untouched, sees(Pinsim.zeros()));
        org.assertj.core.api.Assertions.assertThat(a.frameAt(buf)).as("an untouched page stays unmapped").isNull();
        org.assertj.core.api.Assertions.assertThat(k.trace().events()).hasSize(events);
        a.write(buf, new byte[] {'A'});
        int afterWrite = k.trace().events().size();
        assertThatBuffer(untouched).sees(fill('A'));
        assertThat(untouched, sees(fill('A')));
        org.assertj.core.api.Assertions.assertThat(a.frameAt(buf)).isNotNull();
        org.assertj.core.api.Assertions.assertThat(k.trace().events()).hasSize(afterWrite);
        org.assertj.core.api.Assertions.assertThat(afterWrite).isGreaterThan(events);
    }

    /** What an assertion reads changes nothing: the trace, the step, the PTEs, the frames and swap are as before. */
    private static String state(Kernel k, Process... ps) {
        StringBuilder sb = new StringBuilder("events ").append(k.trace().events().size()).append(" step ").append(k.trace().step())
                .append(" used ").append(k.usedFrames()).append(" swap ").append(k.swapSlotsInUse()).append(" snapshots ").append(k.frameSnapshots().size());
        for (Process p : ps) {
            for (io.pinsim.runtime.Vma v : p.vmas()) {
                for (long x = v.start(); x < v.end(); x += Kernel.PAGE_SIZE) {
                    sb.append('\n').append(p.name()).append(' ').append(Long.toHexString(x)).append(' ').append(p.pteAt(x));
                }
            }
        }
        return sb.toString();
    }

    @Test
    void assertionsOnPagesThatAreNotPresentPeekAndChangeNothing() {
        Kernel kk = Kernel.builder().model(KernelModel.LINUX_6_6).frameSnapshots(16).build();
        Process p = kk.spawn("P");
        long swapped = p.mmap(2L * Kernel.PAGE_SIZE, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
        p.write(swapped, new byte[] {'S'});
        org.assertj.core.api.Assertions.assertThat(kk.reclaim(p, swapped)).isTrue();
        io.pinsim.runtime.Inode file = kk.mount(io.pinsim.runtime.FsKind.EXT4).create("f", "file data".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        long mapped = p.mmap(0, Kernel.PAGE_SIZE, Prot.READ, MapFlags.SHARED, p.open(file, io.pinsim.runtime.OpenFlags.RDONLY), 0);
        long shm = p.mmap(Kernel.PAGE_SIZE, Prot.READ | Prot.WRITE, MapFlags.SHARED | MapFlags.ANONYMOUS);
        p.write(shm, new byte[] {'H'});
        Process child = p.fork();
        String before = state(kk, p, child);

        assertThatBuffer(new Buffer(p, swapped, 1)).sees(text("S"));
        assertThatBuffer(new Buffer(p, swapped + Kernel.PAGE_SIZE, 4)).sees(Pinsim.zeros());
        assertThatBuffer(new Buffer(child, swapped, 1)).sees(text("S"));
        assertThatBuffer(new Buffer(p, mapped, 9)).sees(text("file data"));
        assertThatBuffer(new Buffer(child, shm, 1)).sees(text("H"));
        assertThat(new Buffer(p, swapped, 1), sees(text("S")));
        PinsimMatchers.assertThat(new Buffer(p, mapped, 4), sees(text("file")));
        // a failing assertion on a swapped-out page says where it read it, and still changes nothing
        assertThatThrownBy(() -> assertThatBuffer(new Buffer(p, swapped, 1)).sees(text("X")))
                .hasMessageContaining("but saw:\n  'S' x 1\n  (" + Kernel.hex(swapped) + " not present (swapped out: read from swap slot 0))");
        assertThatThrownBy(() -> assertThat(new Buffer(p, mapped, 1), sees(text("X"))))
                .hasMessageContaining(Kernel.hex(mapped) + " not present (not faulted in: read from the page cache or the file");
        org.assertj.core.api.Assertions.assertThat(state(kk, p, child)).as("after the assertions").isEqualTo(before);
        org.assertj.core.api.Assertions.assertThat(p.pteAt(swapped)).startsWith("swap entry slot ");
        // nothing mapped there: the assertion fails and says so, and nobody is killed
        assertThatThrownBy(() -> assertThatBuffer(new Buffer(p, 0x10000L, 1)).sees(text("X"))).isInstanceOf(PinsimAssertionError.class)
                .hasMessageContaining("but could not read it: nothing is mapped there");
        org.assertj.core.api.Assertions.assertThat(p.isAlive()).isTrue();
        org.assertj.core.api.Assertions.assertThat(state(kk, p, child)).isEqualTo(before);
    }

    /** PinsimMatchers.assertThat: an IDE diff (opentest4j expected/actual), and for sees(..) the DSL's own PinsimAssertionError with its kind. */
    @Test
    void pinsimMatchersAssertThatGivesExpectedAndActual() {
        a.write(buf, new byte[] {'A'});
        Buffer b = new Buffer(a, buf, 1);
        PinsimMatchers.assertThat(b, sees(fill('A')));
        assertThatThrownBy(() -> PinsimMatchers.assertThat("the parent's view", b, sees(fill('B')))).isInstanceOfSatisfying(PinsimAssertionError.class, e -> {
            org.assertj.core.api.Assertions.assertThat(e.kind()).isEqualTo(BugKind.DATA_CORRUPTION);
            org.assertj.core.api.Assertions.assertThat(e.getExpected().getValue()).isEqualTo("'B' x 1");
            org.assertj.core.api.Assertions.assertThat(e.getActual().getValue()).isEqualTo("'A' x 1");
            org.assertj.core.api.Assertions.assertThat(e.getMessage()).startsWith("the parent's view\n\nExpecting process \"A\"");
            org.assertj.core.api.Assertions.assertThat(e.getStackTrace()[0].getClassName()).isEqualTo(AssertionsAndMatchersTest.class.getName());
        });
        assertThatThrownBy(() -> PinsimMatchers.assertThat(k.log(), logContains("BUG"))).isInstanceOfSatisfying(org.opentest4j.AssertionFailedError.class, e -> {
            org.assertj.core.api.Assertions.assertThat(e.getExpected().getValue()).isEqualTo("a kernel log containing \"BUG\"");
            org.assertj.core.api.Assertions.assertThat(e.getActual().getValue()).isEqualTo("the log is empty");
            org.assertj.core.api.Assertions.assertThat(e.getMessage()).isEqualTo("\nExpected: a kernel log containing \"BUG\"\n     but: the log is empty");
        });
        PinsimMatchers.assertThat(k.log(), not(logContains("BUG")));
    }

    /** The because: line of a long explanation wraps at 120 columns in the message; because() keeps it whole. */
    @Test
    void longBecauseLinesWrapAt120Columns() {
        PinsimAssertionError e = org.assertj.core.api.Assertions.catchThrowableOfType(PinsimAssertionError.class, () -> Pinsim.kernel(KernelModel.LINUX_5_8)
                .process("A").malloc(pages(1)).write('A').pin(rdma).fork().parentWrites(text("p")).dmaCompletes().assertParentSees(dmaData()));
        org.assertj.core.api.Assertions.assertThat(e.because()).hasSizeGreaterThan(120).doesNotContain("\n");
        org.assertj.core.api.Assertions.assertThat(e.getMessage().lines()).allSatisfy(l -> org.assertj.core.api.Assertions.assertThat(l.length()).as(l).isLessThanOrEqualTo(120));
        String message = e.getMessage();
        String wrapped = message.substring(message.indexOf("because: "));
        org.assertj.core.api.Assertions.assertThat(wrapped.replace("\n  ", " ")).isEqualTo("because: " + e.because());
        org.assertj.core.api.Assertions.assertThat(Failures.wrap("x".repeat(130))).isEqualTo("x".repeat(120) + "\n  " + "x".repeat(10));
    }
}
