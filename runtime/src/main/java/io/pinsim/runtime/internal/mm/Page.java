package io.pinsim.runtime.internal.mm;

import io.pinsim.runtime.Frame;
import java.util.ArrayList;
import java.util.List;

/**
 * A physical page frame (struct page / folio of order 0). Its content is stored compactly; its
 * refcount, mapcount and pincount are <em>derived</em> from the references that exist — the PTEs
 * found by reverse mapping, the swap cache, the page cache, and the GUP references and pins held on
 * it — so they cannot drift. A frame object stands for one allocation; when it is freed and the pfn
 * reused, a new object stands for the new allocation.
 *
 * <p>A compound page (a THP folio of order 9, 2 MiB) is a head page with 511 tail pages at the
 * following pfns; a tail's object is created when something first needs it ({@link #subpage}).
 * Counts follow the kernel's split between per-page and folio-level state: the mapcount is per
 * subpage (its PTE mappings plus the folio's PMD mappings, page_mapcount()); the refcount and the
 * pincount belong to the folio and read the same from every subpage (page_count() of a tail reads
 * the head); PageAnonExclusive is per subpage, but a PMD mapping keeps all of them equal, as the
 * kernel consults the head's flag while the folio is PMD-mapped and copies it to every subpage when
 * it splits the PMD (__split_huge_pmd_locked()).
 */
public final class Page extends Content implements io.pinsim.runtime.Frame {
    public static final int ANON = 1;
    /** PG_anon_exclusive; only {@link #isAnonExclusive()}, {@link #setAnonExclusive()} and {@link #clearAnonExclusive()} touch it. */
    private static final int ANON_EXCLUSIVE = 1 << 1;
    public static final int DIRTY = 1 << 2;
    static final int ZERO_PAGE = 1 << 3;
    static final int FREE = 1 << 4;
    /** PagePrivate: the page-cache page has buffer heads attached (ext4). */
    public static final int BUFFERS = 1 << 5;
    /** An fs-DAX page: the file's block itself (ZONE_DEVICE), mapped without a page-cache copy. */
    public static final int DAX = 1 << 6;
    /** PageHuge(): a folio of the hugetlb pool (folio_test_hugetlb()); freed back to the pool, never to the page allocator. */
    static final int HUGETLB = 1 << 7;
    /** is_huge_zero_page(): the head of the huge zero page (see {@link HugeZeroPage}). */
    static final int HUGE_ZERO = 1 << 8;

    /** GUP_PIN_COUNTING_BIAS, include/linux/mm.h (3faa52c03f44, 5.7). */
    public static final int GUP_PIN_COUNTING_BIAS = 1024;

    final MmCore kernel;
    final int pfn;
    public int flags;
    /** The anon_vma-like family whose mms may map this anonymous frame. */
    public AnonVma anonVma;
    /** The page cache (shmem or file) this frame belongs to, or null. */
    public AddressSpace mapping;
    /** The page's index: the virtual page number for anon frames, the file page index otherwise. */
    public long index;
    /** The swap slot whose swap cache holds this frame, or null. */
    SwapSpace.Slot swapSlot;
    /** GUP references and pins held on this frame, oldest first; null when there are none. */
    public List<GupRef> refs;
    /** PG flag of the model's own: the frame is on the current operation's touched list (DebugVm.touch), so it is checked once. */
    static final int TOUCHED = 1 << 30;
    /** The trace step that allocated the frame (for leak reports). */
    int allocStep;
    /**
     * The compound page this page belongs to, in one field so that a frame stays 64 bytes: a head's
     * subpages by index ({@code Page[]}, [0] the head, tails created on first use; its length is
     * the folio's size), or for a folio of more than 512 pages (a 1 GiB hugetlb folio) chunks of
     * 512 slots ({@code Page[][]}, a chunk allocated when one of its tails is first created, so the
     * cost follows the subpages touched: 2 KiB for the directory instead of a 1 MiB array); a
     * tail's head ({@code Page}); or null for a small page.
     */
    private Object compound;
    private static final int CHUNK_SHIFT = 9;
    private static final int CHUNK = 1 << CHUNK_SHIFT;

    Page(MmCore kernel, long pfn, Content content) {
        this.kernel = kernel;
        if (pfn != (int) pfn) {
            throw new IllegalArgumentException("pfn " + pfn + " is beyond the model's 2^31 frames");
        }
        this.pfn = (int) pfn;
        adopt(content);
    }

    /** The frame's bytes: the frame itself (struct page and its data are one object in the model). */
    public Content content() {
        return this;
    }

    /** Whether this page is part of a compound page (PageCompound()). */
    @Override
    public boolean isCompound() {
        return compound != null;
    }

    /** The order of a compound head (9 for a PMD-sized THP); 0 for a small page and for tails. */
    int order() {
        return compound instanceof Page[] sub ? Integer.numberOfTrailingZeros(sub.length)
                : compound instanceof Page[][] dir ? Integer.numberOfTrailingZeros(dir.length) + CHUNK_SHIFT : 0;
    }

    /** Makes this small page the head of a compound page of the given order (prep_compound_page()). */
    void makeHead(int order) {
        if (order > CHUNK_SHIFT) {
            Page[][] dir = new Page[1 << (order - CHUNK_SHIFT)][];
            dir[0] = new Page[CHUNK];
            dir[0][0] = this;
            compound = dir;
            return;
        }
        Page[] sub = new Page[1 << order];
        sub[0] = this;
        compound = sub;
    }

    /** A head's subpage slots as chunks (one for a folio of up to 512 pages; null entries are chunks with no tail yet), or null. */
    private Page[][] chunks() {
        return compound instanceof Page[] sub ? new Page[][] {sub} : compound instanceof Page[][] dir ? dir : null;
    }

    /** compound_head(): the head of a compound page, or this page. */
    @Override
    public Page compoundHead() {
        return compound instanceof Page h ? h : this;
    }

    /** Whether this is a compound page's head page (PageHead()). */
    public boolean isHead() {
        return compound instanceof Page[] || compound instanceof Page[][];
    }

    /** The number of small pages in this page's folio (folio_nr_pages()). */
    @Override
    public int nrPages() {
        return 1 << compoundHead().order();
    }

    /**
     * The subpage i of this compound head, created on first use with the head's anon state (it
     * shares the head's flags until a split makes them its own) and entered in the frame table.
     */
    public Page subpage(int i) {
        if (i == 0) {
            return this;
        }
        if (!isHead() || i < 0 || i >= 1 << order()) {
            throw new IllegalArgumentException("subpage " + i + " of frame #" + pfn + " (order " + order() + ")");
        }
        Page[] subpages = compound instanceof Page[] sub ? sub : null;
        int slot = i;
        if (subpages == null) {
            Page[][] dir = (Page[][]) compound;
            subpages = dir[i >>> CHUNK_SHIFT] != null ? dir[i >>> CHUNK_SHIFT] : (dir[i >>> CHUNK_SHIFT] = new Page[CHUNK]);
            slot = i & (CHUNK - 1);
        }
        Page t = subpages[slot];
        if (t == null) {
            t = new Page(kernel, pfn + i, new Content());
            t.compound = this;
            t.flags = flags & (ANON | ANON_EXCLUSIVE | DIRTY);
            t.anonVma = anonVma;
            t.mapping = mapping;
            t.index = index + i;
            t.allocStep = allocStep;
            subpages[slot] = t;
            kernel.setFrame(t);
        }
        return t;
    }

    /** __split_huge_page(): every subpage becomes a small page of its own, keeping its flags, index and data. */
    void splitToSmall() {
        int nr = 1 << order();
        for (int i = 1; i < nr; i++) {
            subpage(i).compound = null;
        }
        compound = null;
    }

    /** The subpages created so far, head first; for a small page, the page itself. */
    List<Page> createdSubpages() {
        Page[][] chunks = chunks();
        if (chunks == null) {
            return List.of(this);
        }
        List<Page> out = new ArrayList<>();
        for (Page[] chunk : chunks) {
            if (chunk != null) {
                java.util.Arrays.stream(chunk).filter(java.util.Objects::nonNull).forEach(out::add);
            }
        }
        return out;
    }

    /**
     * The folio's PMD mappings (compound_mapcount() / folio_entire_mapcount()): the mms whose PMD
     * entry at the folio's address maps it. 0 for a small page.
     */
    @Override
    public int entireMapcount() {
        Page h = compoundHead();
        return h.order() == 0 ? 0 : kernel.rmap().pmdMapcount(h);
    }

    /** The page frame number. */
    public long pfn() {
        return pfn;
    }

    /** The id of the frame with this pfn in step footprints: {@code frame:12}. */
    public static String objectId(long pfn) {
        return "frame:" + pfn;
    }

    @Override
    public boolean isZeroPage() {
        return (flags & ZERO_PAGE) != 0;
    }

    @Override
    public boolean isFree() {
        return (flags & FREE) != 0;
    }

    @Override
    public boolean isAnon() {
        return (flags & ANON) != 0;
    }

    /**
     * PageAnonExclusive(): the anonymous page is mapped by one mm only and may be reused on a write
     * fault without looking at its refcount (6c287605fd56, 5.19). Always false in a kernel without
     * the flag ({@link MmCore#anonExclusiveEra()}).
     */
    @Override
    public boolean isAnonExclusive() {
        return (flags & ANON_EXCLUSIVE) != 0 && kernel.anonExclusiveEra();
    }

    /**
     * SetPageAnonExclusive(): done where the kernel passes RMAP_EXCLUSIVE (a new anonymous page, a
     * reused or unshared one, a swap-in of an exclusive entry). A no-op in a kernel without the
     * flag, where the same call sites simply have nothing to record.
     */
    public void setAnonExclusive() {
        if (kernel.anonExclusiveEra()) {
            flags |= ANON_EXCLUSIVE;
        }
    }

    /**
     * ClearPageAnonExclusive(): the page becomes (possibly) shared: fork shares it, reclaim moves
     * the bit into the swap entry. A no-op in a kernel without the flag.
     */
    public void clearAnonExclusive() {
        if ((flags & ANON_EXCLUSIVE) != 0) {
            flags &= ~ANON_EXCLUSIVE;
            kernel.debug().lostExclusive(this);
        }
    }

    /** PageHuge() / folio_test_hugetlb(): a page of a hugetlb pool folio. */
    public boolean isHugetlb() {
        return (compoundHead().flags & HUGETLB) != 0;
    }

    @Override
    public boolean isDirty() {
        return (flags & DIRTY) != 0;
    }

    @Override
    public boolean hasBuffers() {
        return (flags & BUFFERS) != 0;
    }

    @Override
    public boolean isDax() {
        return (flags & DAX) != 0;
    }

    @Override
    public boolean isInPageCache() {
        return mapping != null;
    }

    @Override
    public boolean isInSwapCache() {
        return swapSlot != null;
    }

    /** The number of PTEs that map this frame, found by reverse mapping (page_mapcount()). */
    public int mapcount() {
        return kernel.rmap().mapcount(this);
    }

    /** The number of FOLL_PIN pins (0 on models where a pin is a plain reference). */
    public int pincount() {
        if (!kernel.pinsAreBiased()) {
            return 0;
        }
        if (isCompound()) {
            // hpage_pinned_refcount (47e29d32afba, 5.7), later folio->_pincount: exact, folio-wide.
            int n = 0;
            for (Page p : compoundHead().createdSubpages()) {
                n += p.countRefs(GupRef.Kind.PIN);
            }
            return n;
        }
        return countRefs(GupRef.Kind.PIN);
    }

    /**
     * page_ref_count(): mappings + page cache + swap cache + GUP references + pins, each pin
     * counting {@link #GUP_PIN_COUNTING_BIAS} on models with pin accounting and 1 before.
     */
    public int refcount() {
        if (isFree()) {
            return 0;
        }
        if (isCompound()) {
            return folioRefcount();
        }
        return mapcount() + nonMappingRefs();
    }

    /**
     * The folio's refcount: one per PMD mapping, one per PTE mapping of any subpage, and the
     * references held on any subpage; a pin counts 1 (GUP_PIN_COUNTING_BIAS is for small pages,
     * 47e29d32afba) and adds to the pincount instead on models with pin accounting.
     */
    private int folioRefcount() {
        Page h = compoundHead();
        return kernel.rmap().folioMappings(h) + h.folioRefs();
    }

    /** The references held on the folio's subpages (pins counting 1): no list, this runs once per put_page(). */
    private int folioRefs() {
        Page[][] chunks = chunks();
        if (chunks == null) {
            return ownRefs(1);
        }
        int r = 0;
        for (Page[] chunk : chunks) {
            for (int i = 0; chunk != null && i < chunk.length; i++) {
                Page p = chunk[i];
                if (p != null && (p.refs != null || p == this)) {
                    r += p.ownRefs(1);
                }
            }
        }
        return r;
    }

    /** The references that are not page-table mappings (of the whole folio for a compound page). */
    int nonMappingRefs() {
        if (isCompound()) {
            return compoundHead().folioRefs();
        }
        return ownRefs(kernel.pinsAreBiased() ? GUP_PIN_COUNTING_BIAS : 1);
    }

    /** The references held on this very page, each pin counting pinWeight. */
    private int ownRefs(int pinWeight) {
        int r = isZeroPage() ? 1 : 0;
        if (mapping != null && !(compound instanceof Page)) {
            // the page cache holds the folio once, by its head
            r++;
        }
        if (swapSlot != null) {
            r++;
        }
        if (refs != null) {
            for (GupRef g : refs) {
                r += g.kind() == GupRef.Kind.PIN ? pinWeight : 1;
            }
        }
        return r;
    }

    int countRefs(GupRef.Kind kind) {
        if (refs == null) {
            return 0;
        }
        int n = 0;
        for (GupRef g : refs) {
            if (g.kind() == kind) {
                n++;
            }
        }
        return n;
    }

    @Override
    public boolean isDummyPage() {
        return !isFree() && kernel.pinRevocation().dummyOf(this) != null;
    }

    @Override
    public boolean maybeDmaPinned() {
        return pageMaybeDmaPinned();
    }

    /**
     * page_maybe_dma_pinned() for a small page: refcount >= GUP_PIN_COUNTING_BIAS, with the false
     * positives the kernel accepts ("false is not fuzzy"). Always false without pin accounting.
     */
    public boolean pageMaybeDmaPinned() {
        if (!kernel.pinsAreBiased() || isFree()) {
            return false;
        }
        if (isCompound()) {
            // page_maybe_dma_pinned() of a compound page: the exact pincount (47e29d32afba).
            return pincount() > 0;
        }
        if (countRefs(GupRef.Kind.PIN) > 0) {
            return true;
        }
        int other = nonMappingRefs();
        if (other + kernel.rmap().mapcountUpperBound(this) < GUP_PIN_COUNTING_BIAS) {
            return false;
        }
        return refcount() >= GUP_PIN_COUNTING_BIAS;
    }

    @Override
    public List<String> holders() {
        List<String> out = new ArrayList<>();
        if (refs != null) {
            for (GupRef g : refs) {
                out.add(g.toString());
            }
        }
        return out;
    }

    @Override
    public byte[] read(int offset, int length) {
        MmCore.checkRange(offset, length);
        byte[] b = new byte[length];
        read(offset, b, 0, length);
        return b;
    }

    @Override
    public String describeContent() {
        return describe();
    }

    void addRef(GupRef ref) {
        if (refs == null) {
            refs = new ArrayList<>(2);
        }
        refs.add(ref);
    }

    boolean removeRef(GupRef ref) {
        if (refs == null || !refs.remove(ref)) {
            return false;
        }
        if (refs.isEmpty()) {
            refs = null;
        }
        return true;
    }

    @Override
    public String toString() {
        return PageText.describe(this);
    }

    /**
     * set_page_dirty() of any frame from outside the filesystem's write path: a page-cache page
     * through its filesystem ({@link AddressSpace.Host#setPageDirtyFromGup}), any other page by its flag.
     */
    public static void setPageDirty(Page f, String who) {
        if (f.mapping != null && f.mapping.inode != null) {
            f.mapping.inode.setPageDirtyFromGup(f, who);
        } else {
            f.flags |= Page.DIRTY;
        }
    }

    /**
     * The frame as mm sees it, checked to belong to this kernel.
     *
     * @throws NullPointerException     for null
     * @throws IllegalArgumentException for a frame of another kernel
     */
    public static Page of(io.pinsim.runtime.Frame frame, MmCore core) {
        java.util.Objects.requireNonNull(frame, "frame");
        if (!(frame instanceof Page p) || p.kernel != core) {
            throw new IllegalArgumentException("frame #" + frame.pfn() + " belongs to another kernel; use a frame of this kernel");
        }
        return p;
    }

    /** ": PIN by rdma0 (step 3)" — who holds the references beyond one mapping, for the trace. */
    String describeExtraRefs() {
        return PageText.extraRefs(this);
    }
}
