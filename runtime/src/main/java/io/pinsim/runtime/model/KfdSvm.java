package io.pinsim.runtime.model;

/**
 * Whether amdkfd has shared virtual memory (drivers/gpu/drm/amd/amdkfd/kfd_svm.c): the
 * {@code AMDKFD_IOC_SVM} ioctl that registers ranges of the process's address space with the GPU,
 * each with its own interval notifier, and the GPU retry faults ("XNACK") that
 * svm_range_restore_pages() services with hmm_range_fault(). Read by the devices' amdkfd model.
 */
public enum KfdSvm implements Switch {
    /**
     * No SVM: kfd_ioctl() has no AMDKFD_IOC_SVM and returns -EINVAL for it; a compute queue reaches
     * user memory only through userptr allocations, whose invalidation evicts the process's queues
     * (amdgpu_amdkfd_evict_userptr(), 5ae0283e831a, in 4.19)
     */
    @Switch.Doc(behaviour = "no AMDKFD_IOC_SVM (-EINVAL); the GPU reaches user memory only through userptr allocations that evict queues",
            source = "before 5.14")
    NO_SVM_IOCTL,
    /**
     * AMDKFD_IOC_SVM registers SVM ranges with an interval notifier each; with XNACK on, an
     * invalidation unmaps the range's GPU page-table entries (svm_range_unmap_from_gpus()) and the GPU
     * faults back through svm_range_restore_pages() -&gt; hmm_range_fault() ("drm/amdkfd: add svm
     * ioctl API" and "drm/amdkfd: page table restore through svm API", Philip Yang, 5.14)
     */
    @Switch.Doc(behaviour = "AMDKFD_IOC_SVM ranges with interval notifiers; invalidation unmaps GPU PTEs and the GPU retry-faults back through hmm_range_fault",
            source = "drm/amdkfd: add svm ioctl API; svm_range_restore_pages (Philip Yang), 5.14")
    SVM_RETRY_FAULTS
}
