package io.pinsim.runtime.model;

/**
 * What madvise(MADV_DONTNEED) does on a hugetlb mapping (mm/madvise.c). Until 5.17
 * can_madv_lru_vma() refused VM_HUGETLB like VM_LOCKED and VM_PFNMAP; 5.18 zaps whole huge pages.
 */
public enum HugetlbMadvDontneed implements Switch {
    /** EINVAL: can_madv_lru_vma() is false for VM_HUGETLB (madvise_dontneed_free_valid_vma() up to 5.17) */
    @Switch.Doc(behaviour = "EINVAL: can_madv_lru_vma() is false for VM_HUGETLB", source = "madvise_dontneed_free_valid_vma() up to 5.17")
    REFUSED,
    /** the start must be huge-page aligned (else EINVAL); the end is rounded down to a huge page; the huge pages in between are unmapped (a private folio is freed, a shared one stays in the page cache) (90e7e7f5ef3f mm: enable MADV_DONTNEED for hugetlb mappings, 5.18) */
    @Switch.Doc(behaviour = "the start must be huge-page aligned (else EINVAL); the end is rounded down to a huge page; the huge pages in between are unmapped (a private folio is freed, a shared one stays in the page cache)",
            source = "90e7e7f5ef3f mm: enable MADV_DONTNEED for hugetlb mappings, 5.18")
    ZAP_ALIGNED
}
