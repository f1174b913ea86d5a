package io.pinsim.runtime.spi;

import io.pinsim.runtime.GupPages;

/**
 * A driver's revoke callback for its long-term pins ({@link DriverContext#onRevoke}): what Jérôme
 * Glisse proposed for a truncated page a device pins ("notify userspace ... and delay ftruncate,
 * after a while ... force hardware to use a crappy page", put_user_page thread, linux-mm, December
 * 2018 [M: quoted from the issue, message not found in the search corpus]). Never merged: no shipped
 * kernel calls it; only {@link io.pinsim.runtime.model.TruncatePinnedPage#PROPOSAL_NOTIFY_THEN_DUMMY_PAGE} does.
 * Both calls run inside the truncate, as the device (the actor in the trace).
 */
public interface PinRevoker {
    /**
     * The notification: page {@code index} of {@code pins} is being truncated and will be taken away
     * after the grace period unless the driver drops the pin first. A driver tells its user here (an
     * RDMA NIC posts an asynchronous event).
     *
     * @param why the truncate, for the event's text
     */
    void revokeSoon(GupPages pins, int index, String why);

    /**
     * The grace period ended with the page still pinned: the driver must point its translation of
     * page {@code index} at its dummy page and drop the pin, by calling
     * {@link DriverContext#redirectToDummyPage(GupPages, int)}. If it does not, the kernel orphans the
     * page as every shipped kernel does and logs that the driver did not let go.
     */
    void redirect(GupPages pins, int index);
}
