package io.pinsim.runtime.model;

/**
 * What mremap() does with a hugetlb mapping, and whether do_mremap() looks the old address up
 * before anything else (mm/mremap.c). Both came with 550a7d60bd5e ("mm, hugepages: add mremap()
 * support for hugepage backed vma", 5.16), which added the early vma_lookup() to reach the hugetlb
 * checks and dropped the hugetlb refusal from vma_to_resize().
 */
public enum HugetlbMremap implements Switch {
    /** do_mremap() looks up no VMA first: a shrink unmaps the tail (an unmapped range too, which succeeds); a grow or move reaches vma_to_resize(), which refuses a hugetlb VMA with EINVAL after mremap_to() unmapped the target and the shrunk tail (vma_to_resize(): is_vm_hugetlb_page(), before 5.16) */
    @Switch.Doc(behaviour = "do_mremap() looks up no VMA first: a shrink unmaps the tail (an unmapped range too, which succeeds); a grow or move reaches vma_to_resize(), which refuses a hugetlb VMA with EINVAL after mremap_to() unmapped the target and the shrunk tail",
            source = "vma_to_resize(): is_vm_hugetlb_page(), before 5.16")
    REFUSED,
    /** do_mremap() looks the old address up first (EFAULT if unmapped); for a hugetlb VMA it rounds both lengths up to the VMA's huge page size, needs the old and new address huge-page aligned and refuses growth (EINVAL); a move moves the huge page-table entries (move_hugetlb_page_tables()) and the reservation map goes with the new VMA (clear_vma_resv_huge_pages()) (550a7d60bd5e mm, hugepages: add mremap() support for hugepage backed vma, 5.16) */
    @Switch.Doc(behaviour = "do_mremap() looks the old address up first (EFAULT if unmapped); for a hugetlb VMA it rounds both lengths up to the VMA's huge page size, needs the old and new address huge-page aligned and refuses growth (EINVAL); a move moves the huge page-table entries (move_hugetlb_page_tables()) and the reservation map goes with the new VMA (clear_vma_resv_huge_pages())",
            source = "550a7d60bd5e mm, hugepages: add mremap() support for hugepage backed vma, 5.16")
    ALIGNED_MOVE
}
