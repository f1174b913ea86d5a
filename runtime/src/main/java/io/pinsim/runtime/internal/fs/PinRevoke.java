package io.pinsim.runtime.internal.fs;

import io.pinsim.runtime.internal.mm.MmCore;
import io.pinsim.runtime.internal.mm.Page;
import io.pinsim.runtime.internal.mm.PinRevocation;
import io.pinsim.runtime.trace.KernelLog;
import io.pinsim.runtime.trace.TraceKind;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * One truncate's revocation of the revocable long-term pins on the pages of its range, under the
 * never-merged proposal {@link io.pinsim.runtime.model.TruncatePinnedPage#PROPOSAL_NOTIFY_THEN_DUMMY_PAGE}
 * (Jérôme Glisse, put_user_page thread, linux-mm, December 2018 [M]): notify each driver once
 * ({@link io.pinsim.runtime.spi.PinRevoker#revokeSoon}), wait {@link #REVOKE_GRACE_STEPS} model steps (trace steps: the
 * waiting truncate is retried after each),
 * then ask each driver still pinning to redirect to its dummy page
 * ({@link io.pinsim.runtime.spi.PinRevoker#redirect}). A pin dropped during the grace period needs
 * nothing; a page the driver did not let go stays pinned and is orphaned as on every shipped kernel.
 */
final class PinRevoke {
    /** The grace period, in model steps (retries of the waiting truncate); a model constant, no wall clock. */
    static final int REVOKE_GRACE_STEPS = 3;

    private final InodeImpl inode;
    private final long fromIndex;
    private final long toIndex;
    private final String call;
    /** The pins already notified, each with the page indexes (identity: a GupPagesImpl is one registration). */
    private final Map<Object, List<Integer>> notified = new IdentityHashMap<>();
    /** The model steps (operations) that retried this truncate since the first notification. */
    private int elapsed;
    /** The trace step of the last try, after its own records (a try's records must not count as steps). */
    private int lastStep = -1;
    private String waitingFor;

    PinRevoke(InodeImpl inode, long fromIndex, long toIndex, String call) {
        this.inode = inode;
        this.fromIndex = fromIndex;
        this.toIndex = toIndex;
        this.call = call;
    }

    /** Notifies, counts the grace period down, redirects; true when truncate may remove the pages. */
    boolean tryFinish(MmCore k, String actor, boolean synchronous) {
        List<PinRevocation.Slot> slots = slots(k);
        if (slots.isEmpty()) {
            return true;
        }
        if (lastStep >= 0 && k.trace().step() != lastStep) {
            elapsed++;
        }
        int graceLeft = REVOKE_GRACE_STEPS - elapsed;
        for (PinRevocation.Slot s : slots) {
            List<Integer> done = notified.computeIfAbsent(s.pins(), x -> new ArrayList<>());
            if (!done.contains(s.index())) {
                done.add(s.index());
                k.trace().record(actor, TraceKind.STEP, s.pins().address(s.index()), s.pins().frame(s.index()).pfn(), call + " notifies "
                        + s.pins().holder() + ": page " + s.pins().frame(s.index()).index + " of " + inode.name() + " is revoked in " + graceLeft + " step(s) unless the pin drops");
                s.revoker().revokeSoon(s.pins(), s.index(), call + " removes page " + s.pins().frame(s.index()).index + " of " + inode.name());
            }
        }
        if (!synchronous && graceLeft > 0) {
            waitingFor = "page " + slots.get(0).pins().frame(slots.get(0).index()).index + " of " + inode.name() + " is pinned by " + slots.get(0).pins().holder()
                    + ", notified: redirected to the device's dummy page after " + REVOKE_GRACE_STEPS + " step(s) of grace (TruncatePinnedPage.PROPOSAL_NOTIFY_THEN_DUMMY_PAGE)";
            lastStep = k.trace().step();
            return false;
        }
        for (PinRevocation.Slot s : slots) {
            Page f = s.pins().frame(s.index());
            s.revoker().redirect(s.pins(), s.index());
            if (!s.pins().isReleased() && s.pins().frame(s.index()) == f) {
                k.log().print(k.trace().step(), KernelLog.Level.WARN, call + ": " + s.pins().holder() + " did not redirect page " + f.index + " of " + inode.name()
                        + " to its dummy page; the page is orphaned");
            }
        }
        return true;
    }

    /** What the truncate waits for during the grace period. */
    String waitingFor() {
        return waitingFor;
    }

    private List<PinRevocation.Slot> slots(MmCore k) {
        List<PinRevocation.Slot> out = new ArrayList<>();
        if (toIndex <= fromIndex) {
            return out;
        }
        for (Page f : inode.mapping.pages.subMap(fromIndex, true, toIndex, false).values()) {
            if (f.refs != null) {
                out.addAll(k.pinRevocation().slotsOn(f));
            }
        }
        return out;
    }
}
