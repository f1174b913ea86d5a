package io.pinsim.devices;

import static io.pinsim.devices.RdmaNicTest.PAGE;
import static io.pinsim.devices.RdmaNicTest.buffer;
import static io.pinsim.devices.RdmaNicTest.fill;
import static io.pinsim.devices.RdmaNicTest.kernel;
import static io.pinsim.devices.RdmaNicTest.seen;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pinsim.runtime.DirectIo;
import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.FsKind;
import io.pinsim.runtime.Inode;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.OpenFlags;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.model.DioPages;
import io.pinsim.runtime.model.ForkPinned;
import io.pinsim.runtime.model.KernelModel;
import org.junit.jupiter.api.Test;

/** VFIO type1 (T19) and NVMe behind O_DIRECT (T17). */
class VfioAndNvmeTest {

    /** T19: map 2 pages of guest RAM, fork, the parent writes, the device DMAs into the first; returns whether the guest sees it. */
    private static boolean t19GuestSeesTheDma(KernelModel model) {
        Kernel k = Kernel.builder().model(model).build();
        VfioDevice dev = new VfioDevice(k, "0000:01:00.0");
        Process qemu = k.spawn("qemu");
        long ram = buffer(qemu, 2, 'G');
        dev.mapDma(qemu, ram, 0x100000, 2L * PAGE, true);
        assertThat(qemu.lockedVm()).isEqualTo(2);
        qemu.fork();
        qemu.write(ram + 8, fill('P', 1));
        dev.dmaWrite(0x100000, fill('D', 4));
        assertThat(dev.dmaRead(0x100000 + PAGE, 1)).containsExactly('G');
        boolean sees = seen(qemu, ram) == 'D';
        assertThat(dev.unmapDma(0x100000, 2L * PAGE)).isEqualTo(2L * PAGE);
        assertThat(qemu.lockedVm()).isZero();
        return sees;
    }

    /**
     * T19 by how fork treats pinned pages: shared (the parent's write copies the guest off the
     * IOMMU-mapped frame, the DMA is lost to it) or copied for the child early (the guest keeps it).
     * The rdma-mr-fork-parent-writes sample says which models share.
     */
    @Test
    void t19TheGuestLosesTheDmaOnlyWhereForkSharesPinnedPages() {
        assertThat(t19GuestSeesTheDma(KernelModel.LINUX_5_10.with(ForkPinned.SHARE_WRPROTECT))).isFalse();
        assertThat(t19GuestSeesTheDma(KernelModel.LINUX_5_8.with(ForkPinned.EARLY_COPY_ANY_PAGE))).isTrue();
    }

    @Test
    void t19MappingBeyondRlimitMemlockFailsWithTheKernelsWarning() {
        Kernel k = kernel("LINUX_6_6");
        VfioDevice dev = new VfioDevice(k, "0000:01:00.0");
        Process qemu = k.spawn("qemu");
        qemu.setRlimitMemlock(PAGE);
        long ram = buffer(qemu, 2, 'G');
        assertThatThrownBy(() -> dev.mapDma(qemu, ram, 0, 2L * PAGE, true)).isInstanceOfSatisfying(ErrnoException.class,
                e -> assertThat(e.errno()).isEqualTo(Errno.ENOMEM));
        assertThat(k.log().contains("vfio_pin_pages_remote: RLIMIT_MEMLOCK (4096) exceeded")).isTrue();
        assertThat(qemu.lockedVm()).isZero();
        assertThat(dev.mappings()).isEmpty();
    }

    @Test
    void iommuFaultsAndBadMappings() {
        Kernel k = kernel("LINUX_6_6");
        VfioDevice dev = new VfioDevice(k, "0000:01:00.0");
        Process qemu = k.spawn("qemu");
        long ram = buffer(qemu, 2, 'G');
        dev.mapDma(qemu, ram, 0, PAGE, false);
        assertThatThrownBy(() -> dev.dmaWrite(0, fill('x', 1))).isInstanceOfSatisfying(IommuFaultException.class,
                e -> assertThat(e.getMessage()).contains("PTE Write access is not set"));
        assertThatThrownBy(() -> dev.dmaRead(0x500000, 1)).isInstanceOf(IommuFaultException.class);
        assertThat(k.log().contains("DMAR: [DMA Write] Request device [0000:01:00.0] fault addr 0x0")).isTrue();
        assertThat(seen(qemu, ram)).isEqualTo('G');
        assertThatThrownBy(() -> dev.mapDma(qemu, ram, 0, PAGE, true)).isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EEXIST));
        assertThatThrownBy(() -> dev.mapDma(qemu, ram + 1, PAGE, PAGE, true)).isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
        assertThatThrownBy(() -> dev.mapDma(qemu, 0x10000, 4L * PAGE, 4L * PAGE, true)).isInstanceOfSatisfying(ErrnoException.class,
                e -> assertThat(e.errno()).isEqualTo(Errno.EFAULT));
        assertThat(qemu.lockedVm()).isEqualTo(1);
        assertThat(dev.unmapDma(0x900000, PAGE)).isZero();
    }

    /** T17: an O_DIRECT read through NVMe into a heap buffer, fork, the parent writes, the bio completes; returns whether the parent sees the read. */
    private static boolean t17ParentSeesTheRead(KernelModel model) {
        Kernel k = Kernel.builder().model(model).build();
        NvmeDisk disk = new NvmeDisk(k, "nvme0n1");
        Inode file = k.mount(FsKind.EXT4, disk).create("data", fill('F', PAGE));
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        DirectIo read = a.open(file, OpenFlags.RDONLY | OpenFlags.DIRECT).startDirectRead(buf, 512, 0);
        assertThat(disk.inflight()).hasSize(1);
        a.fork();
        a.write(buf + 2048, fill('P', 1));
        disk.completeNext();
        assertThat(read.isDone()).isTrue();
        assertThatThrownBy(disk::completeNext).isInstanceOf(IllegalStateException.class);
        return seen(a, buf) == 'F';
    }

    /** T17 by the reference the read holds: FOLL_GET is invisible to fork and the read is lost to the parent; FOLL_PIN makes fork copy for the child. */
    @Test
    void t17TheParentLosesTheReadOnlyWhenItHoldsAPlainReference() {
        assertThat(t17ParentSeesTheRead(KernelModel.LINUX_6_6.with(DioPages.FOLL_GET))).isFalse();
        assertThat(t17ParentSeesTheRead(KernelModel.LINUX_6_1.with(DioPages.FOLL_PIN))).isTrue();
    }

    @Test
    void nvmeCompletesBiosByIdInAnyOrder() {
        Kernel k = kernel("LINUX_6_6");
        NvmeDisk disk = new NvmeDisk(k, "nvme0n1");
        Inode file = k.mount(FsKind.EXT4, disk).create("data", fill('F', 2 * PAGE));
        Process a = k.spawn("A");
        long buf = buffer(a, 2, 'A');
        var f = a.open(file, OpenFlags.RDONLY | OpenFlags.DIRECT);
        DirectIo first = f.startDirectRead(buf, PAGE, 0);
        DirectIo second = f.startDirectRead(buf + PAGE, PAGE, PAGE);
        disk.complete(second.bio().id());
        assertThat(first.isDone()).isFalse();
        assertThat(second.isDone()).isTrue();
        assertThatThrownBy(() -> disk.complete(999)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no bio#999");
        disk.completeAll();
        assertThat(a.read(buf, 2 * PAGE)).containsOnly((byte) 'F');
    }
}
