package io.pinsim.runtime.internal.mm;

import io.pinsim.runtime.Leak;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * ZONE_DEVICE private memory of a kernel (mm/memremap.c): the pools memremap_pages() created, one
 * per device, with pfns of their own above system memory. Device pages are not system memory:
 * they never count in {@link MmCore#usedFrames()}, and the leak check looks at them separately.
 */
public final class DeviceMemory {
    private final MmCore k;
    private final List<DevicePool> pools = new ArrayList<>();
    private long nextPfn = DevicePage.PFN_BASE;

    DeviceMemory(MmCore k) {
        this.k = k;
    }

    /** memremap_pages() of a MEMORY_DEVICE_PRIVATE dev_pagemap of {@code nrPages} pages. */
    public DevicePool memremapPages(String device, Object owner, int nrPages, DevicePool.MigrateToRam ops) {
        DevicePool p = new DevicePool(k, device, owner, nrPages, nextPfn, ops);
        nextPfn += nrPages;
        pools.add(p);
        return p;
    }

    /** The device page with this pfn (pfn_swap_entry_to_page() of a device-private entry); null if none. */
    public DevicePage page(long pfn) {
        for (DevicePool p : pools) {
            List<DevicePage> pages = p.pages();
            if (!pages.isEmpty() && pfn >= pages.get(0).pfn() && pfn < pages.get(0).pfn() + pages.size()) {
                return pages.get((int) (pfn - pages.get(0).pfn()));
            }
        }
        return null;
    }

    /** Every pool, in creation order. */
    public List<DevicePool> pools() {
        return Collections.unmodifiableList(pools);
    }

    /** Adds the device pages that are allocated but that no entry refers to: page_free() never ran. */
    void leaks(List<Leak> out) {
        for (DevicePool p : pools) {
            for (DevicePage d : p.pages()) {
                if (!d.isFree() && d.refcount() == 0) {
                    out.add(new Leak(d.toString(), "allocated from " + p.name() + "'s pool but no device-private entry refers to it: page_free() never ran",
                            d.allocStep, ""));
                }
            }
        }
    }
}
