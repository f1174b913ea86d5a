package io.pinsim.runtime.spi;

import io.pinsim.runtime.Frame;
import java.util.List;

/**
 * What hmm_range_fault() returned: for each page of the range the frame the CPU maps now and
 * whether it is mapped writable (HMM_PFN_WRITE). No references are held: the frames are valid only
 * while {@code !sub.readRetry(notifierSeq)} under the driver lock.
 *
 * @param start       first address
 * @param notifierSeq the sequence the walk ran under
 * @param frames      one frame per page (the zero page for an untouched page read)
 * @param writable    whether each page is mapped writable
 */
public record HmmRange(long start, long notifierSeq, List<Frame> frames, List<Boolean> writable) {
    /** Copies the lists. */
    public HmmRange {
        frames = List.copyOf(frames);
        writable = List.copyOf(writable);
    }
}
