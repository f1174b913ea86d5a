package io.pinsim.runtime.internal.mm;

import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * A page table shaped like x86-64's four levels (arch/x86/include/asm/pgtable_64_types.h): a PGD of
 * 512 entries, each pointing to a PUD of 512, each to a PMD of 512, each to a leaf table of 512 PTEs
 * (PTRS_PER_PTE). A virtual page number is split into four 9-bit indices, so a lookup is four array
 * reads with no boxing and no search, whatever the number of tables. Tables are allocated when the
 * first PTE under them is set ({@code __pte_alloc()}, {@code __pmd_alloc()}, ...) and leaf tables
 * are dropped again by {@link #clearEmptyLeaves} ({@code free_pgtables()}); each upper table counts
 * its live children, each leaf its non-none PTEs, so walks skip empty subtrees. A mapping of any size
 * costs nothing until pages are touched.
 *
 * <p>Addresses are user addresses below TASK_SIZE (47 bits): 35 bits of virtual page number, which
 * the four levels cover (36 bits). A walk past the top of the address space stops there.
 */
public final class PageTable {
    static final int PTRS_PER_PTE = 512;
    private static final int SHIFT = 9;
    private static final int MASK = PTRS_PER_PTE - 1;
    /** The first virtual page number the four levels cannot hold. */
    private static final long LIMIT = 1L << (4 * SHIFT);

    /**
     * An upper-level table (PGD, PUD or PMD): its children and how many are allocated. Most upper
     * tables of a process have one child (user mappings cluster), so a table holds its first child
     * in a field and allocates its 512 slots only when a second index is used: a small process's
     * page table costs a leaf and three small objects, not three 2 KiB arrays.
     */
    private static final class Dir {
        private int soleIndex = -1;
        private Object sole;
        private Object[] slots;
        int live;

        Object get(int i) {
            return slots != null ? slots[i] : i == soleIndex ? sole : null;
        }

        void set(int i, Object child) {
            if (slots == null) {
                if (soleIndex == -1 || soleIndex == i) {
                    soleIndex = child == null ? -1 : i;
                    sole = child;
                    return;
                }
                slots = new Object[PTRS_PER_PTE];
                slots[soleIndex] = sole;
                sole = null;
            }
            slots[i] = child;
        }
    }

    /** A leaf table: 512 PTEs and how many are not none. */
    private static final class Leaf {
        final long[] ptes = new long[PTRS_PER_PTE];
        int used;
    }

    private final Dir pgd = new Dir();
    /**
     * PMD-level entries that map a 2 MiB compound page whole (pmd_trans_huge()), by PMD index (vpn
     * >>> 9): one entry, not 512. A PMD index has either a leaf table or a huge entry, never both.
     * Kept apart from the radix levels: most kernels have none, and then no lookup pays for them.
     */
    private final NavigableMap<Long, Long> pmds = new TreeMap<>();
    /**
     * PUD-level leaf entries (huge_pte at PUD level, {@link Pte#PUD}) that map a 1 GiB hugetlb folio
     * whole, by PUD index (vpn >>> 18): one entry, not 512 PMDs or 262,144 PTEs. A PUD index has
     * either such an entry or tables below it, never both.
     */
    private final NavigableMap<Long, Long> puds = new TreeMap<>();
    private static final int PUD_SHIFT = 2 * SHIFT;
    private static final long PUD_MASK = (1L << PUD_SHIFT) - 1;
    /** The PMD entry looked up last, for the 512 lookups of one THP's pages. */
    private long cachedPmdKey = -1;
    private long cachedPmd;
    /** Told of every PTE this table changes, for the invariant check of the operation; or null. */
    private final Observer observer;
    private long populated;
    /** The leaf looked up last (walks and rmap lookups of neighbouring pages hit it). */
    private long cachedKey = -1;
    private Leaf cachedLeaf;

    /** A page table that tells nobody of its changes. */
    public PageTable() {
        this(null);
    }

    /** A page table that tells {@code observer} of every PTE it changes (null: nobody). */
    PageTable(Observer observer) {
        this.observer = observer;
    }

    private Leaf leaf(long vpn) {
        long key = vpn >>> SHIFT;
        if (key == cachedKey) {
            return cachedLeaf;
        }
        if (vpn < 0 || vpn >= LIMIT) {
            return null;
        }
        Dir pud = (Dir) pgd.get((int) (vpn >>> (3 * SHIFT)) & MASK);
        if (pud == null) {
            return null;
        }
        Dir pmd = (Dir) pud.get((int) (vpn >>> (2 * SHIFT)) & MASK);
        if (pmd == null) {
            return null;
        }
        Leaf leaf = (Leaf) pmd.get((int) (vpn >>> SHIFT) & MASK);
        if (leaf != null) {
            cachedKey = key;
            cachedLeaf = leaf;
        }
        return leaf;
    }

    private Leaf allocLeaf(long vpn) {
        if (vpn < 0 || vpn >= LIMIT) {
            throw new IllegalArgumentException("virtual page " + Long.toHexString(vpn) + " is beyond the four-level page table");
        }
        Dir pud = child(pgd, (int) (vpn >>> (3 * SHIFT)) & MASK);
        Dir pmd = child(pud, (int) (vpn >>> (2 * SHIFT)) & MASK);
        int i = (int) (vpn >>> SHIFT) & MASK;
        Leaf leaf = (Leaf) pmd.get(i);
        if (leaf == null) {
            leaf = new Leaf();
            pmd.set(i, leaf);
            pmd.live++;
        }
        cachedKey = vpn >>> SHIFT;
        cachedLeaf = leaf;
        return leaf;
    }

    private static Dir child(Dir d, int i) {
        Dir c = (Dir) d.get(i);
        if (c == null) {
            c = new Dir();
            d.set(i, c);
            d.live++;
        }
        return c;
    }

    /**
     * The PTE for a virtual page number: none if no table holds it. Inside a PMD-mapped THP, the PMD
     * entry as the PTE of that subpage would read: its flags plus {@link Pte#HUGE}, the subpage's pfn
     * (what follow_trans_huge_pmd() and gup_huge_pmd() compute as pmd_page() + offset).
     */
    public long get(long vpn) {
        long key = vpn >>> SHIFT;
        if (key == cachedPmdKey) {
            return Pte.withPfn(cachedPmd, Pte.pfn(cachedPmd) + (vpn & MASK));
        }
        Leaf leaf = leaf(vpn);
        if (leaf == null && !pmds.isEmpty()) {
            Long pmd = pmds.get(key);
            if (pmd != null) {
                cachedPmdKey = key;
                cachedPmd = pmd;
                return Pte.withPfn(pmd, Pte.pfn(pmd) + (vpn & MASK));
            }
        }
        if (leaf == null && !puds.isEmpty()) {
            Long pud = puds.get(vpn >>> PUD_SHIFT);
            if (pud != null) {
                // follow_huge_pud() / gup_huge_pud(): pud_page() + the subpage's offset; cached per 2 MiB stretch
                cachedPmdKey = key;
                cachedPmd = Pte.withPfn(pud, Pte.pfn(pud) + (vpn & PUD_MASK & ~(long) MASK));
                return Pte.withPfn(pud, Pte.pfn(pud) + (vpn & PUD_MASK));
            }
        }
        return leaf == null ? Pte.NONE : leaf.ptes[(int) (vpn & MASK)];
    }

    /**
     * Sets the PTE for a virtual page number, allocating the tables above it when needed.
     *
     * @throws IllegalStateException if a PMD entry maps vpn: the kernel splits a huge PMD
     *                               (split_huge_pmd()) before it changes one of its pages
     */
    public void set(long vpn, long pte) {
        if (!pmds.isEmpty() && pmds.containsKey(vpn >>> SHIFT)) {
            throw new IllegalStateException("a PMD-mapped THP covers vpn 0x" + Long.toHexString(vpn) + ": split_huge_pmd() it before setting a PTE");
        }
        if (!puds.isEmpty() && puds.containsKey(vpn >>> PUD_SHIFT)) {
            throw new IllegalStateException("a PUD-mapped 1 GiB hugetlb folio covers vpn 0x" + Long.toHexString(vpn) + ": no PTE can be set under it");
        }
        Leaf leaf = leaf(vpn);
        if (leaf == null) {
            if (pte == Pte.NONE) {
                return;
            }
            leaf = allocLeaf(vpn);
        }
        int i = (int) (vpn & MASK);
        long old = leaf.ptes[i];
        if (old == pte) {
            return;
        }
        leaf.ptes[i] = pte;
        if (observer != null) {
            observer.changed(vpn);
        }
        if (old == Pte.NONE && pte != Pte.NONE) {
            populated++;
            leaf.used++;
        } else if (old != Pte.NONE && pte == Pte.NONE) {
            populated--;
            leaf.used--;
        }
    }

    /**
     * The huge leaf entry that maps vpn: the PMD entry of its 2 MiB range, or the PUD-level leaf of
     * its 1 GiB range (with {@link Pte#PUD}; {@link Pte#leafPages} tells its size); else {@link Pte#NONE}.
     */
    public long getPmd(long vpn) {
        if (!pmds.isEmpty()) {
            Long pmd = pmds.get(vpn >>> SHIFT);
            if (pmd != null) {
                return pmd;
            }
        }
        if (puds.isEmpty()) {
            return Pte.NONE;
        }
        Long pud = puds.get(vpn >>> PUD_SHIFT);
        return pud == null ? Pte.NONE : pud;
    }

    /**
     * Sets or clears (with {@link Pte#NONE}) the PMD entry of vpn's 2 MiB range; the observer hears
     * of it as a change of the range's first page.
     *
     * @throws IllegalStateException if a leaf table of PTEs still exists for the range (the kernel
     *                               installs a huge PMD only on pmd_none())
     */
    public void setPmd(long vpn, long pmd) {
        long key = vpn >>> SHIFT;
        cachedPmdKey = -1;
        if (pmd == Pte.NONE) {
            if (pmds.remove(key) != null && observer != null) {
                observer.changed(key << SHIFT);
            } else if (!puds.isEmpty() && puds.remove(vpn >>> PUD_SHIFT) != null && observer != null) {
                observer.changed(vpn & ~PUD_MASK);
            }
            return;
        }
        if ((pmd & Pte.PUD) != 0) {
            setPud(vpn, pmd);
            return;
        }
        if (!puds.isEmpty() && puds.containsKey(vpn >>> PUD_SHIFT)) {
            throw new IllegalStateException("vpn 0x" + Long.toHexString(vpn) + " is under a PUD-level leaf: a PMD entry needs pud_none()");
        }
        if (leaf(vpn) != null) {
            throw new IllegalStateException("vpn 0x" + Long.toHexString(vpn) + " has a PTE table: a huge PMD needs pmd_none()");
        }
        pmds.put(key, pmd | Pte.HUGE);
        if (observer != null) {
            observer.changed(key << SHIFT);
        }
    }

    /** A PUD-level leaf entry (set_huge_pte_at() at PUD level) for vpn's 1 GiB range; no table may exist below it. */
    private void setPud(long vpn, long pud) {
        long key = vpn >>> PUD_SHIFT;
        if (!puds.containsKey(key)) {
            long first = key << PUD_SHIFT;
            long last = first + PUD_MASK + 1;
            Long pmdKey = pmds.ceilingKey(first >>> SHIFT);
            if (pmdKey != null && pmdKey << SHIFT < last || nextPopulated(first, last) >= 0) {
                throw new IllegalStateException("vpn 0x" + Long.toHexString(vpn) + " has page tables below its PUD: a PUD-level leaf needs pud_none()");
            }
        }
        puds.put(key, pud | Pte.HUGE);
        if (observer != null) {
            observer.changed(key << PUD_SHIFT);
        }
    }

    /** Whether vpn's 2 MiB range has neither a leaf table nor a PMD entry nor a PUD-level leaf above it (pmd_none()). */
    public boolean pmdNone(long vpn) {
        return leaf(vpn) == null && !pmds.containsKey(vpn >>> SHIFT) && (puds.isEmpty() || !puds.containsKey(vpn >>> PUD_SHIFT));
    }

    /**
     * The first vpn of the first huge leaf entry (PMD or PUD level) that maps any page in [from,
     * end), or -1. A walk steps on by the entry's {@link Pte#leafPages}.
     */
    public long nextPmd(long from, long end) {
        if (pmds.isEmpty() && puds.isEmpty() || from >= end) {
            return -1;
        }
        Long key = pmds.isEmpty() ? null : pmds.ceilingKey(from >>> SHIFT);
        long pmd = key == null || key << SHIFT >= end ? -1 : key << SHIFT;
        Long pkey = puds.isEmpty() ? null : puds.ceilingKey(from >>> PUD_SHIFT);
        long pud = pkey == null || pkey << PUD_SHIFT >= end ? -1 : pkey << PUD_SHIFT;
        return pmd < 0 ? pud : pud < 0 ? pmd : Math.min(pmd, pud);
    }

    /** The number of PMD entries (PMD-mapped THPs and 2 MiB hugetlb folios). */
    public long pmdCount() {
        return pmds.size();
    }

    /** The number of PUD-level leaf entries (PUD-mapped 1 GiB hugetlb folios). */
    public long pudCount() {
        return puds.size();
    }

    /** The number of non-none PTEs (PMD entries are not PTEs: see {@link #pmdCount()}). */
    public long populated() {
        return populated;
    }

    /** Visits every non-none PTE in [startVpn, endVpn), in address order; PMD entries are not PTEs and are not visited. */
    public void forEach(long startVpn, long endVpn, PteVisitor visitor) {
        long vpn = nextPopulated(startVpn, endVpn);
        while (vpn >= 0) {
            Leaf leaf = leaf(vpn);
            long base = vpn & ~(long) MASK;
            int to = (int) Math.min(PTRS_PER_PTE, endVpn - base);
            // the visitor may clear PTEs of this leaf (zap): read each entry as it comes
            for (int i = (int) (vpn - base); i < to; i++) {
                long p = leaf.ptes[i];
                if (p != Pte.NONE) {
                    visitor.visit(base + i, p);
                }
            }
            if (base + PTRS_PER_PTE >= endVpn) {
                return;
            }
            vpn = nextPopulated(base + PTRS_PER_PTE, endVpn);
        }
    }

    /** The first vpn >= from with a non-none PTE, below end; or -1. PMD entries are not PTEs (see {@link #nextPmd}). */
    public long nextPopulated(long from, long end) {
        long stop = Math.min(end, LIMIT);
        long vpn = Math.max(from, 0);
        Leaf cached = leaf(vpn);
        if (cached != null) {
            long found = scanLeaf(cached, vpn, stop);
            if (found >= 0) {
                return found;
            }
            vpn = (vpn | MASK) + 1;
        }
        while (vpn < stop) {
            Dir pud = (Dir) pgd.get((int) (vpn >>> (3 * SHIFT)) & MASK);
            if (pud == null || pud.live == 0) {
                vpn = ((vpn >>> (3 * SHIFT)) + 1) << (3 * SHIFT);
                continue;
            }
            Dir pmd = (Dir) pud.get((int) (vpn >>> (2 * SHIFT)) & MASK);
            if (pmd == null || pmd.live == 0) {
                vpn = ((vpn >>> (2 * SHIFT)) + 1) << (2 * SHIFT);
                continue;
            }
            Leaf leaf = (Leaf) pmd.get((int) (vpn >>> SHIFT) & MASK);
            if (leaf != null && leaf.used > 0) {
                long found = scanLeaf(leaf, vpn, stop);
                if (found >= 0) {
                    cachedKey = vpn >>> SHIFT;
                    cachedLeaf = leaf;
                    return found;
                }
            }
            vpn = ((vpn >>> SHIFT) + 1) << SHIFT;
        }
        return -1;
    }

    private static long scanLeaf(Leaf leaf, long vpn, long stop) {
        if (leaf.used == 0) {
            return -1;
        }
        long base = vpn & ~(long) MASK;
        int to = (int) Math.min(PTRS_PER_PTE, stop - base);
        long[] ptes = leaf.ptes;
        for (int i = (int) (vpn - base); i < to; i++) {
            if (ptes[i] != Pte.NONE) {
                return base + i;
            }
        }
        return -1;
    }

    /** Drops the leaf tables in the range that no longer hold any PTE, and the emptied tables above them (free_pgtables()). */
    void clearEmptyLeaves(long startVpn, long endVpn) {
        long stop = Math.min(endVpn, LIMIT);
        for (long vpn = Math.max(startVpn, 0) & ~(long) MASK; vpn < stop; ) {
            int g = (int) (vpn >>> (3 * SHIFT)) & MASK;
            Dir pud = (Dir) pgd.get(g);
            if (pud == null) {
                vpn = ((vpn >>> (3 * SHIFT)) + 1) << (3 * SHIFT);
                continue;
            }
            int u = (int) (vpn >>> (2 * SHIFT)) & MASK;
            Dir pmd = (Dir) pud.get(u);
            if (pmd == null) {
                vpn = ((vpn >>> (2 * SHIFT)) + 1) << (2 * SHIFT);
                continue;
            }
            int m = (int) (vpn >>> SHIFT) & MASK;
            Leaf leaf = (Leaf) pmd.get(m);
            if (leaf != null && leaf.used == 0) {
                pmd.set(m, null);
                if (--pmd.live == 0) {
                    pud.set(u, null);
                    if (--pud.live == 0) {
                        pgd.set(g, null);
                        pgd.live--;
                    }
                }
            }
            vpn = ((vpn >>> SHIFT) + 1) << SHIFT;
        }
        cachedKey = -1;
        cachedLeaf = null;
    }

    /** Told of each PTE a table changes. */
    @FunctionalInterface
    interface Observer {
        /** The PTE of this virtual page number changed. */
        void changed(long vpn);
    }

    /** Visits one PTE of a walk. */
    @FunctionalInterface
    public interface PteVisitor {
        /** Called for a non-none PTE at a virtual page number. */
        void visit(long vpn, long pte);
    }
}
