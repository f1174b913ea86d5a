package io.pinsim.runtime.model;

/**
 * Which memory io_uring buffer registration (IORING_REGISTER_BUFFERS) refuses (device-semantics §8.1;
 * read in 5.10.13 fs/io_uring.c and 6.1 io_uring/rsrc.c).
 */
public enum IoUringBufferCheck implements Switch {
    /** io_uring does not exist: io_uring_setup() is ENOSYS (before 5.1) */
    @Switch.Doc(behaviour = "io_uring does not exist: io_uring_setup() is ENOSYS", source = "before 5.1")
    NO_IO_URING,
    /** after pin_user_pages(FOLL_WRITE|FOLL_LONGTERM), any file-backed VMA (shmem and MAP_PRIVATE files included) but hugetlbfs: -EOPNOTSUPP (io_sqe_buffer_register(), 5.1 - 5.13) */
    @Switch.Doc(behaviour = "after pin_user_pages(FOLL_WRITE|FOLL_LONGTERM), any file-backed VMA (shmem and MAP_PRIVATE files included) but hugetlbfs: -EOPNOTSUPP", source = "io_sqe_buffer_register(), 5.1 - 5.13")
    ANY_FILE_REFUSED,
    /** as before, but shmem and memfd are allowed (40dad765c045 io_uring: enable shmem/memfd memory registration, 5.14) */
    @Switch.Doc(behaviour = "as before, but shmem and memfd are allowed", source = "40dad765c045 io_uring: enable shmem/memfd memory registration, 5.14")
    NON_SHMEM_FILE_REFUSED,
    /** no check of its own: GUP refuses long-term write pins of dirty-tracked shared file mappings (-EFAULT); MAP_PRIVATE files and shmem are allowed (34ed8d0dcd69 io_uring: rsrc: delegate VMA file-backed check to GUP, 6.5) */
    @Switch.Doc(behaviour = "no check of its own: GUP refuses long-term write pins of dirty-tracked shared file mappings (-EFAULT); MAP_PRIVATE files and shmem are allowed", source = "34ed8d0dcd69 io_uring: rsrc: delegate VMA file-backed check to GUP, 6.5")
    GUP_DECIDES
}
