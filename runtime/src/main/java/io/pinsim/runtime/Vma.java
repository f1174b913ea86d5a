package io.pinsim.runtime;

/**
 * A virtual memory area (struct vm_area_struct): a page-aligned range of one process's address
 * space with its protection and flags, anonymous or backed by a page cache (shmem for shared
 * anonymous memory). Read-only for users; the kernel changes it through syscalls.
 */
public interface Vma {
    /** The first address. */
    long start();

    /** The address after the last byte. */
    long end();

    /** @return {@code end() - start()} */
    long length();

    /** PROT_* bits of the current protection. */
    int prot();

    /** MAP_SHARED (VM_SHARED). */
    boolean isShared();

    /** Private anonymous memory: no page cache behind it (vma_is_anonymous()), so an untouched page reads as zeros. */
    boolean isAnonymous();

    /** VM_DONTCOPY, set by MADV_DONTFORK: the VMA does not exist in a forked child. */
    boolean isDontCopy();

    /** VM_WIPEONFORK, set by MADV_WIPEONFORK: a forked child gets the range empty. */
    boolean isWipeOnFork();

    /** is_cow_mapping(): {@code (flags & (VM_SHARED | VM_MAYWRITE)) == VM_MAYWRITE}. */
    boolean isCowMapping();
}
