package io.pinsim.runtime.model;

/**
 * F_SEAL_FUTURE_WRITE (mm/memfd.c, ab3948f58ff8, 5.1): no new writes, but mappings that are
 * writable already stay writable. Whether F_ADD_SEALS knows it, and which filesystems' -&gt;mmap
 * refuse new shared writable mappings under it (seal_check_future_write()). 5.1 - 5.4 also cleared
 * VM_MAYWRITE on private mappings, which broke their COW (05d351102dbe, 5.5); no predefined model
 * is in that range, so that mechanism has no value here.
 */
public enum MemfdFutureWrite implements Switch {
    /** F_SEAL_FUTURE_WRITE is not in F_ALL_SEALS: F_ADD_SEALS with it is EINVAL (mm/memfd.c before 5.1) */
    @Switch.Doc(behaviour = "F_SEAL_FUTURE_WRITE is not in F_ALL_SEALS: F_ADD_SEALS with it is EINVAL", source = "mm/memfd.c before 5.1")
    UNKNOWN_SEAL,
    /** the seal refuses write() and hole punching (EPERM); shmem_mmap() refuses a new shared writable mapping (EPERM) and clears VM_MAYWRITE of a shared read-only one (mprotect(PROT_WRITE) is EACCES); hugetlbfs_file_mmap() does not look at it, so a hugetlbfs memfd still gets new shared writable mappings (ab3948f58ff8 mm/memfd: add an F_SEAL_FUTURE_WRITE seal to memfd, 5.1; 05d351102dbe, 5.5) */
    @Switch.Doc(behaviour = "the seal refuses write() and hole punching (EPERM); shmem_mmap() refuses a new shared writable mapping (EPERM) and clears VM_MAYWRITE of a shared read-only one (mprotect(PROT_WRITE) is EACCES); hugetlbfs_file_mmap() does not look at it, so a hugetlbfs memfd still gets new shared writable mappings",
            source = "ab3948f58ff8 mm/memfd: add an F_SEAL_FUTURE_WRITE seal to memfd, 5.1; 05d351102dbe, 5.5")
    SHMEM_MMAP_CHECK,
    /** as SHMEM_MMAP_CHECK, and hugetlbfs_file_mmap() checks the seal too (seal_check_future_write()) (22247efd822e mm/hugetlb: fix F_SEAL_FUTURE_WRITE, 5.13, in 5.10.y) */
    @Switch.Doc(behaviour = "as SHMEM_MMAP_CHECK, and hugetlbfs_file_mmap() checks the seal too (seal_check_future_write())",
            source = "22247efd822e mm/hugetlb: fix F_SEAL_FUTURE_WRITE, 5.13, in 5.10.y")
    SHMEM_AND_HUGETLBFS_MMAP_CHECK
}
