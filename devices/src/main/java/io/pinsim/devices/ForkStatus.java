package io.pinsim.devices;

/** enum ibv_fork_status of rdma-core's libibverbs. */
public enum ForkStatus {
    /** ibv_fork_init() was not called: no MADV_DONTFORK. */
    DISABLED,
    /** ibv_fork_init() enabled MADV_DONTFORK on every registered range. */
    ENABLED,
    /** The kernel copies pinned pages at fork (RDMA_NLDEV_SYS_ATTR_COPY_ON_FORK): no MADV_DONTFORK needed. */
    UNNEEDED
}
