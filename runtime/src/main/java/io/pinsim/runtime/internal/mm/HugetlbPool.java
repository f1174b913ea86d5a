package io.pinsim.runtime.internal.mm;

import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.trace.KernelLog;
import io.pinsim.runtime.trace.TraceKind;
import java.util.ArrayDeque;

/**
 * One hugetlb pool (a struct hstate, mm/hugetlb.c): of 2 MiB pages (order 9, mapped by a PMD) or of
 * 1 GiB gigantic pages (order 18, mapped by a PUD-level leaf). {@code nr_hugepages} of that size
 * (/sys/kernel/mm/hugepages/hugepages-2048kB/ or -1048576kB/) are taken from memory when the kernel
 * is built, as the sysctl or the {@code hugepages=} boot parameter does (set_max_huge_pages(): as
 * many as memory allows), and never given back to the page allocator while in the pool. The
 * counters are the hstate's (/proc/meminfo's for the default size): HugePages_Total,
 * HugePages_Free and HugePages_Rsvd (resv_huge_pages: pages promised to mappings by
 * hugetlb_reserve_pages() and not yet faulted in).
 *
 * <p>Gigantic pages can be allocated at run time in every modelled kernel: 944d9fec8d7a (3.16)
 * allocates them with alloc_contig_range(), 080fe2068e1c (4.5) made that need
 * (CONFIG_MEMORY_ISOLATION and CONFIG_COMPACTION) or CONFIG_CMA; 4.19's mm/hugetlb.c has alloc_gigantic_page() -&gt;
 * __alloc_gigantic_page() -&gt; alloc_contig_range(), and arch/x86/include/asm/hugetlb.h's
 * gigantic_page_supported() is true under CONFIG_ARCH_HAS_GIGANTIC_PAGE (x86-64). The model
 * takes a 1 GiB-aligned run of free frames, as alloc_contig_range() would after migrating.
 *
 * <p>No surplus pages (nr_overcommit_hugepages is 0, the default), no per-node pools, no subpools
 * (hugetlbfs size= options), no cgroup charging, no demotion, no CMA area (hugetlb_cma=).
 */
public final class HugetlbPool {
    /** The default hstate's order (HPAGE_PMD_ORDER): 2 MiB pages. */
    public static final int ORDER_2M = HugeMemory.HPAGE_PMD_ORDER;
    /** The gigantic hstate's order (PUD_SHIFT - PAGE_SHIFT on x86-64): 1 GiB pages. */
    public static final int ORDER_1G = 18;
    private final MmCore k;
    /** huge_page_order(h). */
    final int order;
    /** pages_per_huge_page(h). */
    final int nr;
    private long total;
    /** The free folios' head pfns: the hstate's free list, LIFO as dequeue_hugetlb_folio_node_exact() takes them. */
    private final ArrayDeque<Long> free = new ArrayDeque<>();
    private long reserved;

    /** The kernel's hstate of this order (size_to_hstate()): the 2 MiB or the 1 GiB pool. */
    public static HugetlbPool of(MmCore k, int order) {
        return order == ORDER_1G ? k.hugetlb1g : k.hugetlb;
    }

    HugetlbPool(MmCore k, int order, long requested) {
        this.k = k;
        this.order = order;
        this.nr = 1 << order;
        long n = 0;
        for (; n < requested; n++) {
            long pfn = k.reservePfns(nr);
            if (pfn < 0) {
                break;
            }
            free.push(pfn);
        }
        this.total = n;
        if (n < requested) {
            k.log().print(0, KernelLog.Level.WARN, "HugeTLB: allocating " + requested + " of page size " + sizeText() + " failed.  Only allocated " + n + " hugepages.");
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
            long pfn = k.reservePfns(nr);
            if (pfn < 0) {
                break;
            }
            free.push(pfn);
            total++;
        }
        while (total > target && free.size() > reserved) {
            k.releasePfns(free.pop(), nr);
            total--;
        }
        k.trace().record("kernel", TraceKind.INFO, -1, -1, "nr_hugepages (" + sizeText() + ") " + before + " -> " + total + (total != target ? " (asked for " + target + ")" : "") + ": " + this);
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
        h.makeHead(order);
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
            return "hugetlb pool of " + sizeText() + " pages: " + liveFolios + " folios in use + " + free.size() + " free != " + total + " (nr_hugepages)";
        }
        if (reserved > free.size() || reserved < 0) {
            return "hugetlb pool of " + sizeText() + " pages: " + reserved + " reserved but " + free.size() + " free (resv_huge_pages > free_huge_pages)";
        }
        return null;
    }

    @Override
    public String toString() {
        return "HugePages_Total " + total + ", HugePages_Free " + free.size() + ", HugePages_Rsvd " + reserved + ", Hugepagesize " + ((long) nr * Kernel.PAGE_SIZE >> 10) + " kB";
    }

    /** The page size in bytes (huge_page_size()). */
    public long size() {
        return (long) nr << Kernel.PAGE_SHIFT;
    }

    /** "2.00 MiB" or "1.00 GiB", as the kernel's messages print the page size. */
    String sizeText() {
        return order == ORDER_1G ? "1.00 GiB" : "2.00 MiB";
    }

    /** "2 MiB" or "1 GiB", for the model's messages. */
    public String shortSize() {
        return order == ORDER_1G ? "1 GiB" : "2 MiB";
    }
}
