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
 * A device that mirrors the process's page table (HMM, lib/test_hmm.c's dmirror) instead of pinning
 * it: it reads a page through its mirror, the process forks and writes the page. fork's
 * MMU_NOTIFY_PROTECTION_PAGE invalidation erased the device's entry, so its next read faults the
 * page in again with hmm_range_fault() and finds the parent's new page. Mirroring follows the
 * parent across COW on every kernel, which a long-term pin cannot promise (see
 * rdma-mr-fork-parent-writes).
 */
@Sample(id = "hmm-mirror-fork-cow", title = "A mirroring (HMM) device reads, fork, the parent writes, the device reads again",
        source = "Documentation/mm/hmm.rst; lib/test_hmm.c and tools/testing/selftests/mm/hmm-tests.c (anon_write_child); the 2018 uacce thread (mmu notifiers vs pins)",
        story = "A device mirrors a process's page table through an interval notifier and hmm_range_fault(), without pinning. It reads a page, "
                + "the process forks and writes the page. fork's invalidation erased the device's entry, so the device faults the page in again "
                + "and reads the parent's new copy; the child keeps the old data.")
class HmmMirrorForkCowSample {
    @PinsimModels
    void theDeviceSeesTheParentsNewPage(Kernel kernel) {
        HmmMirror gpu = new HmmMirror(kernel, "hmm_dmirror0", 4);
        Process a = kernel.spawn("A");
        long buf = a.mmap(4096, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
        a.write(buf, new byte[] {'A'});
        HmmMirrorFile mirror = gpu.open(a);
        assertThat(mirror.read(buf, 1).data()[0]).as("the device reads the page through its mirror").isEqualTo((byte) 'A');
        Process child = a.fork();
        assertThat(mirror.pageTable().size()).as("fork's invalidation erased the device's entry").isZero();
        a.write(buf, new byte[] {'P'});
        assertThat(mirror.read(buf, 1).data()[0]).as("the device sees the parent's new page").isEqualTo((byte) 'P');
        assertThatProcess(child).as("the child keeps the old data").seesAt(buf, 1, fill('A'));
        mirror.close();
    }
}
