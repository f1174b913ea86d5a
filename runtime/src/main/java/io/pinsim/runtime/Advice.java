package io.pinsim.runtime;

/** The madvise() advice the model knows, with the kernel's values (include/uapi/asm-generic/mman-common.h). */
public enum Advice {
    /** MADV_DONTNEED: zap the range; the next access sees zeros (anonymous) or the page cache (shared). */
    DONTNEED(4),
    /** MADV_DONTFORK: VM_DONTCOPY, the range does not exist in a forked child. */
    DONTFORK(10),
    /** MADV_DOFORK: clear VM_DONTCOPY (EINVAL on VM_IO). */
    DOFORK(11),
    /** MADV_HUGEPAGE (2.6.38): VM_HUGEPAGE, the range may get THPs under {@link TransparentHugepage#MADVISE} too (hugepage_madvise()). */
    HUGEPAGE(14),
    /** MADV_NOHUGEPAGE: VM_NOHUGEPAGE, the range gets no THPs (hugepage_madvise()); mapped THPs stay. */
    NOHUGEPAGE(15),
    /** MADV_WIPEONFORK (4.14): a forked child gets the range empty; private anonymous only. */
    WIPEONFORK(18),
    /** MADV_KEEPONFORK: clear VM_WIPEONFORK. */
    KEEPONFORK(19),
    /** MADV_PAGEOUT (5.4): reclaim the pages mapped only by this process. */
    PAGEOUT(21),
    /** MADV_POPULATE_READ (5.14): fault the range in as reads would. */
    POPULATE_READ(22),
    /** MADV_POPULATE_WRITE (5.14): fault the range in as writes would. */
    POPULATE_WRITE(23),
    /**
     * MADV_COLLAPSE (6.1): collapse each aligned 2 MiB of the range into a new PMD-mapped THP, even
     * under "never"; EAGAIN when a page is pinned or otherwise referenced, EINVAL when the range
     * cannot be collapsed (no writable PTE, not private anonymous memory, MADV_NOHUGEPAGE).
     */
    COLLAPSE(25);

    private final int value;

    Advice(int value) {
        this.value = value;
    }

    /** The MADV_* number. */
    public int value() {
        return value;
    }

    /** The kernel's name, e.g. {@code MADV_DONTFORK}. */
    public String kernelName() {
        return "MADV_" + name();
    }
}
