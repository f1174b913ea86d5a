package io.pinsim.runtime.spi;

import io.pinsim.runtime.Frame;
import io.pinsim.runtime.Kernel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * A device's own translation table (an ODP MR's MTT, a GPU page table): virtual page to frame and
 * permission. The driver fills it from hmm_range_fault() and zaps it from its invalidate callback;
 * the device's DMA goes through it.
 */
public final class DevicePageTable {
    /** One entry: the frame and whether the device may write it. */
    public record Entry(Frame frame, boolean writable) {
    }

    private final NavigableMap<Long, Entry> entries = new TreeMap<>();

    /** The entry for the page at the address, or null. */
    public Entry lookup(long address) {
        return entries.get(address >>> Kernel.PAGE_SHIFT);
    }

    /**
     * Maps the page at the address to the frame, replacing any entry.
     *
     * @param address  the user address (rounded down to its page)
     * @param frame    the frame the device reaches there
     * @param writable whether the device may write it
     */
    public void map(long address, Frame frame, boolean writable) {
        java.util.Objects.requireNonNull(frame, "frame");
        entries.put(address >>> Kernel.PAGE_SHIFT, new Entry(frame, writable));
    }

    /** Removes the entries of [start, end); returns them, in address order (none for an empty range, end &lt;= start). */
    public List<Entry> zap(long start, long end) {
        Map<Long, Entry> range = range(start, end);
        List<Entry> out = new ArrayList<>(range.values());
        range.clear();
        return out;
    }

    /**
     * Removes every entry that maps this frame (a driver dropping a device page that left it);
     * returns how many. Costs one pass over the entries.
     */
    public int zapFrame(Frame frame) {
        java.util.Objects.requireNonNull(frame, "frame");
        int n = 0;
        for (var it = entries.values().iterator(); it.hasNext(); ) {
            if (it.next().frame() == frame) {
                it.remove();
                n++;
            }
        }
        return n;
    }

    /** The number of mapped pages in [start, end): what a zap of that range would remove, found without visiting unmapped pages. */
    public int count(long start, long end) {
        return range(start, end).size();
    }

    private NavigableMap<Long, Entry> range(long start, long end) {
        if (Long.compareUnsigned(end, start) <= 0) {
            return new TreeMap<>();
        }
        // the page of the last byte, + 1: (end + PAGE_SIZE - 1) would wrap for an end near 2^64
        return entries.subMap(start >>> Kernel.PAGE_SHIFT, true, ((end - 1) >>> Kernel.PAGE_SHIFT) + 1, false);
    }

    /** The number of mapped pages. */
    public int size() {
        return entries.size();
    }

    @Override
    public String toString() {
        return entries.size() + " device PTE(s)";
    }
}
