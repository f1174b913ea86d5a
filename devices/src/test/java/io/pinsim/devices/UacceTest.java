package io.pinsim.devices;

import static io.pinsim.devices.RdmaNicTest.PAGE;
import static io.pinsim.devices.RdmaNicTest.buffer;
import static io.pinsim.devices.RdmaNicTest.fill;
import static io.pinsim.devices.RdmaNicTest.seen;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.model.KernelModel;
import io.pinsim.runtime.model.SvaMmExit;
import io.pinsim.runtime.spi.DriverContext;
import io.pinsim.runtime.trace.TraceKind;
import org.junit.jupiter.api.Test;

/** uacce queues in the three modes of the WarpDrive/uacce RFCs, on an SVA IOMMU. */
class UacceTest {
    private final Kernel k = Kernel.builder().model(KernelModel.LATEST).build();
    private final Process a = k.spawn("A");

    private static Errno errnoOf(Runnable r) {
        try {
            r.run();
        } catch (ErrnoException e) {
            return e.errno();
        }
        return null;
    }

    @Test
    void svaQueueBindsAPasidAndTheDeviceUsesProcessVirtualAddresses() {
        SvaAccelerator zip = new SvaAccelerator(k, "hisi_zip-0");
        UacceQueue q = zip.open(a);
        long buf = buffer(a, 1, 'A');
        assertThat(q.pasid()).isEqualTo(1);
        assertThat(q.write(buf, fill('D', 4)).status()).as("not started yet").isEqualTo(UacceCompletion.Status.QUEUE_STOPPED);
        q.start();
        assertThat(q.write(buf, fill('D', 4)).isOk()).isTrue();
        assertThat(seen(a, buf)).isEqualTo('D');
        assertThat(q.read(buf, 2).data()).containsExactly('D', 'D');
        assertThat(q.write(0x10000L, fill('D', 4)).status()).isEqualTo(UacceCompletion.Status.PAGE_FAULT);
        assertThat(a.pinnedVm() + a.lockedVm()).isZero();
    }

    @Test
    void queueRegionsAreDontcopyAndWipeonforkSoTheChildHasNoQueue() {
        UacceQueue q = new SvaAccelerator(k, "hisi_zip-0").open(a);
        long mmio = q.mmapMmio();
        long dus = q.mmapDus();
        for (long r : new long[] {mmio, dus}) {
            assertThat(a.vmaAt(r).isDontCopy()).isTrue();
            assertThat(a.vmaAt(r).isWipeOnFork()).isTrue();
        }
        Process child = a.fork();
        assertThat(child.vmaAt(mmio)).isNull();
        assertThat(child.vmaAt(dus)).isNull();
        assertThat(new SvaAccelerator(k, "hisi_sec-0").open(a).pasid()).as("another device shares the mm's PASID").isEqualTo(q.pasid());
        assertThat(DriverContext.attach(k, "probe").mmPasid(child)).isEqualTo(DriverContext.IOMMU_PASID_INVALID);
    }

    @Test
    void theQueueStateMachineRefusesWhatUacceRefuses() {
        UacceQueue q = new SvaAccelerator(k, "hisi_zip-0").open(a);
        q.mmapDus();
        assertThat(errnoOf(q::mmapDus)).isEqualTo(Errno.EEXIST);
        q.start();
        assertThat(errnoOf(q::start)).isEqualTo(Errno.EINVAL);
        q.put();
        assertThat(q.state()).isEqualTo(UacceQueue.State.ZOMBIE);
        assertThat(errnoOf(q::mmapMmio)).isEqualTo(Errno.EINVAL);
        assertThat(errnoOf(() -> q.mapBuffer(0, PAGE))).as("only the pinned mode maps buffers").isEqualTo(Errno.EINVAL);
        q.close();
        assertThat(q.state()).isEqualTo(UacceQueue.State.RELEASED);
        assertThatThrownBy(q::start).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void staticRegionModeReachesOnlyTheDusRegionWhichForkCannotCow() {
        UacceQueue q = new SvaAccelerator(k, "zip-nosva", UacceMode.STATIC_REGION).open(a);
        assertThat(q.pasid()).isEqualTo(DriverContext.IOMMU_PASID_INVALID);
        long dus = q.mmapDus();
        q.start();
        long buf = buffer(a, 1, 'A');
        assertThat(q.write(buf, fill('D', 4)).status()).isEqualTo(UacceCompletion.Status.OUT_OF_RANGE);
        a.write(dus, fill('U', 8));
        a.fork().write(buf, fill('C', 1));
        a.write(dus, fill('P', 4));
        assertThat(q.read(dus, 5).data()).as("the user's copy reaches the device after fork").containsExactly('P', 'P', 'P', 'P', 'U');
        q.write(dus + 8, fill('D', 2));
        assertThat(seen(a, dus + 8)).isEqualTo('D');
    }

    /** The RFC's pinned mode: map the buffer, fork, the parent writes, the device writes; returns what the parent sees. */
    private static char pinnedModeParentSees(KernelModel model) {
        Kernel k = Kernel.builder().model(model).build();
        Process p = k.spawn("A");
        UacceQueue q = new SvaAccelerator(k, "warpdrive-0", UacceMode.PINNED).open(p);
        long buf = buffer(p, 1, 'A');
        q.mapBuffer(buf, PAGE);
        assertThat(p.lockedVm()).isEqualTo(1);
        q.start();
        p.fork();
        p.write(buf + 8, fill('P', 1));
        assertThat(q.write(buf, fill('D', 4)).isOk()).isTrue();
        char seen = seen(p, buf);
        q.close();
        assertThat(p.lockedVm()).isZero();
        k.checkNoLeaks();
        return seen;
    }

    @Test
    void pinnedModeLosesTheDevicesDataAfterForkWhereForkSharesPinnedPages() {
        assertThat(pinnedModeParentSees(KernelModel.LINUX_4_19)).isEqualTo('A');
        assertThat(pinnedModeParentSees(KernelModel.LINUX_5_8)).isEqualTo('A');
        assertThat(pinnedModeParentSees(KernelModel.LINUX_5_10)).isEqualTo('D');
        assertThat(pinnedModeParentSees(KernelModel.LINUX_6_6)).isEqualTo('D');
    }

    @Test
    void exitReleasesTheQueueAfterTheAddressSpaceAndLeaksNothing() {
        SvaAccelerator zip = new SvaAccelerator(k, "hisi_zip-0");
        UacceQueue q = zip.open(a);
        q.mmapDus();
        q.start();
        a.exit();
        assertThat(q.state()).isEqualTo(UacceQueue.State.RELEASED);
        assertThat(q.bond().isBound()).isFalse();
        assertThat(zip.queues()).isEmpty();
        k.checkNoLeaks();
    }

    @Test
    void mmExitOpPutsTheQueueBeforeTheFileIsReleased() {
        Kernel old = Kernel.builder().model(KernelModel.LINUX_4_19.with(SvaMmExit.MM_EXIT_OP)).build();
        Process p = old.spawn("A");
        UacceQueue q = new SvaAccelerator(old, "hisi_zip-0").open(p);
        q.start();
        p.exit();
        assertThat(old.trace().events(e -> e.message().contains("uacce_sva_exit(): queue 0"))).hasSize(1);
        assertThat(old.trace().events(e -> e.kind() == TraceKind.INFO && e.message().contains("uacce_fops_release(): queue 0"))).as("put already").isEmpty();
    }

    @Test
    void svaModeNeedsTheSvaApi() {
        Kernel old = Kernel.builder().model(KernelModel.LINUX_4_19).build();
        SvaAccelerator zip = new SvaAccelerator(old, "hisi_zip-0");
        assertThat(errnoOf(() -> zip.open(old.spawn("A")))).isEqualTo(Errno.ENODEV);
        assertThat(zip.queues()).isEmpty();
    }
}
