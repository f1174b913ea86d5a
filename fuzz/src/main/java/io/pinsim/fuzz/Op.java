package io.pinsim.fuzz;

/**
 * One operation of a fuzz sequence: a kind and abstract arguments. The arguments are resolved
 * against the world when the operation runs (an index picks a process, buffer or handle modulo how
 * many exist then; a missing handle makes the operation a no-op), so that any subsequence of a
 * sequence is itself a valid sequence: what delta debugging needs.
 *
 * @param kind what to do
 * @param a    first argument (usually a process index)
 * @param b    second argument (usually a buffer or handle index)
 * @param c    third argument (a page offset, a count, a choice)
 * @param d    fourth argument (flags, a length, a choice)
 */
public record Op(Kind kind, int a, int b, int c, int d) {

    /** The operations the fuzzer knows, over the public runtime API and the devices. */
    public enum Kind {
        SPAWN, MMAP_ANON, MMAP_FIXED, MMAP_FILE, MUNMAP, MPROTECT, MADVISE, WRITE, READ, FILL, FORK, EXIT, SPAWN_THREAD,
        GUP, UNPIN, DMA_WRITE, DMA_READ, VMSPLICE, PIPE_READ, RECLAIM, MIGRATE, OOM_KILL, CLEAR_REFS, RLIMIT,
        OPEN, FILE_PWRITE, FILE_PREAD, FILE_WRITE_USER, FILE_READ_USER, FSYNC, WRITEBACK, TRUNCATE, PUNCH_HOLE, FILE_CLOSE,
        DIO_START, DIO_COMPLETE, URING_SETUP, URING_REGISTER, URING_FIXED_IO, URING_UNREGISTER, URING_CLOSE,
        FORK_STEPS, GUP_FAST_STEPS, STEP,
        NIC_REG_MR, NIC_POST, NIC_DEREG, NIC_FORK_INIT, NIC_ADVISE, VFIO_MAP, VFIO_UNMAP, VFIO_DMA,
        FENCE_NEW, FENCE_SIGNAL, FENCE_WAIT, SIGNALLING_ALLOC, DRIVER_LOCK_ALLOC, RESV_FENCE,
        GPU_USERPTR, GPU_VRAM_BO, GPU_SUBMIT, GPU_COMPLETE, GPU_HANG, GPU_FREE_BO,
        SVA_OPEN, SVA_JOB, SVA_CLOSE,
        HMM_MIGRATE_TO_DEV, HMM_MIGRATE_TO_SYS, HMM_READ, HMM_WRITE, HMM_EXCLUSIVE, HMM_RELEASE,
        MREMAP,
        MEMFD_CREATE, MEMFD_FTRUNCATE,
        GUP_SLOW_STEPS, WRITE_FAULT_STEPS, MUNMAP_STEPS, MADVISE_STEPS, WRITEBACK_STEPS, RECLAIM_STEPS, TRUNCATE_STEPS, PUNCH_HOLE_STEPS,
        DIO_READ_STEPS, REG_MR_STEPS, ODP_ADVISE_STEPS,
        KFD_USERPTR, KFD_FREE, KFD_QUEUE, KFD_DISPATCH, KFD_RESTORE, KFD_SVM,
        THP_SETTING, THP_USE_ZERO_PAGE, DEFERRED_SPLIT_SCAN, MEMFD_FALLOCATE, MEMFD_SEAL
    }

    @Override
    public String toString() {
        return kind + "(" + a + ", " + b + ", " + c + ", " + d + ")";
    }
}
