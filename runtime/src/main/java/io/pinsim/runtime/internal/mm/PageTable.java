package io.pinsim.runtime.internal.mm;

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

    /** An upper-level table (PGD, PUD or PMD): its children and how many are allocated. */
    private static final class Dir {
        final Object[] slots = new Object[PTRS_PER_PTE];
        int live;
    }

    /** A leaf table: 512 PTEs and how many are not none. */
    private static final class Leaf {
        final long[] ptes = new long[PTRS_PER_PTE];
        int used;
    }

    private final Dir pgd = new Dir();
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
        Dir pud = (Dir) pgd.slots[(int) (vpn >>> (3 * SHIFT)) & MASK];
        if (pud == null) {
            return null;
        }
        Dir pmd = (Dir) pud.slots[(int) (vpn >>> (2 * SHIFT)) & MASK];
        if (pmd == null) {
            return null;
        }
        Leaf leaf = (Leaf) pmd.slots[(int) (vpn >>> SHIFT) & MASK];
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
        Leaf leaf = (Leaf) pmd.slots[i];
        if (leaf == null) {
            leaf = new Leaf();
            pmd.slots[i] = leaf;
            pmd.live++;
        }
        cachedKey = vpn >>> SHIFT;
        cachedLeaf = leaf;
        return leaf;
    }

    private static Dir child(Dir d, int i) {
        Dir c = (Dir) d.slots[i];
        if (c == null) {
            c = new Dir();
            d.slots[i] = c;
            d.live++;
        }
        return c;
    }

    /** The PTE for a virtual page number: none if no table holds it. */
    public long get(long vpn) {
        Leaf leaf = leaf(vpn);
        return leaf == null ? Pte.NONE : leaf.ptes[(int) (vpn & MASK)];
    }

    /** Sets the PTE for a virtual page number, allocating the tables above it when needed. */
    public void set(long vpn, long pte) {
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

    /** The number of non-none PTEs. */
    public long populated() {
        return populated;
    }

    /** Visits every non-none PTE in [startVpn, endVpn), in address order. */
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

    /** The first vpn >= from with a non-none PTE, below end; or -1. */
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
            Dir pud = (Dir) pgd.slots[(int) (vpn >>> (3 * SHIFT)) & MASK];
            if (pud == null || pud.live == 0) {
                vpn = ((vpn >>> (3 * SHIFT)) + 1) << (3 * SHIFT);
                continue;
            }
            Dir pmd = (Dir) pud.slots[(int) (vpn >>> (2 * SHIFT)) & MASK];
            if (pmd == null || pmd.live == 0) {
                vpn = ((vpn >>> (2 * SHIFT)) + 1) << (2 * SHIFT);
                continue;
            }
            Leaf leaf = (Leaf) pmd.slots[(int) (vpn >>> SHIFT) & MASK];
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
            Dir pud = (Dir) pgd.slots[g];
            if (pud == null) {
                vpn = ((vpn >>> (3 * SHIFT)) + 1) << (3 * SHIFT);
                continue;
            }
            int u = (int) (vpn >>> (2 * SHIFT)) & MASK;
            Dir pmd = (Dir) pud.slots[u];
            if (pmd == null) {
                vpn = ((vpn >>> (2 * SHIFT)) + 1) << (2 * SHIFT);
                continue;
            }
            int m = (int) (vpn >>> SHIFT) & MASK;
            Leaf leaf = (Leaf) pmd.slots[m];
            if (leaf != null && leaf.used == 0) {
                pmd.slots[m] = null;
                if (--pmd.live == 0) {
                    pud.slots[u] = null;
                    if (--pud.live == 0) {
                        pgd.slots[g] = null;
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
