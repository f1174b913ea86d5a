package io.pinsim.devices;

import static io.pinsim.devices.RdmaNicTest.PAGE;
import static io.pinsim.devices.RdmaNicTest.buffer;
import static io.pinsim.devices.RdmaNicTest.fill;
import static io.pinsim.devices.RdmaNicTest.kernel;
import static io.pinsim.devices.RdmaNicTest.seen;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Frame;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MapFlags;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.Prot;
import io.pinsim.runtime.trace.TraceKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * amdkfd: userptr allocations whose invalidation evicts the process's compute queues and a restore
 * worker that maps the new pages (amdgpu_amdkfd_gpuvm.c), and SVM ranges with retry faults (kfd_svm.c).
 */
class AmdKfdTest {
    // ------------------------------------------------------------ userptr + queues

    @ParameterizedTest(name = "{0}")
    @CsvSource({"LINUX_4_19", "LINUX_5_8", "LINUX_5_10", "LINUX_6_1", "LINUX_6_6"})
    void aUserptrIsMappedWithoutAPinAndTheQueueWritesTheProcessPage(String model) {
        Kernel k = kernel(model);
        AmdKfd gpu = new AmdKfd(k, "amdgpu0");
        Process a = k.spawn("A");
        long buf = buffer(a, 2, 'A');
        Frame before = a.frameAt(buf);
        int refs = before.refcount();
        KfdUserptr mem = gpu.allocUserptr(a, buf, 2L * PAGE);
        assertThat(gpu.gpuFrameAt(a, buf)).isSameAs(before);
        assertThat(before.refcount()).as("hmm_range_fault takes no reference").isEqualTo(refs);
        assertThat(a.pinnedVm()).isZero();
        assertThat(a.hasPinned()).isFalse();
        KfdQueue q = gpu.createQueue(a);
        KfdDispatch d = gpu.dispatchWrite(q, buf + PAGE, fill('G', 8));
        assertThat(d.state()).isEqualTo(KfdDispatch.State.DONE);
        assertThat(seen(a, buf + PAGE)).isEqualTo('G');
        assertThat(gpu.dispatchRead(q, buf, 4).readData()).containsExactly(fill('A', 4));
        gpu.freeUserptr(mem);
        assertThat(mem.isFreed()).isTrue();
        assertThat(gpu.gpuFrameAt(a, buf)).isNull();
        k.close();
    }

    /** The §4.8 "quiesce queues + delayed restore" column: fork evicts, waits for nothing, and the restore maps the parent's new page. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"LINUX_4_19", "LINUX_5_8", "LINUX_5_10", "LINUX_6_1", "LINUX_6_6"})
    void forkEvictsTheQueuesAndTheRestoreWorkerResumesThemOnTheParentsNewPage(String model) {
        Kernel k = kernel(model);
        AmdKfd gpu = new AmdKfd(k, "amdgpu0");
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        KfdUserptr mem = gpu.allocUserptr(a, buf, PAGE);
        KfdQueue q = gpu.createQueue(a);
        Process child = a.fork();
        assertThat(q.isActive()).as("kgd2kfd_quiesce_mm preempted the queue").isFalse();
        assertThat(mem.isValid()).isFalse();
        assertThat(k.trace().events(e -> e.message().contains("kgd2kfd_quiesce_mm(KFD_QUEUE_EVICTION_TRIGGER_USERPTR)"))).hasSize(1);
        KfdDispatch d = gpu.dispatchWrite(q, buf, fill('G', 1));
        assertThat(d.state()).as("an evicted queue runs nothing").isEqualTo(KfdDispatch.State.PENDING);
        assertThat(q.pending()).containsExactly(d);
        a.write(buf, fill('P', 1)); // COW: the parent gets its own page
        Frame parents = a.frameAt(buf);
        assertThat(gpu.gpuFrameAt(a, buf)).as("the stale entry stays until the restore; no queue can use it").isNotSameAs(parents);
        assertThat(gpu.restoreUserptrs(a)).isTrue();
        assertThat(q.isActive()).isTrue();
        assertThat(gpu.gpuFrameAt(a, buf)).isSameAs(parents);
        assertThat(d.state()).as("the resumed queue ran what waited in its ring").isEqualTo(KfdDispatch.State.DONE);
        assertThat(seen(a, buf)).isEqualTo('G');
        assertThat(seen(child, buf)).as("the GPU never wrote the child's page").isEqualTo('A');
        assertThat(k.lockdep().reports()).isEmpty();
        k.close();
    }

    /**
     * The restore worker's own write fault breaks COW, which invalidates the range again: mem->invalid
     * moved (update_invalid_user_pages()' cmpxchg), so the worker must not resume and reschedules; the
     * next run resumes on the new page.
     */
    @Test
    void aRestoreRacedByAnEvictionReschedulesInsteadOfResuming() {
        Kernel k = kernel("LINUX_6_6");
        AmdKfd gpu = new AmdKfd(k, "amdgpu0");
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        gpu.allocUserptr(a, buf, PAGE);
        KfdQueue q = gpu.createQueue(a);
        Process child = a.fork();
        Frame shared = a.frameAt(buf);
        assertThat(gpu.restoreUserptrs(a)).as("its hmm_range_fault broke COW: another eviction ran").isFalse();
        assertThat(q.isActive()).isFalse();
        assertThat(k.trace().events(e -> e.message().contains("was invalidated again while its pages were read; rescheduled"))).hasSize(1);
        assertThat(gpu.restoreUserptrs(a)).isTrue();
        assertThat(gpu.gpuFrameAt(a, buf)).isSameAs(a.frameAt(buf)).isNotSameAs(shared);
        gpu.dispatchWrite(q, buf, fill('G', 1));
        assertThat(seen(a, buf)).isEqualTo('G');
        assertThat(seen(child, buf)).isEqualTo('A');
        k.close();
    }

    @Test
    void onlyTheFirstEvictionQuiescesAndARestoreWithNothingEvictedChangesNothing() {
        Kernel k = kernel("LINUX_6_6");
        AmdKfd gpu = new AmdKfd(k, "amdgpu0");
        Process a = k.spawn("A");
        long buf = buffer(a, 2, 'A');
        gpu.allocUserptr(a, buf, 2L * PAGE);
        KfdQueue q = gpu.createQueue(a);
        assertThat(gpu.restoreUserptrs(a)).isTrue();
        a.madvise(buf, PAGE, io.pinsim.runtime.Advice.DONTNEED);
        a.madvise(buf + PAGE, PAGE, io.pinsim.runtime.Advice.DONTNEED);
        assertThat(k.trace().events(e -> e.message().contains("kgd2kfd_quiesce_mm"))).hasSize(1);
        assertThat(k.trace().events(e -> e.message().contains("while evicted (evicted_bos 2)"))).hasSize(1);
        assertThat(q.isActive()).isFalse();
        assertThat(gpu.restoreUserptrs(a)).isTrue();
        assertThat(gpu.gpuFrameAt(a, buf)).isSameAs(a.frameAt(buf));
        k.close();
    }

    /** update_invalid_user_pages(): -EFAULT is success; the range stays unmapped and a GPU access VM-faults instead of stalling the queues. */
    @Test
    void aRestoreAfterMunmapResumesAndTheGpuAccessVmFaults() {
        Kernel k = kernel("LINUX_6_6");
        AmdKfd gpu = new AmdKfd(k, "amdgpu0");
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        gpu.allocUserptr(a, buf, PAGE);
        KfdQueue q = gpu.createQueue(a);
        a.munmap(buf, PAGE);
        assertThat(q.isActive()).isFalse();
        assertThat(gpu.restoreUserptrs(a)).isTrue();
        assertThat(gpu.gpuFrameAt(a, buf)).isNull();
        KfdDispatch d = gpu.dispatchWrite(q, buf, fill('G', 1));
        assertThat(d.state()).isEqualTo(KfdDispatch.State.VM_FAULT);
        assertThat(d.detail()).contains("GPU VM fault");
        k.close();
    }

    @Test
    void theOomReapersNonBlockableInvalidationIsRefused() {
        Kernel k = kernel("LINUX_6_6");
        AmdKfd gpu = new AmdKfd(k, "amdgpu0");
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        gpu.allocUserptr(a, buf, PAGE);
        assertThat(k.oomKill(a)).isFalse();
        assertThat(k.trace().events(e -> e.message().contains("refuses the non-blockable"))).hasSize(1);
        k.close();
    }

    @Test
    void badUserptrsChangeNothing() {
        Kernel k = kernel("LINUX_6_6");
        AmdKfd gpu = new AmdKfd(k, "amdgpu0");
        Process a = k.spawn("A");
        long ro = a.mmap(PAGE, Prot.READ, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
        assertThatThrownBy(() -> gpu.allocUserptr(a, ro, PAGE)).isInstanceOf(ErrnoException.class).hasMessageContaining("EFAULT");
        assertThatThrownBy(() -> gpu.allocUserptr(a, ro + 1, PAGE)).isInstanceOf(ErrnoException.class).hasMessageContaining("EINVAL");
        assertThat(k.trace().events(e -> e.kind() == TraceKind.NOTIFIER)).isEmpty();
        k.close();
    }

    // ------------------------------------------------------------ SVM

    /** svm_range_cpu_invalidate_pagetables() with XNACK on: fork clears the GPU PTE, the queue keeps running, the retry fault maps the parent's new page. */
    @Test
    void svmForkClearsTheGpuPteAndTheRetryFaultMapsTheParentsPageAfterCow() {
        Kernel k = kernel("LINUX_6_6");
        AmdKfd gpu = new AmdKfd(k, "amdgpu0");
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        gpu.svmSetAttr(a, buf, PAGE);
        assertThat(gpu.gpuFrameAt(a, buf)).as("SET_ATTR maps nothing").isNull();
        KfdQueue q = gpu.createQueue(a);
        assertThat(gpu.dispatchRead(q, buf, 1).readData()).containsExactly('A');
        assertThat(gpu.gpuFrameAt(a, buf)).isSameAs(a.frameAt(buf));
        Process child = a.fork();
        assertThat(gpu.gpuFrameAt(a, buf)).as("svm_range_unmap_from_gpus").isNull();
        assertThat(q.isActive()).as("XNACK on: no queue is stopped").isTrue();
        a.write(buf, fill('B', 1));
        assertThat(gpu.dispatchRead(q, buf, 1).readData()).as("the GPU sees the parent's new page").containsExactly('B');
        gpu.dispatchWrite(q, buf, fill('G', 1));
        assertThat(seen(a, buf)).isEqualTo('G');
        assertThat(seen(child, buf)).isEqualTo('A');
        assertThat(k.trace().events(e -> e.message().contains("svm_range_restore_pages"))).hasSize(2);
        assertThat(k.lockdep().reports()).isEmpty();
        k.close();
    }

    /** svm_range_validate_and_map() faults writable when the VMA is writable, so even a GPU read breaks COW for the parent. */
    @Test
    void svmAReadRetryFaultOnAWritableMappingBreaksCow() {
        Kernel k = kernel("LINUX_6_6");
        AmdKfd gpu = new AmdKfd(k, "amdgpu0");
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        gpu.svmSetAttr(a, buf, PAGE);
        Process child = a.fork();
        Frame shared = child.frameAt(buf);
        KfdQueue q = gpu.createQueue(a);
        gpu.dispatchRead(q, buf, 1);
        assertThat(gpu.gpuFrameAt(a, buf)).isSameAs(a.frameAt(buf)).isNotSameAs(shared);
        assertThat(a.isMappedWritable(buf)).isTrue();
        k.close();
    }

    @Test
    void svmAnUnregisteredAddressGetsARangeAndAForbiddenAccessVmFaults() {
        Kernel k = kernel("LINUX_6_6");
        AmdKfd gpu = new AmdKfd(k, "amdgpu0");
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        long ro = a.mmap(PAGE, Prot.READ, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
        KfdQueue q = gpu.createQueue(a);
        assertThat(gpu.dispatchRead(q, buf, 1).readData()).containsExactly('A');
        assertThat(k.trace().events(e -> e.message().contains("registered, nothing mapped"))).hasSize(1);
        KfdDispatch w = gpu.dispatchWrite(q, ro, fill('G', 1));
        assertThat(w.state()).isEqualTo(KfdDispatch.State.VM_FAULT);
        assertThat(w.detail()).contains("svm_fault_allowed", "-EPERM");
        a.munmap(buf, PAGE);
        assertThat(gpu.gpuFrameAt(a, buf)).isNull();
        assertThat(gpu.dispatchRead(q, buf, 1).detail()).contains("-EFAULT");
        k.close();
    }

    @Test
    void svmAndUserptrRangesMayNotOverlap() {
        Kernel k = kernel("LINUX_6_6");
        AmdKfd gpu = new AmdKfd(k, "amdgpu0");
        Process a = k.spawn("A");
        long buf = buffer(a, 2, 'A');
        gpu.allocUserptr(a, buf, PAGE);
        gpu.svmSetAttr(a, buf + PAGE, PAGE);
        assertThatThrownBy(() -> gpu.svmSetAttr(a, buf, 2L * PAGE)).isInstanceOf(ErrnoException.class).hasMessageContaining("EADDRINUSE");
        assertThatThrownBy(() -> gpu.allocUserptr(a, buf + PAGE, PAGE)).isInstanceOf(ErrnoException.class).hasMessageContaining("EADDRINUSE");
        gpu.svmSetAttr(a, buf + PAGE, PAGE);
        assertThat(k.trace().events(e -> e.message().contains("registered, nothing mapped"))).as("a registered part is kept").hasSize(1);
        k.close();
    }
}
