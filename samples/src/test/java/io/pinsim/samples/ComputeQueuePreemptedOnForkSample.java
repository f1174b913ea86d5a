package io.pinsim.samples;

import static io.pinsim.dsl.Pinsim.dmaData;
import static io.pinsim.dsl.Pinsim.fill;
import static io.pinsim.dsl.PinsimAssertions.assertThatProcess;
import static org.assertj.core.api.Assertions.assertThat;

import io.pinsim.devices.AmdKfd;
import io.pinsim.devices.KfdDispatch;
import io.pinsim.devices.KfdQueue;
import io.pinsim.junit.PinsimModels;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MapFlags;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.Prot;

/**
 * The compute tier of Felix Kuehling's reply in the dma-fence thread: a user-mode queue cannot be
 * waited for, so an invalidation of a KFD userptr preempts the process's queues
 * (amdgpu_amdkfd_evict_userptr() -&gt; kgd2kfd_quiesce_mm()) and returns at once; the restore worker
 * gets the pages again with the sequence protocol and resumes the queues on the parent's new page.
 * amdgpu_amdkfd_evict_userptr() is in every modelled kernel (5ae0283e831a, before 4.19; 4.19 - 5.1
 * took page references in the restore worker, the model uses hmm_range_fault() throughout).
 */
@Sample(id = "compute-queue-preempted-on-fork", title = "KFD compute queue on a userptr, fork preempts it, the restore follows the parent",
        source = "amdgpu_amdkfd_evict_userptr(), kgd2kfd_quiesce_mm(), amdgpu_amdkfd_restore_userptr_worker() (5ae0283e831a); "
                + "Felix Kuehling, dma-fence lockdep thread, June 2020: compute preempts the queue",
        story = "A process gives a buffer to an AMD GPU as a KFD userptr (no pin, an interval notifier) and creates a user-mode compute "
                + "queue. It forks: the invalidation does not wait for any job, it preempts the process's queues and schedules the restore "
                + "worker. A dispatch written meanwhile waits in the ring. The parent writes its page (COW gives it a new one), the restore "
                + "worker re-reads the pages with hmm_range_fault(), checks the sequence and resumes the queue: the GPU writes the "
                + "parent's new page and the child keeps its data.")
class ComputeQueuePreemptedOnForkSample {
    @PinsimModels
    void theQueueIsPreemptedAndResumesOnTheParentsPage(Kernel kernel, AmdKfd gpu) {
        Process a = kernel.spawn("A");
        long buf = a.mmap(4096, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
        a.write(buf, new byte[] {'A'});
        gpu.allocUserptr(a, buf, 4096);
        KfdQueue queue = gpu.createQueue(a);
        Process child = a.fork();
        assertThat(queue.isActive()).as("fork's invalidation preempted the queue (kgd2kfd_quiesce_mm)").isFalse();
        byte[] dma = {'G'};
        KfdDispatch d = gpu.dispatchWrite(queue, buf, dma);
        assertThat(d.state()).as("an evicted queue runs nothing").isEqualTo(KfdDispatch.State.PENDING);
        a.write(buf, new byte[] {'P'});
        assertThat(gpu.restoreUserptrs(a)).as("the restore worker resumed the queues").isTrue();
        assertThat(d.state()).isEqualTo(KfdDispatch.State.DONE);
        assertThatProcess(a).as("the parent sees the GPU's write").seesAt(buf, 1, dmaData(gpu.name(), dma));
        assertThatProcess(child).as("the GPU never wrote the child's page").seesAt(buf, 1, fill('A'));
        assertThat(a.hasPinned()).as("nothing was pinned").isFalse();
        assertThat(kernel.lockdep().reports()).isEmpty();
    }
}
