package io.pinsim.runtime.internal.mm;

import static org.assertj.core.api.Assertions.assertThat;

import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MapFlags;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.Prot;
import io.pinsim.runtime.internal.kernel.KernelImpl;
import io.pinsim.runtime.model.KernelModel;
import io.pinsim.runtime.trace.TraceKind;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * do_wp_page() under FAULT_FLAG_UNSHARE (c89357e27f20): an unshare fault never maps the page
 * writable, whichever {@link io.pinsim.runtime.model.CowReuse} rule decides between reuse and copy.
 * Only the anon-exclusive rule raises unshare faults in a coherent model, so the fault is raised
 * here directly, on one model per rule.
 */
class DoWpPageUnshareTest {

    /** A private anonymous page mapped read-only by its only mapper: written, then the child of a fork exited. */
    private static long readOnlyPage(Process a) {
        long buf = a.mmap(Kernel.PAGE_SIZE, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
        a.write(buf, new byte[] {'A'});
        a.fork().exit();
        return buf;
    }

    private static Faults.Result unshareFault(Kernel k, Process a, long addr) {
        Mm mm = ((MmOwner) a).mm();
        long vpn = addr >>> Kernel.PAGE_SHIFT;
        MmCore core = ((KernelImpl) k).core();
        return core.op("test", "unshare fault", addr, () -> new Faults(core).handlePteFault(mm, mm.findVma(vpn), vpn, Faults.UNSHARE, "test"));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"LINUX_4_19", "LINUX_5_10", "LINUX_6_1"})
    void anUnshareFaultThatMayReuseThePageKeepsThePteReadOnly(String model) {
        Kernel k = Kernel.builder().model(KernelModel.byName(model)).build();
        Process a = k.spawn("A");
        long buf = readOnlyPage(a);
        var frame = a.frameAt(buf);

        assertThat(unshareFault(k, a, buf)).isEqualTo(Faults.Result.OK);
        assertThat(a.frameAt(buf)).as("reused, not copied").isSameAs(frame);
        assertThat(a.isMappedWritable(buf)).as("an unshare fault never maps writable").isFalse();
        assertThat(frame.isAnonExclusive()).isEqualTo(model.equals("LINUX_6_1"));
        assertThat(k.trace().lastAt(buf, TraceKind.COW_REUSE)).as("no wp_page_reuse()").isNull();
        k.checkInvariants();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"LINUX_4_19", "LINUX_5_10", "LINUX_6_1"})
    void anUnshareFaultThatMustCopyMapsTheCopyReadOnly(String model) {
        Kernel k = Kernel.builder().model(KernelModel.byName(model)).build();
        Process a = k.spawn("A");
        long buf = readOnlyPage(a);
        Process child = a.fork();
        var frame = a.frameAt(buf);

        assertThat(unshareFault(k, a, buf)).isEqualTo(Faults.Result.OK);
        assertThat(a.frameAt(buf)).as("copied: the child maps the page too").isNotSameAs(frame);
        assertThat(child.frameAt(buf)).isSameAs(frame);
        assertThat(a.isMappedWritable(buf)).as("an unshare fault never maps writable").isFalse();
        assertThat(k.trace().lastAt(buf, TraceKind.UNSHARE)).as("an UNSHARE event").isNotNull().extracting(e -> e.message()).asString().contains("PTE stays read-only (FAULT_FLAG_UNSHARE)");
        k.checkInvariants();
    }
}
