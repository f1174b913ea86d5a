package io.pinsim.runtime.trace;

import java.util.List;
import java.util.Objects;

/**
 * Who held one frame at the end of a step that changed it: the PTEs that map it (found by reverse
 * mapping, as {@code rmap_walk()} finds them) and every reference that is not a mapping (GUP gets
 * and pins, page cache, swap cache). Recorded when the kernel is built with
 * {@code Kernel.Builder.frameSnapshots(n)}.
 *
 * @param step    the step at whose end the snapshot was taken
 * @param pfn     the frame
 * @param frame   the frame's kind and counts, as {@code Frame.toString()} gives them
 * @param mappedBy one entry per mapping PTE: {@code A 0x7f0000000000 rw}
 * @param heldBy  one entry per GUP reference: {@code PIN by rdma0 (FOLL_WRITE|FOLL_LONGTERM)}
 * @param content the frame's content in a few words
 */
public record FrameSnapshot(int step, long pfn, String frame, List<String> mappedBy, List<String> heldBy, String content) {
    /** Checks the components and copies the lists. */
    public FrameSnapshot {
        Objects.requireNonNull(frame, "frame");
        mappedBy = List.copyOf(mappedBy);
        heldBy = List.copyOf(heldBy);
        Objects.requireNonNull(content, "content");
    }

    /** The snapshot in one line: who maps and holds the frame, and what it contains. */
    public String describe() {
        StringBuilder sb = new StringBuilder(frame);
        sb.append(mappedBy.isEmpty() ? "; mapped by nobody" : "; mapped by " + String.join(", ", mappedBy));
        if (!heldBy.isEmpty()) {
            sb.append("; held by ").append(String.join(", ", heldBy));
        }
        return sb.append("; contains ").append(content).toString();
    }

    /** Whether another snapshot shows the same holders, counts and content (the step is ignored). */
    public boolean sameHoldingsAs(FrameSnapshot other) {
        return other != null && pfn == other.pfn && frame.equals(other.frame) && mappedBy.equals(other.mappedBy)
                && heldBy.equals(other.heldBy) && content.equals(other.content);
    }

    @Override
    public String toString() {
        return "after step " + step + ": " + describe();
    }
}
