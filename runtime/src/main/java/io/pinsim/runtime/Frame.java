package io.pinsim.runtime;

import java.util.List;

/**
 * A physical page frame (struct page / folio of order 0). Its content is stored compactly; its
 * refcount, mapcount and pincount are <em>derived</em> from the references that exist — the PTEs
 * found by reverse mapping, the swap cache, the page cache, and the GUP references and pins held on
 * it — so they cannot drift. A frame object stands for one allocation; when it is freed and the pfn
 * reused, a new object stands for the new allocation.
 */
public interface Frame {
    /** GUP_PIN_COUNTING_BIAS, include/linux/mm.h (3faa52c03f44, 5.7). */
    int GUP_PIN_COUNTING_BIAS = 1024;

    /** The page frame number. */
    long pfn();

    /** Whether this is the shared zero page. */
    boolean isZeroPage();

    /** Whether the frame has been freed (it is no longer part of any mapping, cache or pin). */
    boolean isFree();

    /** PageAnon: the frame is anonymous memory (not page cache, not the zero page). */
    boolean isAnon();

    /**
     * PageAnonExclusive (6c287605fd56, 5.19): the page is mapped by exactly one process and may be
     * written without a copy. Always false on models before that era, where the flag does not exist.
     */
    boolean isAnonExclusive();

    /** PG_dirty. */
    boolean isDirty();

    /** PagePrivate: buffer heads are attached (an ext4 page-cache page that reclaim has not stripped). */
    boolean hasBuffers();

    /** Whether this is an fs-DAX page: the file block itself. */
    boolean isDax();

    /**
     * Whether the frame belongs to a page cache (or is a DAX block) now. A page-cache page that
     * truncate removed while something still held it is an orphan: it has no mapping any more.
     */
    boolean isInPageCache();

    /** PageSwapCache: the frame is in the swap cache. */
    boolean isInSwapCache();

    /**
     * The number of page-table entries that map this frame, found by reverse mapping
     * (page_mapcount()): its PTEs, plus the PMD entries that map its THP whole.
     */
    int mapcount();

    /**
     * The number of FOLL_PIN pins (0 on models where a pin is a plain reference); for a subpage of
     * a THP, the pins on the whole folio (hpage_pinned_refcount, 47e29d32afba).
     */
    int pincount();

    /**
     * page_ref_count(): mappings + page cache + swap cache + GUP references + pins, each pin
     * counting {@link #GUP_PIN_COUNTING_BIAS} on models with pin accounting and 1 before. For a
     * subpage of a THP, the folio's count (page_count() reads the head): one per PMD or PTE mapping
     * of any subpage, one per reference or pin on any subpage.
     */
    int refcount();

    /**
     * page_maybe_dma_pinned(): for a small page refcount >= GUP_PIN_COUNTING_BIAS, with the false
     * positives the kernel accepts ("false is not fuzzy"); for a THP its exact pincount. Always
     * false without pin accounting.
     */
    boolean maybeDmaPinned();

    /** PageCompound(): whether the frame is part of a compound page (a 2 MiB THP). */
    boolean isCompound();

    /** compound_head(): the head page of the frame's compound page, or the frame itself. */
    Frame compoundHead();

    /** folio_nr_pages(): 512 for a THP, 1 for a small page. */
    int nrPages();

    /** The PMD mappings of the frame's THP (folio_entire_mapcount()); 0 for a small page. */
    int entireMapcount();

    /** Who holds GUP references or pins on this frame, oldest first, e.g. {@code PIN by rdma0 MR#1 (step 3)}. */
    List<String> holders();

    /** Reads bytes of the frame directly (as a device or the kernel would, not through a page table). */
    byte[] read(int offset, int length);

    /** The content in a few words: {@code zeros}, {@code 'A' x 4096}, or its first bytes. */
    String describeContent();

    /**
     * Whether this is a device's dummy page: the page a revoked long-term pin was redirected to under
     * {@link io.pinsim.runtime.model.TruncatePinnedPage#PROPOSAL_NOTIFY_THEN_DUMMY_PAGE}; never on a shipped kernel.
     */
    default boolean isDummyPage() {
        return false;
    }
}
