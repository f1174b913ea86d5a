package io.pinsim.runtime.internal.mm;

import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.trace.TraceKind;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * The deferred split queue of anonymous THPs, mm/huge_memory.c (9a982250f773, 4.5): a THP that
 * loses some of its mappings while others stay is not split at once but queued
 * (deferred_split_huge_page(), deferred_split_folio() from 6.2), and the shrinker
 * deferred_split_scan() splits the queued folios under memory pressure, which frees the subpages
 * nothing maps any more. Until then the whole folio stays allocated: munmap() of 511 pages of a THP
 * frees nothing.
 *
 * <ul>
 * <li>Queueing, page_remove_rmap() / folio_remove_rmap_ptes(): a PTE unmap queues the folio when
 * its subpage loses its last mapping, PMD mappings of the folio included, in every modelled kernel:
 * up to 6.1 __split_huge_pmd_locked() sets PG_double_map and adds one to every subpage's _mapcount
 * while another PMD still maps the folio (taken back by page_remove_anon_compound_rmap() when the last
 * PMD goes), so page_remove_rmap()'s atomic_add_negative() cannot reach -1 then; from 6.2 the
 * folio's COMPOUND_MAPPED count does the same (4b51634cd16a, be5ef2d9b006). A PMD
 * unmap (page_remove_anon_compound_rmap()) queues it when its last PMD mapping goes and some, not
 * all, of its pages are still mapped by PTEs (f1fe80d4ae33, 5.4).</li>
 * <li>One queue per kernel, in queueing order (the model has one node); a folio is on it at most
 * once (list_empty(page_deferred_list())).</li>
 * <li>Freeing the folio takes it off the queue (free_transhuge_page() / folio_undo_large_rmappable()),
 * as does a successful split (split_huge_page_to_list()).</li>
 * <li>deferred_split_scan(): each queued folio, in order, unless its lock is held (trylock_page()),
 * is split with split_huge_page(), which fails while anything but its mappings references it
 * (can_split_huge_page() / can_split_folio(): a pin, a GUP reference); the folios that stay are
 * spliced back to the tail (list_splice_tail()). A pinned, partly unmapped THP keeps all 512
 * frames for as long as the pin lasts. Memory pressure runs it: Kernel.reclaim (shrink_node() runs
 * shrink_slab() after the LRU), a user page fault that finds memory full ({@link #allocUserPage},
 * direct reclaim), and Kernel.deferredSplitScan().</li>
 * </ul>
 *
 * <p>Departures: the model queues after the unmap's frames were freed, so a folio the unmap freed
 * is never seen on the queue (the kernel queues it and frees it moments later: nothing observable);
 * 4.19 also queued a folio whose last PMD mapping went while no page stayed mapped (before
 * f1fe80d4ae33): such a folio is freed at once unless something holds it, and then its split fails,
 * so only the queue's content differs, not memory. The shrinker scans the whole queue per run (the
 * kernel scans sc->nr_to_scan entries, 128 per batch).
 */
public final class DeferredSplit {
    private static final int NR = HugeMemory.HPAGE_PMD_NR;
    private final MmCore k;
    private final LinkedHashSet<Page> queue = new LinkedHashSet<>();

    DeferredSplit(MmCore k) {
        this.k = k;
    }

    /** An anonymous PMD-sized THP that is live: what the kernel may queue (not hugetlb, not the huge zero page). */
    private static boolean isAnonThp(Page h) {
        return h.isHead() && h.order() == HugeMemory.HPAGE_PMD_ORDER && h.isAnon() && !h.isHugetlb() && !HugeZeroPage.is(h) && !h.isFree();
    }

    /**
     * page_remove_rmap(page, compound = false) after the PTE mapping subpage p was removed (zap,
     * COW): queues p's THP if p lost its last mapping, a PMD mapping of the folio counting as one
     * (see the class comment). Call after the frames the operation freed were freed.
     */
    public void pteUnmapped(Page p, String why) {
        if (!p.isCompound() || p.isFree()) {
            return;
        }
        Page h = p.compoundHead();
        if (!isAnonThp(h) || queue.contains(h)) {
            return;
        }
        if (p.mapcount() == 0) {
            queue(h, "frame #" + p.pfn() + " lost its last mapping: " + why);
        }
    }

    /**
     * page_remove_rmap(head, compound = true) after a huge PMD mapping h was removed: queues h when
     * that was its last PMD mapping and some but not all of its pages are still mapped by PTEs
     * ("nr &amp;&amp; nr &lt; HPAGE_PMD_NR", f1fe80d4ae33).
     */
    void pmdUnmapped(Page h, String why) {
        if (!isAnonThp(h) || queue.contains(h) || h.entireMapcount() > 0) {
            return;
        }
        int mapped = 0;
        for (Page p : h.createdSubpages()) {
            mapped += p.mapcount() > 0 ? 1 : 0;
        }
        if (mapped > 0 && mapped < NR) {
            queue(h, "its last PMD mapping went while " + mapped + " of its pages stay mapped by PTEs: " + why);
        }
    }

    private void queue(Page h, String why) {
        queue.add(h);
        k.touch(h);
        trace(h, "THP #" + h.pfn() + " queued for deferred split (deferred_split_huge_page): " + why);
    }

    /** Takes the folio off the queue: it is freed (free_transhuge_page()) or split (split_huge_page_to_list()). */
    void remove(Page h) {
        queue.remove(h);
    }

    /** Whether the folio of head h is queued. */
    boolean contains(Page h) {
        return queue.contains(h);
    }

    /** The queued folios' heads, oldest first. */
    public List<Page> queued() {
        return new ArrayList<>(queue);
    }

    /**
     * deferred_split_scan(): tries to split every queued folio, in queue order; the ones that cannot
     * be split now (locked, or referenced beyond their mappings) go back to the tail. Returns the
     * number split.
     */
    public int scan() {
        if (queue.isEmpty()) {
            return 0;
        }
        List<Page> batch = new ArrayList<>(queue);
        queue.clear();
        List<Page> kept = new ArrayList<>();
        ThpReclaim thp = new ThpReclaim(k);
        int split = 0;
        for (Page h : batch) {
            if (h.isFree()) {
                continue;
            }
            if (k.pageLocks.owner(h.pfn()) != null) {
                trace(h, "THP #" + h.pfn() + " is locked (folio_trylock fails): stays queued (deferred_split_scan)");
                kept.add(h);
            } else if (thp.splitHugePage(h, "the deferred split shrinker (deferred_split_scan)")) {
                split++;
            } else {
                kept.add(h);
            }
        }
        // list_splice_tail(): what was queued during the scan stays ahead of the folios that could not be split
        List<Page> during = new ArrayList<>(queue);
        queue.clear();
        queue.addAll(during);
        queue.addAll(kept);
        return split;
    }

    /**
     * alloc_page(GFP_HIGHUSER_MOVABLE) for a user page in a fault: when memory is exhausted the
     * allocator's slow path reclaims directly (__alloc_pages_direct_reclaim() -&gt; try_to_free_pages()
     * -&gt; shrink_node() -&gt; shrink_slab()), which runs this shrinker, and tries again. The model's
     * direct reclaim is this shrinker alone: it scans no LRU ({@code Kernel.reclaim} does), so
     * without a THP it can split the fault still fails (VM_FAULT_OOM). Null when out of memory.
     */
    public Page allocUserPage(Content content) {
        Page f = k.allocFrame(content);
        if (f != null || queue.isEmpty()) {
            return f;
        }
        k.trace().record(k.currentActor() != null ? k.currentActor() : "kernel", TraceKind.RECLAIM, -1, -1,
                "out of memory: direct reclaim runs the shrinkers (__alloc_pages_direct_reclaim -> shrink_slab), the deferred split among them");
        return scan() > 0 ? k.allocFrame(content) : null;
    }

    /**
     * The queue's invariant for the folio of head h, or null if it holds: a queued folio is a live
     * anonymous THP, one of whose pages is mapped by nothing (a page that lost its last mapping is
     * never mapped again).
     */
    String check(Page h) {
        if (!queue.contains(h)) {
            return null;
        }
        if (!isAnonThp(h) || k.frame(h.pfn()) != h) {
            return "frame #" + h.pfn() + " is on the deferred split queue but is not a live anonymous THP"
                    + (h.isFree() ? " (freed without free_transhuge_page() taking it off)" : "");
        }
        int mapped = 0;
        for (Page p : h.createdSubpages()) {
            mapped += p.mapcount() > 0 ? 1 : 0;
        }
        if (mapped == NR) {
            return "THP #" + h.pfn() + " is on the deferred split queue but every one of its pages is mapped";
        }
        return null;
    }

    private void trace(Page h, String message) {
        k.trace().record(k.currentActor() != null ? k.currentActor() : "kernel", TraceKind.INFO, h.index << Kernel.PAGE_SHIFT, h.pfn(), message);
    }
}
