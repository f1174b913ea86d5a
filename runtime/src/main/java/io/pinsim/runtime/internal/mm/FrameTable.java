package io.pinsim.runtime.internal.mm;

import java.util.Arrays;
import java.util.function.Consumer;

/**
 * The frame table (mem_map): pfn to {@link Page}, in chunks of 4,096 frames allocated as pfns are
 * first used, so the table costs one reference per frame in use plus less than a chunk, and grows
 * without copying the frames it holds.
 */
final class FrameTable {
    private static final int SHIFT = 12;
    private static final int CHUNK = 1 << SHIFT;

    private Page[][] chunks = new Page[1][];

    /** The frame with this pfn, or null. */
    Page get(long pfn) {
        if (pfn < 0) {
            return null;
        }
        long c = pfn >>> SHIFT;
        if (c >= chunks.length) {
            return null;
        }
        Page[] chunk = chunks[(int) c];
        int i = (int) (pfn & (CHUNK - 1));
        return chunk == null || i >= chunk.length ? null : chunk[i];
    }

    /**
     * The head of the compound page that covers pfn, whose tail at pfn is not created yet: a 2 MiB
     * folio's head is at the 512-aligned pfn; a 1 GiB folio's at the 262,144-aligned one, or found
     * through a created tail at the 512-aligned pfn. Null if none.
     */
    Page headCovering(long pfn) {
        Page h = get(pfn & -PageTable.PTRS_PER_PTE);
        if (h == null || !h.isHead()) {
            h = h != null ? h.compoundHead() : get(pfn & -Pte.PUD_NR);
        }
        return h != null && h.isHead() && pfn - h.pfn() < h.nrPages() ? h : null;
    }

    /** Puts (or with null, removes) the frame of a pfn. */
    void set(long pfn, Page f) {
        int c = (int) (pfn >>> SHIFT);
        if (c >= chunks.length) {
            if (f == null) {
                return;
            }
            chunks = Arrays.copyOf(chunks, Math.max(chunks.length * 2, c + 1));
        }
        Page[] chunk = chunks[c];
        int i = (int) (pfn & (CHUNK - 1));
        if (chunk == null || i >= chunk.length) {
            if (f == null) {
                return;
            }
            // the first chunk starts at 64 frames and doubles up to a full chunk (small kernels stay small)
            int len = c == 0 ? Math.max(64, Integer.highestOneBit(i) * 2) : CHUNK;
            chunk = chunk == null ? new Page[Math.min(len, CHUNK)] : Arrays.copyOf(chunk, Math.min(Math.max(len, chunk.length * 2), CHUNK));
            chunks[c] = chunk;
        }
        chunk[i] = f;
    }

    /** Visits every frame in the table, in pfn order. */
    void forEach(Consumer<Page> visitor) {
        for (Page[] chunk : chunks) {
            if (chunk == null) {
                continue;
            }
            for (Page f : chunk) {
                if (f != null) {
                    visitor.accept(f);
                }
            }
        }
    }
}
