package io.pinsim.samples;

import static io.pinsim.dsl.Pinsim.dmaData;
import static io.pinsim.dsl.Pinsim.fill;
import static io.pinsim.dsl.PinsimAssertions.assertThatProcess;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pinsim.devices.AmdKfd;
import io.pinsim.devices.KfdQueue;
import io.pinsim.junit.PinsimModels;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MapFlags;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.Prot;
import io.pinsim.runtime.model.KfdSvm;

/**
 * The recoverable-fault tier: an SVM range with XNACK on. Fork's invalidation only clears the GPU
 * PTEs (svm_range_unmap_from_gpus()), the queue keeps running, and the GPU's next access is a retry
 * fault that svm_range_restore_pages() resolves with hmm_range_fault(): after the parent's COW the
 * GPU sees the parent's new page. SVM arrived in 5.14: on the older models AMDKFD_IOC_SVM does not
 * exist and the sample checks that it is refused.
 */
@Sample(id = "svm-recoverable-fault-after-cow", title = "KFD SVM with retry faults: after fork and COW the GPU sees the parent's new page",
        source = "kfd_svm.c: svm_range_cpu_invalidate_pagetables(), svm_range_unmap_from_gpus(), svm_range_restore_pages() "
                + "(Philip Yang, 5.14); Felix Kuehling, dma-fence lockdep thread, June 2020: recoverable page faults",
        story = "A process registers a buffer as an SVM range (AMDKFD_IOC_SVM, XNACK on) and a compute queue reads it: the GPU faults the page "
                + "in. The process forks: the invalidation clears the GPU PTE and stops nothing. The parent writes the page (COW); the GPU reads "
                + "again, takes a retry fault, and svm_range_restore_pages() maps the parent's new page; the GPU's write goes there and the "
                + "child keeps its data. Before 5.14 there is no AMDKFD_IOC_SVM: the ioctl is refused with EINVAL.")
class SvmRecoverableFaultAfterCowSample {
    @PinsimModels
    void theGpuFaultsBackToTheParentsNewPage(Kernel kernel, AmdKfd gpu) {
        Process a = kernel.spawn("A");
        long buf = a.mmap(4096, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
        a.write(buf, new byte[] {'A'});
        if (kernel.model().get(KfdSvm.class) == KfdSvm.NO_SVM_IOCTL) {
            assertThatThrownBy(() -> gpu.svmSetAttr(a, buf, 4096)).as("no AMDKFD_IOC_SVM before 5.14")
                    .isInstanceOf(ErrnoException.class).hasMessageContaining("EINVAL");
            return;
        }
        gpu.svmSetAttr(a, buf, 4096);
        KfdQueue queue = gpu.createQueue(a);
        assertThat(gpu.dispatchRead(queue, buf, 1).readData()).containsExactly('A');
        Process child = a.fork();
        assertThat(gpu.gpuFrameAt(a, buf)).as("fork cleared the GPU PTE (svm_range_unmap_from_gpus)").isNull();
        assertThat(queue.isActive()).as("with retry faults no queue is stopped").isTrue();
        a.write(buf, new byte[] {'B'});
        assertThat(gpu.dispatchRead(queue, buf, 1).readData()).as("the GPU sees the parent's new page").containsExactly('B');
        byte[] dma = {'G'};
        gpu.dispatchWrite(queue, buf, dma);
        assertThatProcess(a).as("the parent sees the GPU's write").seesAt(buf, 1, dmaData(gpu.name(), dma));
        assertThatProcess(child).as("the child keeps its data").seesAt(buf, 1, fill('A'));
        assertThat(kernel.lockdep().reports()).isEmpty();
    }
}
