package io.pinsim.devices;

import io.pinsim.runtime.GupPages;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.spi.DriverContext;
import io.pinsim.runtime.spi.PinRevoker;
import java.util.List;

/**
 * The RDMA driver's revoke callback for a pinned MR (the never-merged proposal
 * {@link io.pinsim.runtime.model.TruncatePinnedPage#PROPOSAL_NOTIFY_THEN_DUMMY_PAGE}, Jérôme Glisse,
 * December 2018 [M]): the notification posts {@link AsyncEvent.Type#MR_REVOKE_SOON} on the NIC's
 * asynchronous event queue; the redirect swaps the MR's frame for the NIC's dummy page (as an MTT
 * update through a UMR would) and posts {@link AsyncEvent.Type#MR_REDIRECTED}.
 */
final class MrRevoker implements PinRevoker {
    private final DriverContext ctx;
    private final MemoryRegion mr;
    private final List<AsyncEvent> events;

    MrRevoker(DriverContext ctx, MemoryRegion mr, List<AsyncEvent> events) {
        this.ctx = ctx;
        this.mr = mr;
        this.events = events;
    }

    @Override
    public void revokeSoon(GupPages pins, int index, String why) {
        events.add(new AsyncEvent(AsyncEvent.Type.MR_REVOKE_SOON, mr, (long) index << Kernel.PAGE_SHIFT, why));
        ctx.trace("async event MR_REVOKE_SOON on MR#" + mr.key() + " page " + index + ": " + why);
    }

    @Override
    public void redirect(GupPages pins, int index) {
        ctx.redirectToDummyPage(pins, index);
        events.add(new AsyncEvent(AsyncEvent.Type.MR_REDIRECTED, mr, (long) index << Kernel.PAGE_SHIFT, "MR#" + mr.key() + " page " + index + " now uses the dummy page"));
        ctx.trace("async event MR_REDIRECTED on MR#" + mr.key() + " page " + index);
    }
}
