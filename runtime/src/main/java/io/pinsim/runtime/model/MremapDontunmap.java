package io.pinsim.runtime.model;

/**
 * Whether mremap() knows MREMAP_DONTUNMAP (move the pages, keep the old mapping, empty), and for
 * which mappings.
 */
public enum MremapDontunmap implements Switch {
    /** MREMAP_DONTUNMAP is an unknown flag: EINVAL (before 5.7) */
    @Switch.Doc(behaviour = "MREMAP_DONTUNMAP is an unknown flag: EINVAL", source = "before 5.7")
    UNSUPPORTED,
    /** MREMAP_DONTUNMAP moves the pages of a private anonymous mapping and leaves the old range mapped and empty; other mappings EINVAL (e346b3813067 mm/mremap: add MREMAP_DONTUNMAP to mremap(), 5.7) */
    @Switch.Doc(behaviour = "MREMAP_DONTUNMAP moves the pages of a private anonymous mapping and leaves the old range mapped and empty; other mappings EINVAL",
            source = "e346b3813067 mm/mremap: add MREMAP_DONTUNMAP to mremap(), 5.7")
    PRIVATE_ANON,
    /** MREMAP_DONTUNMAP works on any mapping but VM_DONTEXPAND/VM_PFNMAP ones; a file or shmem range refaults from its page cache (a4609387859f mm: extend MREMAP_DONTUNMAP to non-anonymous mappings, 5.13) */
    @Switch.Doc(behaviour = "MREMAP_DONTUNMAP works on any mapping but VM_DONTEXPAND/VM_PFNMAP ones; a file or shmem range refaults from its page cache",
            source = "a4609387859f mm: extend MREMAP_DONTUNMAP to non-anonymous mappings, 5.13")
    ANY_MAPPING
}
