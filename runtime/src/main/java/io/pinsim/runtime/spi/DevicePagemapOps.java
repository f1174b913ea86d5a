package io.pinsim.runtime.spi;

import io.pinsim.runtime.Frame;
import io.pinsim.runtime.Process;

/**
 * The driver side of a device-private dev_pagemap (struct dev_pagemap_ops, include/linux/memremap.h).
 */
@FunctionalInterface
public interface DevicePagemapOps {
    /**
     * pgmap->ops->migrate_to_ram(vmf): the CPU (or GUP) faulted on a device-private entry of this
     * device at {@code address} of {@code process}; the driver migrates the page back to system
     * memory, usually with {@link DevicePagemap#migrateToRam} (dmirror_devmem_fault()). Returns
     * false for VM_FAULT_SIGBUS.
     *
     * @param process the process that faulted
     * @param address the faulting address
     * @param page    the device page its entry refers to
     */
    boolean migrateToRam(Process process, long address, Frame page);

    /**
     * pgmap->ops->page_free(page): the last reference to one of the device's pages is gone (it
     * migrated back, or its last entry was zapped) and it returns to the device's free list; a
     * driver drops whatever of its own still points at it (test_hmm erases it from the mirror's
     * page table when it migrates a page back). Nothing by default.
     */
    default void pageFree(Frame page) {
    }
}
