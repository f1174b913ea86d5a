package io.pinsim.runtime.internal.mm;

import io.pinsim.runtime.trace.TraceKind;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * A struct dev_pagemap of type MEMORY_DEVICE_PRIVATE (memremap_pages(), mm/memremap.c): a fixed
 * number of device pages, the owner that hmm_range_fault() and migrate_vma compare
 * (pgmap->owner), and the driver's migrate_to_ram callback. The driver's allocator is a free list
 * (dmirror_devmem_alloc_page() takes from mdevice->free_pages); a freed page returns to it
 * (pgmap->ops->page_free, dmirror_devmem_free()).
 */
public final class DevicePool {
    /** pgmap->ops->migrate_to_ram(vmf): the driver migrates the faulting page back to system memory. */
    @FunctionalInterface
    public interface MigrateToRam {
        /** Returns false for VM_FAULT_SIGBUS (the driver could not migrate). */
        boolean migrateToRam(MmOwner process, long vpn, DevicePage page);

        /** pgmap->ops->page_free(): the page went back to the free list. */
        default void pageFree(DevicePage page) {
        }
    }

    private final MmCore k;
    private final String name;
    private final Object owner;
    private final List<DevicePage> pages = new ArrayList<>();
    private final Deque<DevicePage> freeList = new ArrayDeque<>();
    private final MigrateToRam ops;
    private int failAllocations;

    DevicePool(MmCore k, String name, Object owner, int nrPages, long firstPfn, MigrateToRam ops) {
        this.k = k;
        this.name = name;
        this.owner = owner;
        this.ops = ops;
        for (int i = 0; i < nrPages; i++) {
            DevicePage p = new DevicePage(this, firstPfn + i);
            pages.add(p);
            freeList.addLast(p);
        }
    }

    /** The device's name. */
    public String name() {
        return name;
    }

    /** pgmap->owner. */
    public Object owner() {
        return owner;
    }

    /** The pool's size in pages. */
    public int nrPages() {
        return pages.size();
    }

    /** The pages on the free list. */
    public int freePages() {
        return freeList.size();
    }

    /** Every page of the pool, in pfn order. */
    public List<DevicePage> pages() {
        return pages;
    }

    /** The driver's callback. */
    MigrateToRam ops() {
        return ops;
    }

    /** HMM_DMIRROR_FLAG_FAIL_ALLOC: the next {@code n} allocations fail (dmirror->flags). */
    public void failNextAllocations(int n) {
        failAllocations = n;
    }

    /** The driver's allocation of a device page (dmirror_devmem_alloc_page()); null if it fails. */
    DevicePage alloc() {
        if (failAllocations > 0) {
            failAllocations--;
            return null;
        }
        DevicePage p = freeList.pollFirst();
        if (p == null) {
            return null;
        }
        p.free = false;
        p.allocStep = k.trace().step();
        p.content.fill(0, io.pinsim.runtime.Kernel.PAGE_SIZE, (byte) 0);
        return p;
    }

    /** put_page() of a device page: at refcount 0 it goes back to the free list (page_free). */
    void maybeFree(DevicePage p) {
        if (!p.free && p.refcount() == 0) {
            p.free = true;
            p.anonVma = null;
            freeList.addLast(p);
            if (ops != null) {
                ops.pageFree(p);
            }
            k.trace().record(k.currentActor() != null ? k.currentActor() : name, TraceKind.INFO, p.index << io.pinsim.runtime.Kernel.PAGE_SHIFT, p.pfn(),
                    p + " returned to " + name + "'s free list (pgmap->ops->page_free)");
        }
    }

    @Override
    public String toString() {
        return "dev_pagemap of " + name + " (" + freeList.size() + "/" + pages.size() + " pages free)";
    }
}
