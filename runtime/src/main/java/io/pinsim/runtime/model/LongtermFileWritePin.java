package io.pinsim.runtime.model;

/**
 * Whether a FOLL_LONGTERM|FOLL_WRITE pin of a shared mapping of a file that needs dirty tracking is allowed
 * (reference B13, S10).
 */
public enum LongtermFileWritePin implements Switch {
    /** the pin succeeds; writeback can clean the page while the device keeps writing it (Jan Kara, 2018) (mm/gup.c up to 6.4) */
    ALLOWED("the pin succeeds; writeback can clean the page while the device keeps writing it (Jan Kara, 2018)", "mm/gup.c up to 6.4"),
    /** check_vma_flags() -> writable_file_mapping_allowed(): -EFAULT unless the mapping needs no dirty tracking (anon, shmem, hugetlbfs) (8ac268436e6d + a6e79df92e4a mm/gup: disallow FOLL_LONGTERM GUP writing to file-backed mappings, 6.5) */
    REFUSED("check_vma_flags() -> writable_file_mapping_allowed(): -EFAULT unless the mapping needs no dirty tracking (anon, shmem, hugetlbfs)", "8ac268436e6d + a6e79df92e4a mm/gup: disallow FOLL_LONGTERM GUP writing to file-backed mappings, 6.5");

    private final String behaviour;
    private final String source;

    LongtermFileWritePin(String behaviour, String source) {
        this.behaviour = behaviour;
        this.source = source;
    }

    @Override
    public String behaviour() {
        return behaviour;
    }

    @Override
    public String source() {
        return source;
    }
}
