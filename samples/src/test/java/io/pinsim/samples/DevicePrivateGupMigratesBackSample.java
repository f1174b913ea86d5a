package io.pinsim.samples;

import static io.pinsim.dsl.Pinsim.dmaData;
import static io.pinsim.dsl.PinsimAssertions.assertThatProcess;
import static org.assertj.core.api.Assertions.assertThat;

import io.pinsim.devices.HmmMirror;
import io.pinsim.devices.HmmMirrorFile;
import io.pinsim.devices.IbAccess;
import io.pinsim.devices.MemoryRegion;
import io.pinsim.devices.RdmaNic;
import io.pinsim.junit.PinsimModels;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MapFlags;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.Prot;

/**
 * A buffer lives in a GPU's device-private memory when an RDMA NIC registers it. ib_umem_get()'s
 * long-term pin cannot hold device memory: GUP finds no present page (follow_page_pte()), faults
 * (faultin_page() -> handle_mm_fault() -> do_swap_page()), and the GPU driver's migrate_to_ram
 * brings the page back to system memory; the pin holds that system page. The NIC's write is then
 * seen by the process, and the device page is free again. hmm-tests.c's hmm_gup_test (6.0) checks
 * the same with gup_test; the mechanism is the same on every model.
 */
@Sample(id = "device-private-gup-migrates-back", title = "RDMA registration of memory that lives on a GPU",
        source = "tools/testing/selftests/mm/hmm-tests.c hmm_gup_test; mm/gup.c faultin_page(), do_swap_page() -> pgmap->ops->migrate_to_ram",
        story = "A process moves a page to a GPU's private memory, then registers it with an RDMA NIC. The long-term pin cannot hold device "
                + "memory: GUP faults, the GPU driver migrates the page back to system memory, and the pin holds the system page. The NIC's "
                + "write reaches the process, and the GPU's page is free again.")
class DevicePrivateGupMigratesBackSample {
    @PinsimModels
    void theNicsWriteReachesTheProcess(Kernel kernel) {
        HmmMirror gpu = new HmmMirror(kernel, "hmm_dmirror0", 2);
        RdmaNic nic = new RdmaNic(kernel, "mlx5_0");
        Process a = kernel.spawn("A");
        long buf = a.mmap(4096, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
        a.write(buf, new byte[] {'A'});
        HmmMirrorFile mirror = gpu.open(a);
        assertThat(mirror.migrateToDevice(buf, 1).cpages()).isEqualTo(1);
        MemoryRegion mr = nic.regMr(nic.allocPd(a), buf, 4096, IbAccess.LOCAL_WRITE | IbAccess.REMOTE_WRITE);
        assertThat(gpu.memory().freePages()).as("the pin holds no device memory: the page migrated back").isEqualTo(2);
        byte[] data = {'D'};
        nic.postWrite(mr, 0, data);
        nic.processAll();
        assertThatProcess(a).as("the process sees the NIC's write").seesAt(buf, 1, dmaData(nic.name(), data));
        nic.deregMr(mr);
        mirror.close();
    }
}
