package io.pinsim.runtime.model;

/**
 * memfd_create()'s MFD_EXEC / MFD_NOEXEC_SEAL and the F_SEAL_EXEC seal (mm/memfd.c, 6.3:
 * 6fd7353829ca, 105ff5339f49, c4f75bc8bd6b), and where memfd_add_seals() adds the seals that
 * F_SEAL_EXEC implies on an executable memfd: after the F_SEAL_WRITE checks (mapping_deny_writable(),
 * memfd_wait_for_pins()) until 3b041514cb6e (May 2026, Fixes: c4f75bc8bd6b; in 6.6.y from June
 * 2026), so a writable mapping or a pin survives a write seal set that way. LINUX_6_6 stands for
 * 6.6.y before that backport, as its other switches do (see the README's model table).
 */
public enum MemfdExec implements Switch {
    /** MFD_EXEC and MFD_NOEXEC_SEAL are unknown memfd_create() flags and F_SEAL_EXEC an unknown seal: EINVAL (mm/memfd.c before 6.3) */
    @Switch.Doc(behaviour = "MFD_EXEC and MFD_NOEXEC_SEAL are unknown memfd_create() flags and F_SEAL_EXEC an unknown seal: EINVAL", source = "mm/memfd.c before 6.3")
    UNKNOWN_FLAGS,
    /** memfd_create() takes MFD_EXEC or MFD_NOEXEC_SEAL (both: EINVAL; neither: MFD_EXEC, vm.memfd_noexec = 0); MFD_NOEXEC_SEAL clears the exec bits and starts the memfd sealable with F_SEAL_EXEC; F_SEAL_EXEC on an executable memfd adds F_SEAL_SHRINK|GROW|WRITE|FUTURE_WRITE after the F_SEAL_WRITE checks, so writable mappings and pins survive it (105ff5339f49 mm/memfd: add MFD_NOEXEC_SEAL and MFD_EXEC, c4f75bc8bd6b, 6.3) */
    @Switch.Doc(behaviour = "memfd_create() takes MFD_EXEC or MFD_NOEXEC_SEAL (both: EINVAL; neither: MFD_EXEC, vm.memfd_noexec = 0); MFD_NOEXEC_SEAL clears the exec bits and starts the memfd sealable with F_SEAL_EXEC; F_SEAL_EXEC on an executable memfd adds F_SEAL_SHRINK|GROW|WRITE|FUTURE_WRITE after the F_SEAL_WRITE checks, so writable mappings and pins survive it",
            source = "105ff5339f49 mm/memfd: add MFD_NOEXEC_SEAL and MFD_EXEC, c4f75bc8bd6b, 6.3")
    IMPLIED_AFTER_WRITE_CHECKS,
    /** as IMPLIED_AFTER_WRITE_CHECKS, but the implied seals are added before the F_SEAL_WRITE checks: EBUSY with a writable shared mapping or a pinned page (3b041514cb6e memfd: deny writeable mappings when implying SEAL_WRITE, 2026) */
    @Switch.Doc(behaviour = "as IMPLIED_AFTER_WRITE_CHECKS, but the implied seals are added before the F_SEAL_WRITE checks: EBUSY with a writable shared mapping or a pinned page",
            source = "3b041514cb6e memfd: deny writeable mappings when implying SEAL_WRITE, 2026")
    IMPLIED_BEFORE_WRITE_CHECKS
}
