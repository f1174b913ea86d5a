package io.pinsim.runtime.internal.mm;

import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.trace.KernelLog;
import io.pinsim.runtime.trace.TraceKind;
import java.util.ArrayDeque;

/**
 * The pool of 2 MiB hugetlb pages (struct hstate of order 9, mm/hugetlb.c): {@code nr_hugepages}
 * folios taken from memory when the kernel is built, as the sysctl or the {@code hugepages=} boot
 * parameter does (set_max_huge_pages(): as many as memory allows), and never given back to the page
 * allocator. The counters are /proc/meminfo's: HugePages_Total, HugePages_Free and HugePages_Rsvd
 * (resv_huge_pages: pages promised to mappings by hugetlb_reserve_pages() and not yet faulted in).
 *
 * <p>No surplus pages (nr_overcommit_hugepages is 0, the default), no per-node pools, no subpools
 * (hugetlbfs size= options), no cgroup charging, no demotion. 1 GiB pages are not modelled: the
 * model's page table has no PUD-level leaf entry, so a kernel built here has no 1 GiB hstate, and
 * MAP_HUGE_1GB fails as on a machine without one (EINVAL).
 */
public final class HugetlbPool {
    private final MmCore k;
    private long total;
    /** The free folios' head pfns: the hstate's free list, LIFO as dequeue_hugetlb_folio_node_exact() takes them. */
    private final ArrayDeque<Long> free = new ArrayDeque<>();
    private long reserved;

    HugetlbPool(MmCore k, long requested) {
        this.k = k;
        long n = 0;
        for (; n < requested; n++) {
            long pfn = k.reservePfns(HugeMemory.HPAGE_PMD_NR);
            if (pfn < 0) {
                break;
            }
            free.push(pfn);
        }
        this.total = n;
        if (n < requested) {
            k.log().print(0, KernelLog.Level.WARN, "HugeTLB: allocating " + requested + " of page size 2.00 MiB failed.  Only allocated " + n + " hugepages.");
        }
    }

    /**
     * set_max_huge_pages(): grows the pool to {@code target} folios from free memory (as many as
     * fit) or shrinks it by giving free, unreserved folios back to the page allocator. Returns the
     * new size.
     */
    public long resize(long target) {
        long before = total;
        while (total < target) {
            long pfn = k.reservePfns(HugeMemory.HPAGE_PMD_NR);
            if (pfn < 0) {
                break;
            }
            free.push(pfn);
            total++;
        }
        while (total > target && free.size() > reserved) {
            k.releasePfns(free.pop(), HugeMemory.HPAGE_PMD_NR);
            total--;
        }
        k.trace().record("kernel", TraceKind.INFO, -1, -1, "nr_hugepages " + before + " -> " + total + (total != target ? " (asked for " + target + ")" : "") + ": " + this);
        return total;
    }

    /** HugePages_Total. */
    public long total() {
        return total;
    }

    /** HugePages_Free: the folios on the free list (reserved ones included, as the kernel counts). */
    public long free() {
        return free.size();
    }

    /** HugePages_Rsvd: resv_huge_pages. */
    public long reserved() {
        return reserved;
    }

    /** The folios in use: mapped, in a hugetlbfs page cache, or held by a reference. */
    long inUse() {
        return total - free.size();
    }

    /**
     * hugetlb_acct_memory(h, delta > 0): reserves delta free pages; false (the caller fails with
     * ENOMEM) if fewer than delta free pages are unreserved, as gather_surplus_pages() does with
     * no overcommit.
     */
    boolean reserve(long delta) {
        if (free.size() - reserved < delta) {
            return false;
        }
        reserved += delta;
        return true;
    }

    /** hugetlb_acct_memory(h, -delta): gives back reservations nothing consumed. */
    void unreserve(long delta) {
        if (delta > reserved) {
            throw new IllegalStateException("unreserving " + delta + " hugetlb pages, only " + reserved + " reserved");
        }
        reserved -= delta;
    }

    /**
     * alloc_hugetlb_folio(): a folio from the free list. With {@code useReserve} the caller consumes
     * one of its reservations (resv_huge_pages--); without, only an unreserved free page will do
     * (dequeue_hugetlb_folio_vma(): "A child process with MAP_PRIVATE mappings created by their
     * parent have no page reserves", and avoid_reserve). Null if none (the caller's -ENOSPC).
     */
    Page alloc(boolean useReserve, String actor, long address) {
        if (useReserve ? free.isEmpty() : free.size() - reserved <= 0) {
            k.trace().record(actor, TraceKind.INFO, address, -1, "no " + (useReserve ? "" : "unreserved ") + "free hugetlb page (HugePages_Free " + free.size()
                    + ", HugePages_Rsvd " + reserved + "): alloc_hugetlb_folio fails");
            return null;
        }
        if (useReserve) {
            reserved--;
        }
        long pfn = free.pop();
        Page h = new Page(k, pfn, new Content());
        h.makeHead(HugeMemory.HPAGE_PMD_ORDER);
        h.flags |= Page.HUGETLB;
        h.allocStep = k.trace().step();
        k.setFrame(h);
        return h;
    }

    /**
     * The hugetlbfs page-cache folio at {@code index} (a multiple of 512): found, or allocated -
     * consuming the inode's reservation there if a shared mapping made one, else an unreserved free
     * page - zeroed, marked dirty (hugetlb_add_to_page_cache()) and added. Null if the pool has none
     * (-ENOSPC). hugetlb_no_page()'s shared path and hugetlbfs_fallocate() share it.
     */
    public Page fileFolio(AddressSpace mapping, long index, String actor, long addr) {
        Page h = mapping.pages.get(index);
        if (h != null) {
            return h;
        }
        boolean resv = mapping.hugetlbResv != null && mapping.hugetlbResv.reserved.contains(index);
        h = alloc(resv, actor, addr);
        if (h == null) {
            return null;
        }
        if (resv) {
            mapping.hugetlbResv.reserved.remove(index);
        }
        h.mapping = mapping;
        h.index = index;
        h.flags |= Page.DIRTY;
        mapping.pages.put(index, h);
        return h;
    }

    /** Whether {@link #fileFolio} would find or get a folio at {@code index} (its reservation, or an unreserved free page). */
    public boolean hasFileFolio(AddressSpace mapping, long index) {
        boolean resv = mapping.hugetlbResv != null && mapping.hugetlbResv.reserved.contains(index);
        return mapping.pages.containsKey(index) || (resv ? !free.isEmpty() : free.size() - reserved > 0);
    }

    /** free_huge_folio(): the folio goes back on the free list; its frames stay the pool's. */
    void release(Page h) {
        free.push(h.pfn());
        k.trace().record(k.currentActor() != null ? k.currentActor() : "kernel", TraceKind.INFO, -1, h.pfn(), "hugetlb folio #" + h.pfn()
                + " back on the pool's free list (free_huge_folio): " + free.size() + " of " + total + " free");
    }

    /** Whether the pool's counters add up: free + in use == total, reserved <= free. */
    String check(long liveFolios) {
        if (liveFolios + free.size() != total) {
            return "hugetlb pool: " + liveFolios + " folios in use + " + free.size() + " free != " + total + " (nr_hugepages)";
        }
        if (reserved > free.size() || reserved < 0) {
            return "hugetlb pool: " + reserved + " reserved but " + free.size() + " free (resv_huge_pages > free_huge_pages)";
        }
        return null;
    }

    @Override
    public String toString() {
        return "HugePages_Total " + total + ", HugePages_Free " + free.size() + ", HugePages_Rsvd " + reserved + ", Hugepagesize " + (HugeMemory.HPAGE_PMD_NR * Kernel.PAGE_SIZE >> 10) + " kB";
    }
}
