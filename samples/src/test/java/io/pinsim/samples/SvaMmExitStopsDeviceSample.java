package io.pinsim.samples;

import static io.pinsim.dsl.PinsimAssertions.assertThatTrace;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pinsim.devices.SvaAccelerator;
import io.pinsim.devices.UacceQueue;
import io.pinsim.junit.PinsimModels;
import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MapFlags;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.Prot;
import io.pinsim.runtime.model.SvaMmExit;
import io.pinsim.runtime.spi.DriverContext;
import io.pinsim.runtime.trace.TraceKind;

/**
 * A process exits while its SVA queue is started. The device must stop using the PASID before the
 * address space is gone and the queue must be unbound: 5.2 - 5.7 told the driver through
 * iommu_sva_ops->mm_exit() (uacce_sva_exit() put the queues); from 5.8 the op is gone ("iommu:
 * Remove iommu_sva_ops::mm_exit()"), the IOMMU clears the PASID entry and aborts the device's DMA
 * silently, and the driver stops and unbinds the queue when the file is released in exit_files().
 */
@Sample(id = "sva-mm-exit-stops-device", title = "SVA queue started, the process exits",
        source = "Jean-Philippe Brucker, \"iommu: Remove iommu_sva_ops::mm_exit()\" and \"uacce: Remove mm_exit() op\" (5.8), <20200423125329.782066-1-jean-philippe@linaro.org>",
        story = "A process opens an SVA accelerator, starts the queue and lets the device read its buffer, then exits. At exit_mmap() the "
                + "IOMMU's mmu notifier release clears the PASID entry (5.2 - 5.7: after calling the driver's mm_exit, which puts the queue); "
                + "then exit_files() releases the queue's file, which stops the queue and unbinds the PASID. Afterwards the device reaches "
                + "nothing of the dead process, the PASID is free and nothing leaks. On 4.19 there is no SVA: the open fails with ENODEV.")
class SvaMmExitStopsDeviceSample {
    @PinsimModels
    void theDeviceStopsAndThePasidGoes(Kernel kernel) {
        SvaAccelerator zip = new SvaAccelerator(kernel, "hisi_zip-0");
        Process a = kernel.spawn("A");
        long buf = a.mmap(4096, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
        a.write(buf, new byte[] {'A'});
        SvaMmExit exit = kernel.model().get(SvaMmExit.class);
        if (exit == SvaMmExit.NO_SVA) {
            assertThatThrownBy(() -> zip.open(a)).as("no iommu_sva_bind_device() in this kernel")
                    .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENODEV));
            return;
        }
        UacceQueue q = zip.open(a);
        q.mmapDus();
        q.start();
        assertThat(q.read(buf, 1).isOk()).isTrue();
        a.exit();
        assertThat(q.state()).as("the queue's file was released at exit").isEqualTo(UacceQueue.State.RELEASED);
        assertThat(q.bond().isBound()).as("the PASID was unbound").isFalse();
        assertThat(q.bond().isAborted()).as("the PASID entry was cleared when the address space went").isTrue();
        assertThat(DriverContext.attach(kernel, "probe").iommuSvaBindDevice(kernel.spawn("B"), null).pasid())
                .as("the PASID is free again").isEqualTo(q.pasid());
        if (exit == SvaMmExit.MM_EXIT_OP) {
            assertThatTrace(kernel.trace()).as("mm_exit put the queue before the file was released").hasEvent(TraceKind.INFO, "uacce_sva_exit(): queue 0")
                    .hasNoEvent(TraceKind.INFO, "uacce_fops_release(): queue 0");
        } else {
            assertThatTrace(kernel.trace()).as("nobody told the driver before the file release").hasNoEvent(TraceKind.INFO, "uacce_sva_exit()")
                    .hasEvent(TraceKind.INFO, "uacce_fops_release(): queue 0");
        }
        assertThatThrownBy(() -> q.write(buf, new byte[] {'D'})).as("a released queue runs nothing").isInstanceOf(IllegalStateException.class);
        kernel.checkNoLeaks();
    }
}
