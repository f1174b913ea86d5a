package io.pinsim.runtime.spi;

import io.pinsim.runtime.Frame;

/**
 * One entry of hmm_range_fault()'s output (range->hmm_pfns[i], include/linux/hmm.h): HMM_PFN_VALID
 * with the frame, HMM_PFN_WRITE, HMM_PFN_ERROR; {@code devicePrivate} when the frame is a
 * device-private page of the range's owner (the driver's own memory).
 *
 * @param frame         the frame (a system frame, the zero page, or a device page), or null unless valid
 * @param valid         HMM_PFN_VALID
 * @param writable      HMM_PFN_WRITE
 * @param error         HMM_PFN_ERROR: no VMA or a VMA without VM_READ (a snapshot reports it instead of failing)
 * @param devicePrivate the frame is a device-private page
 */
public record HmmPfn(Frame frame, boolean valid, boolean writable, boolean error, boolean devicePrivate) {
    /** HMM_PFN_REQ_FAULT: fault the page in if it is not valid. */
    public static final int REQ_FAULT = 1;
    /** HMM_PFN_REQ_WRITE: fault it in writable (with REQ_FAULT). */
    public static final int REQ_WRITE = 2;

    /** An entry with no flags: nothing mapped (or not requested). */
    public static final HmmPfn NONE = new HmmPfn(null, false, false, false, false);
    /** HMM_PFN_ERROR. */
    public static final HmmPfn ERROR = new HmmPfn(null, false, false, true, false);
}
