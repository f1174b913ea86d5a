package io.pinsim.samples;

import static io.pinsim.dsl.Pinsim.fill;
import static io.pinsim.dsl.PinsimAssertions.assertThatProcess;
import static org.assertj.core.api.Assertions.assertThat;

import io.pinsim.devices.HmmMirror;
import io.pinsim.devices.HmmMirrorFile;
import io.pinsim.junit.PinsimModels;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MapFlags;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.Prot;

/**
 * hmm-tests.c's hmm_cow_in_device: the pages live in device-private memory when the process forks.
 * copy_nonpresent_pte() gives the child the same device-private entries and makes them read-only in
 * both; the parent's write faults, the device's migrate_to_ram brings each page back to system
 * memory (for both processes), and the write fault then copies it for the parent. The parent ends
 * with writable system pages, the child with the old data.
 */
@Sample(id = "device-private-fork-cow", title = "Pages in device-private memory, fork, the parent writes (hmm_cow_in_device)",
        source = "tools/testing/selftests/mm/hmm-tests.c hmm_cow_in_device; copy_nonpresent_pte() in mm/memory.c (5042db43cc26, 4.14)",
        story = "A process moves four pages to a device's private memory, then forks: both processes now hold read-only device-private "
                + "entries for the same device pages. The parent writes them: each write faults, the driver's migrate_to_ram brings the page "
                + "back, and COW gives the parent its own copy. The parent's page table shows plain writable pages; the child keeps the old data.")
class DevicePrivateForkCowSample {
    @PinsimModels
    void theParentGetsWritableSystemPagesAndTheChildTheOldData(Kernel kernel) {
        HmmMirror gpu = new HmmMirror(kernel, "hmm_dmirror0", 8);
        Process a = kernel.spawn("A");
        long buf = a.mmap(4 * 4096, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
        a.fill(buf, 4 * 4096, (byte) 'A');
        HmmMirrorFile mirror = gpu.open(a);
        assertThat(mirror.migrateToDevice(buf, 4).cpages()).isEqualTo(4);
        Process child = a.fork();
        assertThat(child.pteAt(buf)).as("fork shares the device-private entry, read-only").isEqualTo(a.pteAt(buf)).endsWith("RO");
        a.fill(buf, 4 * 4096, (byte) 'P');
        assertThat(mirror.snapshot(buf, 4)).as("the parent maps writable system pages (HMM_DMIRROR_PROT_WRITE)").containsOnly(HmmMirrorFile.PROT_WRITE);
        assertThatProcess(a).seesAt(buf, 4 * 4096, fill('P'));
        assertThatProcess(child).as("the child keeps the old data").seesAt(buf, 4 * 4096, fill('A'));
        mirror.close();
    }
}
