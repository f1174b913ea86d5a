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
}
