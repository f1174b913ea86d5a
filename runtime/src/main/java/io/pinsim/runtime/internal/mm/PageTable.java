package io.pinsim.runtime.internal.mm;

import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * A sparse page table: leaf tables of 512 PTEs (one PMD's worth, as on x86-64), kept in a sorted map
 * by their index. A mapping of any size costs nothing until pages are touched; walking a range
 * visits only the leaf tables that exist.
 */
public final class PageTable {
    static final int PTRS_PER_PTE = 512;
    private static final int LEAF_SHIFT = 9;

    private final NavigableMap<Long, long[]> leaves = new TreeMap<>();
    /**
     * PMD-level entries that map a 2 MiB compound page whole (pmd_trans_huge()), by PMD index (vpn
     * >>> 9): one entry, not 512. A PMD index has either a leaf table or a huge entry, never both.
     */
    private final NavigableMap<Long, Long> pmds = new TreeMap<>();
    private long populated;
    /** The leaf looked up last (walks and rmap lookups of neighbouring pages hit it): no boxing, no tree walk. */
    private long cachedKey = -1;
    private long[] cachedLeaf;
    /** The PMD entry looked up last, for the 512 lookups of one THP's pages. */
    private long cachedPmdKey = -1;
    private long cachedPmd;

    private long[] leaf(long key) {
        if (key == cachedKey) {
            return cachedLeaf;
        }
        long[] leaf = leaves.get(key);
        if (leaf != null) {
            cachedKey = key;
            cachedLeaf = leaf;
        }
        return leaf;
    }

    /**
     * The PTE at vpn. Inside a PMD-mapped THP, the PMD entry as the PTE of that subpage would read:
     * its flags plus {@link Pte#HUGE}, the subpage's pfn (what follow_trans_huge_pmd() and
     * gup_huge_pmd() compute as pmd_page() + offset).
     */
    public long get(long vpn) {
        long key = vpn >>> LEAF_SHIFT;
        if (key == cachedPmdKey) {
            return Pte.withPfn(cachedPmd, Pte.pfn(cachedPmd) + (vpn & (PTRS_PER_PTE - 1)));
        }
        long[] leaf = leaf(key);
        if (leaf == null && !pmds.isEmpty()) {
            Long pmd = pmds.get(key);
            if (pmd != null) {
                cachedPmdKey = key;
                cachedPmd = pmd;
                return Pte.withPfn(pmd, Pte.pfn(pmd) + (vpn & (PTRS_PER_PTE - 1)));
            }
        }
        return leaf == null ? Pte.NONE : leaf[(int) (vpn & (PTRS_PER_PTE - 1))];
    }

    /**
     * Sets the PTE at vpn.
     *
     * @throws IllegalStateException if a PMD entry maps vpn: the kernel splits a huge PMD
     *                               (split_huge_pmd()) before it changes one of its pages
     */
    public void set(long vpn, long pte) {
        long key = vpn >>> LEAF_SHIFT;
        if (!pmds.isEmpty() && pmds.containsKey(key)) {
            throw new IllegalStateException("a PMD-mapped THP covers vpn 0x" + Long.toHexString(vpn) + ": split_huge_pmd() it before setting a PTE");
        }
        long[] leaf = leaf(key);
        if (leaf == null) {
            if (pte == Pte.NONE) {
                return;
            }
            leaf = new long[PTRS_PER_PTE];
            leaves.put(key, leaf);
            cachedKey = key;
            cachedLeaf = leaf;
        }
        int i = (int) (vpn & (PTRS_PER_PTE - 1));
        long old = leaf[i];
        leaf[i] = pte;
        if (old == Pte.NONE && pte != Pte.NONE) {
            populated++;
        } else if (old != Pte.NONE && pte == Pte.NONE) {
            populated--;
        }
    }

    /** The PMD entry that maps vpn's 2 MiB range, or {@link Pte#NONE}. */
    public long getPmd(long vpn) {
        if (pmds.isEmpty()) {
            return Pte.NONE;
        }
        Long pmd = pmds.get(vpn >>> LEAF_SHIFT);
        return pmd == null ? Pte.NONE : pmd;
    }

    /**
     * Sets or clears (with {@link Pte#NONE}) the PMD entry of vpn's 2 MiB range.
     *
     * @throws IllegalStateException if a leaf table of PTEs still exists for the range (the kernel
     *                               installs a huge PMD only on pmd_none())
     */
    public void setPmd(long vpn, long pmd) {
        long key = vpn >>> LEAF_SHIFT;
        cachedPmdKey = -1;
        if (pmd == Pte.NONE) {
            pmds.remove(key);
            return;
        }
        if (leaves.containsKey(key)) {
            throw new IllegalStateException("vpn 0x" + Long.toHexString(vpn) + " has a PTE table: a huge PMD needs pmd_none()");
        }
        pmds.put(key, pmd | Pte.HUGE);
    }

    /** Whether vpn's 2 MiB range has neither a leaf table nor a PMD entry (pmd_none()). */
    public boolean pmdNone(long vpn) {
        long key = vpn >>> LEAF_SHIFT;
        return !leaves.containsKey(key) && !pmds.containsKey(key);
    }

    /** The first vpn of the first PMD entry that maps any page in [from, end), or -1. */
    public long nextPmd(long from, long end) {
        if (pmds.isEmpty() || from >= end) {
            return -1;
        }
        Long key = pmds.ceilingKey(from >>> LEAF_SHIFT);
        if (key == null || key << LEAF_SHIFT >= end) {
            return -1;
        }
        return key << LEAF_SHIFT;
    }

    /** The number of PMD entries (PMD-mapped THPs). */
    public long pmdCount() {
        return pmds.size();
    }

    /** The number of non-none PTEs. */
    public long populated() {
        return populated;
    }

    /** Visits every non-none PTE in [startVpn, endVpn), in address order; PMD entries are not PTEs and are not visited. */
    public void forEach(long startVpn, long endVpn, PteVisitor visitor) {
        if (startVpn >= endVpn) {
            return;
        }
        Map<Long, long[]> range = leaves.subMap(startVpn >>> LEAF_SHIFT, true, (endVpn - 1) >>> LEAF_SHIFT, true);
        for (Map.Entry<Long, long[]> e : range.entrySet()) {
            long base = e.getKey() << LEAF_SHIFT;
            long[] leaf = e.getValue();
            int from = (int) Math.max(0, startVpn - base);
            int to = (int) Math.min(PTRS_PER_PTE, endVpn - base);
            for (int i = from; i < to; i++) {
                if (leaf[i] != Pte.NONE) {
                    visitor.visit(base + i, leaf[i]);
                }
            }
        }
    }

    /** The first vpn >= from with a non-none PTE, below end; or -1. PMD entries are not PTEs (see {@link #nextPmd}). */
    public long nextPopulated(long from, long end) {
        Map.Entry<Long, long[]> e = leaves.ceilingEntry(from >>> LEAF_SHIFT);
        while (e != null) {
            long base = e.getKey() << LEAF_SHIFT;
            if (base >= end) {
                return -1;
            }
            long[] leaf = e.getValue();
            for (int i = (int) Math.max(0, from - base); i < PTRS_PER_PTE; i++) {
                if (base + i >= end) {
                    return -1;
                }
                if (leaf[i] != Pte.NONE) {
                    return base + i;
                }
            }
            e = leaves.higherEntry(e.getKey());
        }
        return -1;
    }

    /** Drops the leaf tables in the range that no longer hold any PTE (free_pgtables()). */
    void clearEmptyLeaves(long startVpn, long endVpn) {
        if (startVpn >= endVpn) {
            return;
        }
        var range = leaves.subMap(startVpn >>> LEAF_SHIFT, true, (endVpn - 1) >>> LEAF_SHIFT, true);
        range.entrySet().removeIf(e -> isEmpty(e.getValue()));
        cachedKey = -1;
        cachedLeaf = null;
    }

    private static boolean isEmpty(long[] leaf) {
        for (long p : leaf) {
            if (p != Pte.NONE) {
                return false;
            }
        }
        return true;
    }

    @FunctionalInterface
    public interface PteVisitor {
        void visit(long vpn, long pte);
    }
}
