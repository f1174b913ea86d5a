package io.pinsim.runtime;

/**
 * /sys/kernel/mm/transparent_hugepage/enabled: where an anonymous page fault may map a 2 MiB
 * transparent huge page with one PMD entry (do_huge_pmd_anonymous_page(), mm/huge_memory.c).
 * Set per kernel with {@link Kernel.Builder#transparentHugepage}; {@link #NEVER} by default, so
 * that a scenario gets THPs only when it asks for them (distributions ship "always" or "madvise").
 */
public enum TransparentHugepage {
    /** "never": every fault maps small pages. */
    NEVER,
    /** "madvise": only VMAs advised with {@link Advice#HUGEPAGE} (VM_HUGEPAGE) get THPs. */
    MADVISE,
    /** "always": every private anonymous VMA gets THPs, unless advised {@link Advice#NOHUGEPAGE}. */
    ALWAYS
}
