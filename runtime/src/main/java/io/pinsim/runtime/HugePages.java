package io.pinsim.runtime;

/**
 * A hugetlb pool's counters (the 2 MiB pool's as /proc/meminfo prints them; either size's as
 * /sys/kernel/mm/hugepages/hugepages-*kB/ does).
 *
 * @param total    HugePages_Total: the pool's size (nr_hugepages)
 * @param free     HugePages_Free: folios on the free list, reserved ones included
 * @param reserved HugePages_Rsvd: free folios promised to mappings (hugetlb_reserve_pages()) that
 *                 no fault has taken yet
 */
public record HugePages(long total, long free, long reserved) {
    /** The folios in use: total - free. */
    public long inUse() {
        return total - free;
    }
}
