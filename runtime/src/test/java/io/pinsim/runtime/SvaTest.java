package io.pinsim.runtime;

import static io.pinsim.runtime.Fixtures.PAGE;
import static io.pinsim.runtime.Fixtures.RW;
import static io.pinsim.runtime.Fixtures.ANON_PRIVATE;
import static io.pinsim.runtime.Fixtures.buffer;
import static io.pinsim.runtime.Fixtures.fill;
import static io.pinsim.runtime.Fixtures.seen;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pinsim.runtime.model.KernelModel;
import io.pinsim.runtime.spi.DeviceFile;
import io.pinsim.runtime.spi.DriverContext;
import io.pinsim.runtime.spi.IoPageFaultException;
import io.pinsim.runtime.spi.IommuSva;
import io.pinsim.runtime.trace.TraceKind;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Shared virtual addressing through the driver SPI (drivers/iommu/iommu-sva.c): PASIDs, the IOMMU's
 * walk of the CPU page table and its IOTLB, I/O page faults served by handle_mm_fault(), the
 * IOMMU's mmu notifier, fork and exit.
 */
class SvaTest {
    private final Kernel k = Kernel.builder().model(KernelModel.LATEST).build();
    private final DriverContext dev = DriverContext.attach(k, "hisi_zip0");
    private final Process a = k.spawn("A");

    private static IoPageFaultException.Kind kindOf(Runnable r) {
        try {
            r.run();
        } catch (IoPageFaultException e) {
            return e.kind();
        }
        return null;
    }

    @Test
    void bindAllocatesOnePasidPerAddressSpaceSharedByDevices() {
        IommuSva b = dev.iommuSvaBindDevice(a, null);
        IommuSva other = DriverContext.attach(k, "idxd0").iommuSvaBindDevice(a, null);
        Process c = k.spawn("C");
        assertThat(b.pasid()).isEqualTo(1).isEqualTo(dev.mmPasid(a)).isEqualTo(other.pasid());
        assertThat(dev.iommuSvaBindDevice(c, null).pasid()).isEqualTo(2);
        assertThat(dev.iommuSvaBindDevice(a, null)).as("the same device and mm: the same bond, one more user").isSameAs(b);
    }

    @Test
    void deviceWritesProcessMemoryByVirtualAddressWithoutPinning() {
        long buf = buffer(a, 2, 'A');
        IommuSva b = dev.iommuSvaBindDevice(a, null);
        b.dmaWrite(buf + PAGE - 2, "DMA!".getBytes(), "job");
        assertThat(new String(a.read(buf + PAGE - 2, 4))).isEqualTo("DMA!");
        assertThat(a.pinnedVm() + a.lockedVm()).as("SVA charges nothing").isZero();
        assertThat(a.frameAt(buf).pincount()).isZero();
        assertThat(b.iotlbEntries()).containsExactly(buf, buf + PAGE);
        assertThat(new String(b.dmaRead(buf + PAGE - 2, 4, null))).isEqualTo("DMA!");
    }

    @Test
    void ioPageFaultOnAnUntouchedPageIsServedByHandleMmFault() {
        long buf = a.mmap(PAGE, RW, ANON_PRIVATE);
        IommuSva b = dev.iommuSvaBindDevice(a, null);
        assertThat(b.dmaRead(buf, 8, null)).containsOnly(0);
        b.dmaWrite(buf, fill('D', 8), null);
        assertThat(seen(a, buf)).isEqualTo('D');
        assertThat(k.trace().events(e -> e.kind() == TraceKind.FAULT && e.message().contains("IOMMU_PAGE_RESP_SUCCESS"))).hasSize(2);
    }

    @Test
    void aFaultThatCannotBeServedIsAnsweredInvalidAndWritesNothing() {
        long buf = buffer(a, 2, 'A');
        a.mprotect(buf + PAGE, PAGE, Prot.READ);
        IommuSva b = dev.iommuSvaBindDevice(a, null);
        assertThat(kindOf(() -> b.dmaWrite(buf + PAGE - 4, fill('D', 8), null))).isEqualTo(IoPageFaultException.Kind.RESPONSE_INVALID);
        assertThat(seen(a, buf + PAGE - 4)).as("the first page was not written either").isEqualTo('A');
        assertThat(kindOf(() -> b.dmaRead(0x10000L, 1, null))).isEqualTo(IoPageFaultException.Kind.RESPONSE_INVALID);
    }

    @Test
    void munmapDropsTheIotlbEntriesThroughTheIommusNotifier() {
        long buf = buffer(a, 2, 'A');
        IommuSva b = dev.iommuSvaBindDevice(a, null);
        b.dmaRead(buf, 2 * PAGE, null);
        a.munmap(buf, PAGE);
        assertThat(b.iotlbEntries()).containsExactly(buf + PAGE);
        assertThat(kindOf(() -> b.dmaRead(buf, 1, null))).isEqualTo(IoPageFaultException.Kind.RESPONSE_INVALID);
    }

    @Test
    void forkGivesTheChildNoPasidAndTheDeviceFollowsTheParentThroughCow() {
        long buf = buffer(a, 1, 'A');
        IommuSva b = dev.iommuSvaBindDevice(a, null);
        b.dmaRead(buf, 8, null);
        Process child = a.fork();
        assertThat(dev.mmPasid(child)).isEqualTo(DriverContext.IOMMU_PASID_INVALID);
        assertThat(b.iotlbEntries()).as("fork write-protected the parent's PTE: the IOTLB entry went").isEmpty();
        child.write(buf, fill('C', 8));
        a.write(buf, fill('P', 8));
        b.dmaWrite(buf, fill('D', 8), null);
        assertThat(seen(a, buf)).isEqualTo('D');
        assertThat(seen(child, buf)).isEqualTo('C');
    }

    @Test
    void exitAbortsThePasidUntilUnbindAndReleasesDeviceFilesAfterwards() {
        long buf = buffer(a, 1, 'A');
        IommuSva b = dev.iommuSvaBindDevice(a, null);
        List<String> order = new ArrayList<>();
        DeviceFile file = dev.openDeviceFile(a, "uacce/q0", () -> order.add("release, aborted=" + b.isAborted()));
        b.dmaRead(buf, 8, null);
        a.exit();
        assertThat(order).containsExactly("release, aborted=true");
        assertThat(file.isOpen()).isFalse();
        assertThat(b.isAborted()).isTrue();
        assertThat(b.iotlbEntries()).isEmpty();
        assertThat(kindOf(() -> b.dmaWrite(buf, fill('D', 8), null))).isEqualTo(IoPageFaultException.Kind.PASID_ABORTED);
        b.unbind();
        assertThat(b.isBound()).isFalse();
        assertThat(dev.iommuSvaBindDevice(k.spawn("B"), null).pasid()).as("the PASID went with the last bond").isEqualTo(1);
    }

    @Test
    void unbindNeedsOneCallPerBind() {
        IommuSva b = dev.iommuSvaBindDevice(a, null);
        dev.iommuSvaBindDevice(a, null);
        b.unbind();
        assertThat(b.isBound()).isTrue();
        b.unbind();
        assertThat(b.isBound()).isFalse();
        assertThat(dev.mmPasid(a)).isEqualTo(DriverContext.IOMMU_PASID_INVALID);
        assertThatThrownBy(b::unbind).isInstanceOf(IllegalStateException.class);
    }
}
