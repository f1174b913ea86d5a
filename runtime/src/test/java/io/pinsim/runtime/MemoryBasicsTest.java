package io.pinsim.runtime;

import static io.pinsim.runtime.Fixtures.ANON_PRIVATE;
import static io.pinsim.runtime.Fixtures.ANON_SHARED;
import static io.pinsim.runtime.Fixtures.PAGE;
import static io.pinsim.runtime.Fixtures.RW;
import static io.pinsim.runtime.Fixtures.buffer;
import static io.pinsim.runtime.Fixtures.fill;
import static io.pinsim.runtime.Fixtures.kernel;
import static io.pinsim.runtime.Fixtures.seen;
import static org.assertj.core.api.Assertions.assertThat;

import io.pinsim.runtime.model.KernelModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** mmap, faults, shared anonymous memory, exit, threads and the trace. */
class MemoryBasicsTest {

    static java.util.List<KernelModel> models() {
        return KernelModel.all();
    }

    @Test
    void aReadFaultMapsTheZeroPageAndAWriteFaultAllocates() {
        Kernel k = kernel(KernelModel.LATEST);
        Process a = k.spawn("A");
        long buf = a.mmap(1L << 40, RW, ANON_PRIVATE);
        assertThat(buf).as("1 TiB does not fit above MMAP_BASE").isEqualTo(Kernel.MMAP_LOW);
        assertThat(a.read(buf + 12345, 3)).containsOnly((byte) 0);
        assertThat(a.frameAt(buf + 12345).isZeroPage()).isTrue();
        assertThat(k.usedFrames()).isZero();
        a.write(buf + (1L << 39), fill('x', 2));
        assertThat(k.usedFrames()).isEqualTo(1);
        assertThat(a.populatedPtes()).as("a 1 TiB mapping with two touched pages holds two PTEs").isEqualTo(2);
        assertThat(a.frameAt(buf + (1L << 39)).isAnonExclusive()).isTrue();
    }

    @Test
    void mappingsArePlacedBottomUpFromMmapBaseAndMapFixedReplaces() {
        Kernel k = kernel(KernelModel.LATEST);
        Process a = k.spawn("A");
        long first = a.mmap(PAGE, RW, ANON_PRIVATE);
        long second = a.mmap(2L * PAGE, RW, ANON_PRIVATE);
        assertThat(first).isEqualTo(Kernel.MMAP_BASE);
        assertThat(second).isEqualTo(Kernel.MMAP_BASE + PAGE);
        a.write(second, fill('S', PAGE * 2));
        long fixed = a.mmap(second + PAGE, PAGE, RW, ANON_PRIVATE | MapFlags.FIXED);
        assertThat(fixed).isEqualTo(second + PAGE);
        assertThat(seen(a, second)).isEqualTo('S');
        assertThat(seen(a, second + PAGE)).isEqualTo('\0');
        assertThat(a.vmas()).hasSize(3);
        a.munmap(first, PAGE);
        assertThat(a.mmap(PAGE, RW, ANON_PRIVATE)).as("the hole is reused").isEqualTo(first);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void sharedAnonymousMemoryIsSharedWithTheChild(KernelModel model) {
        Kernel k = kernel(model);
        Process a = k.spawn("A");
        long shm = a.mmap(2L * PAGE, RW, ANON_SHARED);
        a.write(shm, fill('A', 1));
        Process child = a.fork();
        child.write(shm, fill('C', 1));
        child.write(shm + PAGE, fill('D', 1));
        assertThat(seen(a, shm)).isEqualTo('C');
        assertThat(seen(a, shm + PAGE)).isEqualTo('D');
        assertThat(a.frameAt(shm)).isSameAs(child.frameAt(shm));
        assertThat(a.frameAt(shm).mapcount()).isEqualTo(2);
        assertThat(a.frameAt(shm).isAnon()).isFalse();
        GupPages pin = a.pinUserPages(shm, 1, Foll.WRITE | Foll.LONGTERM, "rdma0");
        child.exit();
        a.write(shm, fill('P', 1));
        assertThat(pin.isCoherent(0)).isTrue();
    }

    @Test
    void mapPopulateFaultsEveryPageInAsAWrite() {
        Kernel k = kernel(KernelModel.LATEST);
        Process a = k.spawn("A");
        long buf = a.mmap(4L * PAGE, RW, ANON_PRIVATE | MapFlags.POPULATE);
        assertThat(k.usedFrames()).isEqualTo(4);
        assertThat(a.isMappedWritable(buf + 3L * PAGE)).isTrue();
        long ro = a.mmap(2L * PAGE, Prot.READ, ANON_PRIVATE | MapFlags.POPULATE);
        assertThat(a.frameAt(ro).isZeroPage()).as("read-only private mappings are populated with read faults").isTrue();
    }

    @Test
    void mapPopulateStopsQuietlyWhenMemoryRunsOut() {
        Kernel k = Fixtures.builder(KernelModel.LATEST).memoryFrames(2).build();
        Process a = k.spawn("A");
        long buf = a.mmap(4L * PAGE, RW, ANON_PRIVATE | MapFlags.POPULATE);
        assertThat(a.populatedPtes()).isEqualTo(2);
        assertThat(a.vmaAt(buf)).isNotNull();
    }

    @Test
    void aWriteFaultWithoutMemoryKillsTheProcessLikeTheOomKiller() {
        Kernel k = Fixtures.builder(KernelModel.LATEST).memoryFrames(1).build();
        Process a = k.spawn("A");
        long buf = a.mmap(2L * PAGE, RW, ANON_PRIVATE);
        a.write(buf, fill('x', 1));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> a.write(buf + PAGE, fill('y', 1)))
                .isInstanceOfSatisfying(SignalException.class, e -> assertThat(e.signal()).isEqualTo(Signal.SIGKILL));
        assertThat(k.log().contains("Out of memory: Killed process")).isTrue();
        assertThat(k.usedFrames()).isZero();
    }

    @Test
    void exitFreesEverythingButPinnedFrames() {
        Kernel k = kernel(KernelModel.LATEST);
        Process a = k.spawn("A");
        long buf = buffer(a, 3, 'A');
        GupPages pin = a.pinUserPages(buf, 1, Foll.WRITE, "rdma0");
        k.reclaim(a, buf + PAGE);
        a.exit();
        assertThat(k.usedFrames()).isEqualTo(1);
        assertThat(k.swapSlotsInUse()).isZero();
        assertThat(pin.isCoherent(0)).isFalse();
        pin.unpin(true);
        assertThat(k.usedFrames()).isZero();
        assertThat(a.state()).isEqualTo(Process.State.EXITED);
    }

    @Test
    void threadsShareTheAddressSpaceAndNameTheActor() {
        Kernel k = kernel(KernelModel.LATEST);
        Process a = k.spawn("A");
        Task t2 = a.spawnThread("T2");
        assertThat(t2.actor()).isEqualTo("A/T2");
        assertThat(a.mainThread().actor()).isEqualTo("A");
        long buf = buffer(a, 1, 'A');
        GupPages p = t2.pinUserPagesFastSteps(buf, 1, Foll.WRITE, "dio").run();
        assertThat(k.trace().events(e -> e.actor().equals("A/T2"))).isNotEmpty();
        assertThat(p.isCoherent(0)).isTrue();
        assertThat(a.fork().threads()).hasSize(1);
    }

    @Test
    void theSameScenarioGivesTheSameTraceByteForByte() {
        assertThat(scenarioTrace()).isEqualTo(scenarioTrace());
    }

    private static String scenarioTrace() {
        Kernel k = Fixtures.builder(KernelModel.LINUX_5_10).seed(7).build();
        Process a = k.spawn("A");
        long buf = buffer(a, 2, 'A');
        GupPages mr = a.pinUserPagesFast(buf, 1, Foll.WRITE | Foll.LONGTERM, "rdma0");
        Process c = a.fork();
        c.write(buf, fill('C', 1));
        a.write(buf + PAGE, fill('P', 1));
        mr.write(0, fill('D', 4));
        k.reclaim(a, buf + PAGE);
        return k.trace().render() + k.log().render();
    }

    @Test
    void theTraceExplainsCopiesWithTheirReason() {
        Kernel k = kernel(KernelModel.LINUX_5_10);
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        a.fork().exit();
        a.getUserPages(buf, 1, 0, "pipe#1");
        int gupStep = k.trace().step();
        a.write(buf, fill('W', 1));
        String copy = Fixtures.lastMessage(k, buf, io.pinsim.runtime.trace.TraceKind.COW_COPY);
        assertThat(copy).isEqualTo("write fault at 0x7f0000000000: copied frame #1 to new frame #2: refcount 2 > 1: GET by pipe#1 (step "
                + gupStep + ") (09854ba94c6a) (wp_page_copy); frame #1 stays with GET by pipe#1 (step " + gupStep + ")");
        assertThat(k.trace().render()).contains("A          COW_COPY");
    }
}
