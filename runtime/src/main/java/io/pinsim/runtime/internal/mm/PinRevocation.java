package io.pinsim.runtime.internal.mm;

import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.spi.PinRevoker;
import io.pinsim.runtime.trace.TraceKind;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The drivers' revoke callbacks for their long-term pins and the devices' dummy pages: the machinery
 * of the never-merged proposal {@link io.pinsim.runtime.model.TruncatePinnedPage#PROPOSAL_NOTIFY_THEN_DUMMY_PAGE}
 * (Jérôme Glisse, put_user_page thread, linux-mm, December 2018 [M]). No shipped kernel has it.
 */
public final class PinRevocation {
    private final MmCore kernel;
    /** Pins with a revoke callback, in registration order (iteration is observable: notification order). */
    private final Map<GupPagesImpl, PinRevoker> revokers = new LinkedHashMap<>();
    /** Each device's dummy page while redirected pins hold it, by device name. */
    private final Map<String, Page> dummies = new TreeMap<>();

    PinRevocation(MmCore kernel) {
        this.kernel = kernel;
    }

    /** A pinned page of a revocable registration: page {@code index} of {@code pins}. */
    public record Slot(GupPagesImpl pins, int index, PinRevoker revoker) {
    }

    /** Registers (or replaces) the revoke callback of {@code pins}; the caller checked them. */
    public void register(GupPagesImpl pins, PinRevoker revoker) {
        revokers.put(pins, revoker);
    }

    /** The revocable pins held on frame {@code f} now, in registration order. */
    public List<Slot> slotsOn(Page f) {
        List<Slot> out = new ArrayList<>();
        for (Map.Entry<GupPagesImpl, PinRevoker> e : revokers.entrySet()) {
            GupPagesImpl pins = e.getKey();
            for (int i = 0; i < pins.count(); i++) {
                if (pins.frame(i) == f && !pins.isRedirected(i)) {
                    out.add(new Slot(pins, i, e.getValue()));
                }
            }
        }
        return out;
    }

    /**
     * Points page {@code index} of {@code pins} at {@code device}'s dummy page (allocated zeroed on
     * first use) and drops the pin on the page it held; the caller checked the arguments.
     *
     * @throws ErrnoException ENOMEM if the dummy page cannot be allocated (nothing changes)
     */
    public void redirect(GupPagesImpl pins, int index, String device) {
        Page d = dummies.get(device);
        if (d == null || d.isFree()) {
            d = kernel.allocFrame(new Content());
            if (d == null) {
                throw new ErrnoException(Errno.ENOMEM, "redirect to dummy page", "no free frame for " + device + "'s dummy page");
            }
            dummies.put(device, d);
        }
        Page old = pins.frame(index);
        GupRef ref = new GupRef(GupRef.Kind.PIN, pins.holder() + " (dummy page)", kernel.trace().step());
        d.addRef(ref);
        GupRef oldRef = pins.swap(index, d, ref);
        old.removeRef(oldRef);
        kernel.touch(old);
        kernel.touch(d);
        kernel.maybeFree(old);
        kernel.trace().record(device, TraceKind.UNPIN, pins.address(index), old.pfn(), "revoked: " + pins.holder() + " now translates "
                + io.pinsim.runtime.Kernel.hex(pins.address(index)) + " to " + device + "'s dummy page, frame #" + d.pfn() + "; unpinned frame #" + old.pfn());
    }

    /** The device whose dummy page {@code f} is, or null. */
    public String dummyOf(Page f) {
        for (Map.Entry<String, Page> e : dummies.entrySet()) {
            if (e.getValue() == f) {
                return e.getKey();
            }
        }
        return null;
    }

    /** The pins were released: forget their callback, and a dummy page nothing holds any more. */
    void released(GupPagesImpl pins) {
        revokers.remove(pins);
        dummies.values().removeIf(Page::isFree);
    }
}
