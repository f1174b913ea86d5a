package io.pinsim.runtime.model;

/**
 * Whether a FOLL_LONGTERM|FOLL_WRITE pin of a shared mapping of a file that needs dirty tracking is allowed
 * (reference B13, S10).
 */
public enum LongtermFileWritePin implements Switch {
    /** the pin succeeds; writeback can clean the page while the device keeps writing it (Jan Kara, 2018) (mm/gup.c up to 6.4) */
    @Switch.Doc(behaviour = "the pin succeeds; writeback can clean the page while the device keeps writing it (Jan Kara, 2018)", source = "mm/gup.c up to 6.4")
    ALLOWED,
    /** check_vma_flags() -> writable_file_mapping_allowed(): -EFAULT unless the mapping needs no dirty tracking (anon, shmem, hugetlbfs) (8ac268436e6d + a6e79df92e4a mm/gup: disallow FOLL_LONGTERM GUP writing to file-backed mappings, 6.5) */
    @Switch.Doc(behaviour = "check_vma_flags() -> writable_file_mapping_allowed(): -EFAULT unless the mapping needs no dirty tracking (anon, shmem, hugetlbfs)", source = "8ac268436e6d + a6e79df92e4a mm/gup: disallow FOLL_LONGTERM GUP writing to file-backed mappings, 6.5")
    REFUSED
}
