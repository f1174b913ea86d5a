package io.pinsim.devices;

/**
 * An event on the NIC's asynchronous event queue (ibv_get_async_event()). The only events modelled
 * are those of the never-merged proposal
 * {@link io.pinsim.runtime.model.TruncatePinnedPage#PROPOSAL_NOTIFY_THEN_DUMMY_PAGE}: verbs has no
 * such event type (the closest, IBV_EVENT_QP_ACCESS_ERR, reports an error after the fact), so a
 * shipped kernel never posts one.
 *
 * @param type   what happened
 * @param mr     the memory region concerned
 * @param offset the byte offset in the MR of the page concerned (from the MR's first page)
 * @param detail why, for people: the truncate that revokes the page
 */
public record AsyncEvent(Type type, MemoryRegion mr, long offset, String detail) {
    /** The kinds of asynchronous event. */
    public enum Type {
        /** A page of the MR is being truncated: deregister the MR within the grace period or the NIC is redirected. */
        MR_REVOKE_SOON,
        /** The grace period ended: the NIC now reads and writes its dummy page for that page of the MR. */
        MR_REDIRECTED
    }
}
