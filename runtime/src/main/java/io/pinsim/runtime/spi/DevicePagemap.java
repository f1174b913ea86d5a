package io.pinsim.runtime.spi;

import io.pinsim.runtime.Frame;
import io.pinsim.runtime.Process;
import java.util.List;

/**
 * A device's private memory (ZONE_DEVICE, MEMORY_DEVICE_PRIVATE; memremap_pages(), mm/memremap.c)
 * and migrate_vma to and from it (mm/migrate_device.c). Created with
 * {@link DriverContext#memremapPages}. Device pages are not system memory: the CPU reaches them
 * only by faulting them back through the driver's {@link DevicePagemapOps#migrateToRam}.
 */
public interface DevicePagemap {
    /** pgmap->owner: what hmm_range_fault() and migrate_vma compare. */
    Object owner();

    /** The pool's size in pages. */
    int nrPages();

    /** The device pages not in use. */
    int freePages();

    /** Whether the frame is a device page of this pool. */
    boolean owns(Frame frame);

    /**
     * The device writes its own memory.
     *
     * @throws IllegalArgumentException for a frame not of this pool, or a range outside the page
     * @throws IllegalStateException    for a free device page
     */
    void write(Frame devicePage, int offset, byte[] data);

    /**
     * The device reads its own memory.
     *
     * @throws IllegalArgumentException for a frame not of this pool, or a range outside the page
     * @throws IllegalStateException    for a free device page
     */
    byte[] read(Frame devicePage, int offset, int length);

    /** HMM_DMIRROR_FLAG_FAIL_ALLOC: the driver's next {@code n} page allocations fail ({@code n} &gt;= 0). */
    void failNextAllocations(int n);

    /**
     * migrate_vma_setup(MIGRATE_VMA_SELECT_SYSTEM, pgmap_owner = owner), the driver's allocation and
     * copy, migrate_vma_pages() and migrate_vma_finalize(): each anonymous page of the range that
     * can move (not pinned, no extra reference; pte_none and the zero page become zeroed device
     * pages) is copied into a device page and its PTEs become device-private entries. Returns, per
     * page, the device page with whether its entry is writable (MIGRATE_PFN_WRITE), or
     * {@link HmmPfn#NONE} where the page stayed.
     *
     * @throws io.pinsim.runtime.ErrnoException EINVAL as migrate_vma_setup() (no pages, no VMA, a
     *         range past the VMA, DAX)
     */
    List<HmmPfn> migrateToDevice(Process process, long address, int nrPages);

    /**
     * migrate_vma with MIGRATE_VMA_SELECT_DEVICE_PRIVATE and this owner: each of this device's
     * pages in the range is copied to a new system page and every entry that refers to it (the
     * parent's and a forked child's) maps the copy. Returns the number of pages migrated.
     *
     * @throws io.pinsim.runtime.ErrnoException EINVAL as migrate_vma_setup()
     */
    int migrateToRam(Process process, long address, int nrPages);

    /**
     * Evicts the whole pool (migrate_device_range() over the pgmap's pfns, 6.1+; before it a driver
     * faulted each page back): every page in use migrates back to a new system page, whichever
     * process maps it. Returns the number of pages evicted.
     */
    int evict();
}
