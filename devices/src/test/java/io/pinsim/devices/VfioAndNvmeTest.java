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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** VFIO type1 (T19) and NVMe behind O_DIRECT (T17). */
class VfioAndNvmeTest {

    /** T19: map, fork, the parent writes, the device DMAs: early COW at fork keeps the parent's page (5.9+). */
    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({"LINUX_4_19, BUG", "LINUX_5_8, BUG", "LINUX_5_10, OK", "LINUX_6_1, OK", "LINUX_6_6, OK"})
    void t19MapForkParentWritesDeviceDmas(String model, String expected) {
        Kernel k = kernel(model);
        VfioDevice dev = new VfioDevice(k, "0000:01:00.0");
        Process qemu = k.spawn("qemu");
        long ram = buffer(qemu, 2, 'G');
        dev.mapDma(qemu, ram, 0x100000, 2L * PAGE, true);
        assertThat(qemu.lockedVm()).isEqualTo(2);
        qemu.fork();
        qemu.write(ram + 8, fill('P', 1));
        dev.dmaWrite(0x100000, fill('D', 4));
        assertThat(seen(qemu, ram) == 'D').as("the guest sees the device's DMA on %s", model).isEqualTo(expected.equals("OK"));
        assertThat(dev.dmaRead(0x100000 + PAGE, 1)).containsExactly('G');
        assertThat(dev.unmapDma(0x100000, 2L * PAGE)).isEqualTo(2L * PAGE);
        assertThat(qemu.lockedVm()).isZero();
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

    /** T17: an O_DIRECT read through NVMe into a heap buffer, fork, the parent writes: FOLL_PIN and early COW from 6.5. */
    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({"LINUX_5_10, BUG", "LINUX_6_1, BUG", "LINUX_6_6, OK"})
    void t17DirectReadThroughNvmeAcrossFork(String model, String expected) {
        Kernel k = kernel(model);
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
        assertThat(seen(a, buf) == 'F').as("parent sees the read on %s", model).isEqualTo(expected.equals("OK"));
        assertThatThrownBy(disk::completeNext).isInstanceOf(IllegalStateException.class);
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
