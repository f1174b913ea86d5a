package io.pinsim.runtime;

import static io.pinsim.runtime.Fixtures.PAGE;
import static io.pinsim.runtime.Fixtures.buffer;
import static io.pinsim.runtime.Fixtures.kernel;
import static io.pinsim.runtime.Fixtures.seen;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pinsim.runtime.model.KernelModel;
import io.pinsim.runtime.spi.DevicePagemap;
import io.pinsim.runtime.spi.DriverContext;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Device-private memory in mm (ZONE_DEVICE, mm/migrate_device.c, mm/memory.c): the entries,
 * migrate_to_ram, fork, zap, mprotect, GUP and the leak check, on every model.
 */
class DeviceMemoryTest {
    /** A device whose migrate_to_ram migrates the faulting page back, counting the calls. */
    static DevicePagemap device(Kernel k, String name, int pages, List<Long> faults) {
        DriverContext ctx = DriverContext.attach(k, name);
        DevicePagemap[] pm = new DevicePagemap[1];
        pm[0] = ctx.memremapPages(pages, name, (p, address, page) -> {
            faults.add(address);
            return pm[0].migrateToRam(p, address, 1) == 1;
        });
        return pm[0];
    }

    /** migrate_vma to the device frees the system page and leaves a device-private entry; a CPU read calls the owner's migrate_to_ram. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"LINUX_4_19", "LINUX_5_8", "LINUX_5_10", "LINUX_6_1", "LINUX_6_6"})
    void cpuAccessToADevicePrivateEntryCallsMigrateToRam(String model) {
        Kernel k = kernel(model);
        List<Long> faults = new ArrayList<>();
        DevicePagemap gpu = device(k, "gpu0", 2, faults);
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        long used = k.usedFrames();
        Frame d = gpu.migrateToDevice(a, buf, 1).get(0).frame();
        assertThat(gpu.read(d, 0, 1)).containsExactly('A');
        assertThat(k.usedFrames()).as("device memory is not system memory").isEqualTo(used - 1);
        assertThat(a.pteAt(buf)).isEqualTo("device-private entry, device page " + d.pfn() + " RW");
        assertThat(seen(a, buf)).isEqualTo('A');
        assertThat(faults).containsExactly(buf);
        assertThat(gpu.freePages()).as("the device page went back to the pool").isEqualTo(2);
        assertThat(a.isMappedWritable(buf)).as("a writable entry comes back writable").isTrue();
        assertThat(k.leaks()).isEmpty();
    }

    /**
     * copy_nonpresent_pte(): fork shares the device page and makes the entry read-only in both; the
     * child's read brings it back through migrate_to_ram for both (try_to_migrate() unmaps every
     * mapping), the parent's write then copies: the child keeps the old data.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"LINUX_4_19", "LINUX_5_8", "LINUX_5_10", "LINUX_6_1", "LINUX_6_6"})
    void forkWriteProtectsTheDevicePrivateEntryInBoth(String model) {
        Kernel k = kernel(model);
        List<Long> faults = new ArrayList<>();
        DevicePagemap gpu = device(k, "gpu0", 2, faults);
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        Frame d = gpu.migrateToDevice(a, buf, 1).get(0).frame();
        Process child = a.fork();
        assertThat(a.pteAt(buf)).endsWith("RO");
        assertThat(child.pteAt(buf)).isEqualTo(a.pteAt(buf));
        assertThat(d.refcount()).as("one reference per entry").isEqualTo(2);
        assertThat(seen(child, buf)).isEqualTo('A');
        assertThat(faults).hasSize(1);
        assertThat(a.frameAt(buf)).as("both map the migrated page").isSameAs(child.frameAt(buf));
        a.write(buf, new byte[] {'P'});
        assertThat(seen(a, buf)).isEqualTo('P');
        assertThat(seen(child, buf)).isEqualTo('A');
        child.exit();
        a.exit();
        assertThat(k.leaks()).isEmpty();
        assertThat(gpu.freePages()).isEqualTo(2);
    }

    /** zap_pte_range() of a device-private entry drops the device page's reference: at zero it goes back to the pool. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"LINUX_4_19", "LINUX_6_6"})
    void munmapReturnsTheDevicePageToItsPool(String model) {
        Kernel k = kernel(model);
        DevicePagemap gpu = device(k, "gpu0", 1, new ArrayList<>());
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        gpu.migrateToDevice(a, buf, 1);
        Process child = a.fork();
        a.munmap(buf, PAGE);
        assertThat(gpu.freePages()).as("the child still refers to it").isZero();
        child.exit();
        assertThat(gpu.freePages()).isEqualTo(1);
        assertThat(k.leaks()).isEmpty();
    }

    /** A long-term pin never holds device memory: GUP faults the page back first (faultin_page() -> do_swap_page() -> migrate_to_ram). */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"LINUX_4_19", "LINUX_5_8", "LINUX_5_10", "LINUX_6_1", "LINUX_6_6"})
    void longtermPinMigratesTheDevicePageBackFirst(String model) {
        Kernel k = kernel(model);
        List<Long> faults = new ArrayList<>();
        DevicePagemap gpu = device(k, "gpu0", 1, faults);
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        gpu.migrateToDevice(a, buf, 1);
        GupPages pin = a.pinUserPages(buf, 1, Foll.WRITE | Foll.LONGTERM, "rdma");
        assertThat(faults).containsExactly(buf);
        assertThat(gpu.owns(pin.frame(0))).isFalse();
        assertThat(pin.frame(0).read(0, 1)).containsExactly('A');
        assertThat(gpu.migrateToDevice(a, buf, 1).get(0).valid()).as("a pinned page does not move (migrate_vma_check_page)").isFalse();
        pin.unpin(true);
        a.exit();
        assertThat(k.leaks()).isEmpty();
    }

    /** change_pte_range(): mprotect(PROT_READ) makes a writable device-private entry readable. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"LINUX_5_10", "LINUX_6_6"})
    void mprotectReadOnlyMakesTheEntryReadable(String model) {
        Kernel k = kernel(model);
        DevicePagemap gpu = device(k, "gpu0", 1, new ArrayList<>());
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        gpu.migrateToDevice(a, buf, 1);
        a.mprotect(buf, PAGE, Prot.READ);
        assertThat(a.pteAt(buf)).endsWith("RO");
        assertThat(seen(a, buf)).isEqualTo('A');
        assertThat(a.isMappedWritable(buf)).isFalse();
    }

    /** A driver whose migrate_to_ram leaves the entry gives VM_FAULT_SIGBUS. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"LINUX_6_6"})
    void aDriverThatDoesNotMigrateGivesSigbus(String model) {
        Kernel k = kernel(model);
        DevicePagemap gpu = DriverContext.attach(k, "gpu0").memremapPages(1, "gpu0", (p, address, page) -> true);
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        gpu.migrateToDevice(a, buf, 1);
        assertThatThrownBy(() -> a.read(buf, 1)).isInstanceOf(SignalException.class);
        assertThat(a.isAlive()).isFalse();
        assertThat(gpu.freePages()).as("the killed process's exit returned the page").isEqualTo(1);
    }

    /** Pages that cannot move stay: page-cache pages, shmem, another device's pages; a failed device allocation leaves the page. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"LINUX_4_19", "LINUX_6_6"})
    void onlyPrivateAnonymousSystemPagesMove(String model) {
        Kernel k = kernel(KernelModel.byName(model));
        DevicePagemap gpu0 = device(k, "gpu0", 2, new ArrayList<>());
        DevicePagemap gpu1 = device(k, "gpu1", 2, new ArrayList<>());
        Process a = k.spawn("A");
        long shm = a.mmap(PAGE, Prot.READ | Prot.WRITE, MapFlags.SHARED | MapFlags.ANONYMOUS);
        a.write(shm, new byte[] {'S'});
        assertThat(gpu0.migrateToDevice(a, shm, 1).get(0).valid()).isFalse();
        long buf = buffer(a, 1, 'A');
        assertThat(gpu1.migrateToDevice(a, buf, 1).get(0).valid()).isTrue();
        assertThat(gpu0.migrateToDevice(a, buf, 1).get(0).valid()).as("gpu1's page is not selected (SELECT_SYSTEM)").isFalse();
        assertThat(gpu0.migrateToRam(a, buf, 1)).as("nor by another owner's SELECT_DEVICE_PRIVATE").isZero();
        long buf2 = buffer(a, 1, 'B');
        gpu0.failNextAllocations(1);
        assertThat(gpu0.migrateToDevice(a, buf2, 1).get(0).valid()).isFalse();
        assertThat(a.frameAt(buf2)).isNotNull();
        assertThat(gpu0.migrateToDevice(a, buf2, 1).get(0).valid()).isTrue();
    }
}
