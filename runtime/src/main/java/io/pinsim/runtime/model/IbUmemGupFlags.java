package io.pinsim.runtime.model;

/**
 * The GUP flags ib_umem_get() pins an RDMA memory region with (drivers/infiniband/core/umem.c;
 * device-semantics §2.1).
 */
public enum IbUmemGupFlags implements Switch {
    /** every MR is pinned with FOLL_WRITE, read-only ones with FOLL_FORCE too, so COW is broken before the pin (ib_umem_get() up to 6.1) */
    @Switch.Doc(behaviour = "every MR is pinned with FOLL_WRITE, read-only ones with FOLL_FORCE too, so COW is broken before the pin", source = "ib_umem_get() up to 6.1")
    WRITE_FORCE_IF_READONLY,
    /** FOLL_LONGTERM, plus FOLL_WRITE only for writable MRs; R/O pins are reliable since 84209e87c696 (b40656aa7d55 RDMA/umem: remove FOLL_FORCE usage, 6.2) */
    @Switch.Doc(behaviour = "FOLL_LONGTERM, plus FOLL_WRITE only for writable MRs; R/O pins are reliable since 84209e87c696", source = "b40656aa7d55 RDMA/umem: remove FOLL_FORCE usage, 6.2")
    WRITE_IF_WRITABLE
}
