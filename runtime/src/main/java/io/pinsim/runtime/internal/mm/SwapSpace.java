package io.pinsim.runtime.internal.mm;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Swap: slots that hold the content of swapped-out anonymous pages, their swap count (the number of
 * swap PTEs that refer to them, swap_map) and, while the page is in the swap cache, the frame.
 */
public final class SwapSpace {
    public static final class Slot {
        final long id;
        Content content;
        /** swap_map count: swap PTEs that refer to this slot. */
        public int count;
        /** The swap-cache frame, or null. */
        Page cache;
        /**
         * The last swap PTE or mapping went while another operation held the swap-cache page locked,
         * so free_swap_and_cache()/free_swap_cache() left it (their folio_trylock() failed): a page
         * no PTE refers to that the kernel keeps on the LRU until reclaim frees it; not a leak.
         */
        boolean trylockFailed;

        Slot(long id) {
            this.id = id;
        }
    }

    private Slot[] slots = new Slot[16];
    private long next;
    private final Deque<Long> free = new ArrayDeque<>();
    private long used;

    Slot allocate() {
        long id = free.isEmpty() ? next++ : free.pop();
        if (id >= slots.length) {
            slots = java.util.Arrays.copyOf(slots, (int) Math.max(slots.length * 2L, id + 1));
        }
        Slot s = new Slot(id);
        slots[(int) id] = s;
        used++;
        return s;
    }

    public Slot get(long id) {
        return id < slots.length ? slots[(int) id] : null;
    }

    /** Frees the slot once nothing refers to it: no swap PTE and no swap-cache page. */
    void freeIfUnused(Slot s) {
        if (s.count == 0 && s.cache == null && slots[(int) s.id] == s) {
            slots[(int) s.id] = null;
            free.push(s.id);
            used--;
        }
    }

    /** One past the highest slot id ever allocated. */
    long highestSlot() {
        return next;
    }

    public long slotsInUse() {
        return used;
    }
}
