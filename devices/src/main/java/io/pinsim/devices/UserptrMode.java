package io.pinsim.devices;

/**
 * How a GPU driver holds the user memory behind a userptr buffer object
 * (DRM_IOCTL_AMDGPU_GEM_USERPTR, DRM_IOCTL_RADEON_GEM_USERPTR, DRM_IOCTL_I915_GEM_USERPTR).
 */
public enum UserptrMode {
    /**
     * get_user_pages() references, guarded by an mmu notifier that waits for the BO's fences: the
     * amdgpu of 4.19 (amdgpu_mn.c after ad7f0b6334, Christian König, 2018-06-05:
     * amdgpu_mn_invalidate_node() waits with reservation_object_wait_timeout_rcu(.., true, false,
     * MAX_SCHEDULE_TIMEOUT) and marks the pages accessed and dirty; the next command submission
     * sees amdgpu_ttm_tt_userptr_invalidated() and gets the pages again; a non-blockable range is
     * -EAGAIN, 93065ac753e4). Earlier amdgpu and radeon_mn.c also reserved the BO inside the
     * notifier and moved it to the CPU domain (ttm_bo_validate()): not modelled.
     */
    GUP_WITH_NOTIFIER,
    /**
     * hmm_range_fault() and an interval notifier with the sequence protocol, no page references
     * (amdgpu_hmm.c, 5.6 on: amdgpu_hmm_range_get_pages(), amdgpu_hmm_range_valid(),
     * amdgpu_hmm_invalidate_gfx() waiting on the reservation with dma_resv_wait_timeout()).
     */
    HMM,
    /**
     * get_user_pages() references and no notifier at all: a driver that only pins, the design the
     * 2018-2020 threads argue against; after fork and a COW the GPU writes a page the process no
     * longer maps.
     */
    GUP_WITHOUT_NOTIFIER
}
