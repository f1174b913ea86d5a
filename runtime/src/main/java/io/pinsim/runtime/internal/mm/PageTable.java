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
    private long populated;
    /** The leaf looked up last (walks and rmap lookups of neighbouring pages hit it): no boxing, no tree walk. */
    private long cachedKey = -1;
    private long[] cachedLeaf;

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

    public long get(long vpn) {
        long[] leaf = leaf(vpn >>> LEAF_SHIFT);
        return leaf == null ? Pte.NONE : leaf[(int) (vpn & (PTRS_PER_PTE - 1))];
    }

    public void set(long vpn, long pte) {
        long key = vpn >>> LEAF_SHIFT;
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

    /** The number of non-none PTEs. */
    public long populated() {
        return populated;
    }

    /** Visits every non-none PTE in [startVpn, endVpn), in address order. */
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

    /** The first vpn >= from with a non-none PTE, below end; or -1. */
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
