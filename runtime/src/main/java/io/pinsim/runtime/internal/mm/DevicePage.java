package io.pinsim.runtime.internal.mm;

import java.util.List;

/**
 * A device-private page (ZONE_DEVICE, MEMORY_DEVICE_PRIVATE; 5042db43cc26 "mm/ZONE_DEVICE: new
 * type of ZONE_DEVICE for unaddressable memory", 4.14): a struct page for memory on the device that
 * the CPU cannot address. The CPU page table refers to it only through device-private swap entries;
 * its refcount is the number of those entries (found like an anonymous page's mappings: its anon_vma
 * family at its index) and when it drops to zero the page goes back to its pool
 * (free_zone_device_page() -> pgmap->ops->page_free()). Its pfn lies outside system memory: the
 * device's pool is not system memory.
 */
public final class DevicePage implements io.pinsim.runtime.Frame {
    /** Device pfns start here, far above any system frame, so that no pfn is both. */
    public static final long PFN_BASE = 1L << 40;

    private final DevicePool pool;
    private final long pfn;
    /** The device memory's bytes. */
    public final Content content = new Content();
    /** The anon_vma family of the page it replaced, while it is in use. */
    AnonVma anonVma;
    /** The virtual page it backs, while it is in use. */
    long index;
    boolean free = true;
    /** The trace step that allocated the page (for leak reports). */
    int allocStep;

    DevicePage(DevicePool pool, long pfn) {
        this.pool = pool;
        this.pfn = pfn;
    }

    /** The pool (dev_pagemap) the page belongs to. */
    public DevicePool pool() {
        return pool;
    }

    @Override
    public long pfn() {
        return pfn;
    }

    @Override
    public boolean isZeroPage() {
        return false;
    }

    @Override
    public boolean isFree() {
        return free;
    }

    /** A device-private page backs anonymous memory only (migrate_vma_pages() refuses a page with a mapping). */
    @Override
    public boolean isAnon() {
        return !free;
    }

    /** Device-private pages are never pinned, so the model never needs the flag on them. */
    @Override
    public boolean isAnonExclusive() {
        return false;
    }

    @Override
    public boolean isDirty() {
        return !free;
    }

    @Override
    public boolean hasBuffers() {
        return false;
    }

    @Override
    public boolean isDax() {
        return false;
    }

    @Override
    public boolean isInPageCache() {
        return false;
    }

    @Override
    public boolean isInSwapCache() {
        return false;
    }

    /** Device pages are base pages here (no device THP). */
    @Override
    public boolean isCompound() {
        return false;
    }

    /** A base page is its own head. */
    @Override
    public DevicePage compoundHead() {
        return this;
    }

    /** One page. */
    @Override
    public int nrPages() {
        return 1;
    }

    /** No PMD maps a device page. */
    @Override
    public int entireMapcount() {
        return 0;
    }

    /** The device-private entries that refer to the page. */
    @Override
    public int mapcount() {
        if (free || anonVma == null) {
            return 0;
        }
        int n = 0;
        for (Mm mm : anonVma.mms) {
            if (Rmap.devicePrivateVpn(mm, index, pfn) >= 0) {
                n++;
            }
        }
        return n;
    }

    /** GUP never holds a device-private page: it migrates the page back first. */
    @Override
    public int pincount() {
        return 0;
    }

    /** One reference per device-private entry. */
    @Override
    public int refcount() {
        return mapcount();
    }

    @Override
    public boolean maybeDmaPinned() {
        return false;
    }

    @Override
    public List<String> holders() {
        return List.of();
    }

    @Override
    public byte[] read(int offset, int length) {
        MmCore.checkRange(offset, length);
        byte[] b = new byte[length];
        content.read(offset, b, 0, length);
        return b;
    }

    @Override
    public String describeContent() {
        return content.describe();
    }

    @Override
    public String toString() {
        return "device page #" + (pfn - PFN_BASE) + " of " + pool.name() + (free ? " (free)" : " (device-private, refcount " + refcount() + ")");
    }
}
