package io.pinsim.runtime.model;

/**
 * Whether the RDMA core tells user space that the kernel copies pinned pages at fork
 * (RDMA_NLDEV_SYS_ATTR_COPY_ON_FORK), which makes rdma-core's ibv_fork_init() skip MADV_DONTFORK.
 */
public enum RdmaCopyOnFork implements Switch {
    /** no such attribute: ibv_fork_init() enables MADV_DONTFORK on every registration (before 5.13) */
    @Switch.Doc(behaviour = "no such attribute: ibv_fork_init() enables MADV_DONTFORK on every registration", source = "before 5.13")
    NOT_REPORTED,
    /** copy-on-fork is reported: ibv_is_fork_initialized() is IBV_FORK_UNNEEDED and ibv_fork_init() does nothing (6cc9e215eb27 RDMA/nldev: Add copy-on-fork attribute to get sys command, 5.13) */
    @Switch.Doc(behaviour = "copy-on-fork is reported: ibv_is_fork_initialized() is IBV_FORK_UNNEEDED and ibv_fork_init() does nothing", source = "6cc9e215eb27 RDMA/nldev: Add copy-on-fork attribute to get sys command, 5.13",
            requires = @Switch.Requires(state = "early copy of pinned pages at fork", of = ForkPinned.class, anyOf = {"EARLY_COPY_ANY_PAGE", "EARLY_COPY_ANON_EXCLUSIVE", "PROPOSAL_COPY_GUP_PAGES"},
                    commit = "6cc9e215eb27", why = "the attribute reports that fork copies pinned pages (70e806e4e645), and rdma-core then stops using MADV_DONTFORK"))
    REPORTED
}
