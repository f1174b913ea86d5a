package io.pinsim.runtime.internal.fs;

import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.internal.mm.LayoutLease;
import io.pinsim.runtime.internal.mm.MmCore;
import io.pinsim.runtime.internal.mm.Page;
import io.pinsim.runtime.model.DaxLongtermPin;
import io.pinsim.runtime.trace.KernelLog;
import io.pinsim.runtime.trace.TraceKind;

/**
 * The layout leases of the 2019 RDMA/FS DAX truncate proposal ({@link DaxLongtermPin#PROPOSAL_LAYOUT_LEASE}):
 * fcntl(fd, F_SETLEASE, F_LAYOUT [| F_UNBREAKABLE]) and F_UNLCK, the truncate that an unbreakable
 * lease refuses with ETXTBSY, and the lease break of a truncate that waits for the holder's pins.
 * One lease per file (pinsim's simplification: the RFC allowed several readers' leases).
 */
final class LayoutLeases {
    private LayoutLeases() {
    }

    /** fcntl(fd, F_SETLEASE, F_LAYOUT | (unbreakable ? F_UNBREAKABLE : 0)). */
    static void set(OpenFileImpl f, boolean unbreakable) {
        f.process().requireAlive();
        String call = "fcntl(" + f.label() + ", F_SETLEASE, F_LAYOUT" + (unbreakable ? " | F_UNBREAKABLE" : "") + ")";
        InodeImpl inode = f.inode();
        inode.kernel.run(f.process().name(), call, -1, () -> {
            f.requireOpen(call);
            if (inode.kernel.model().get(DaxLongtermPin.class) != DaxLongtermPin.PROPOSAL_LAYOUT_LEASE) {
                throw new ErrnoException(Errno.EINVAL, call, "F_LAYOUT is not a lease type this kernel knows (layout leases were proposed in 2019, never merged)");
            }
            LayoutLease held = inode.mapping.layoutLease;
            if (held != null && held.holder != f.process().mm()) {
                throw new ErrnoException(Errno.EAGAIN, call, inode.name() + " already has a layout lease of \"" + held.holderName + "\"");
            }
            inode.mapping.layoutLease = new LayoutLease(f.process().mm(), f.process().name(), unbreakable);
            inode.kernel.trace().record(f.process().name(), TraceKind.INFO, -1, -1, "layout lease" + (unbreakable ? " (unbreakable)" : "") + " on " + inode.name());
        });
    }

    /** fcntl(fd, F_SETLEASE, F_UNLCK). */
    static void unlock(OpenFileImpl f) {
        f.process().requireAlive();
        String call = "fcntl(" + f.label() + ", F_SETLEASE, F_UNLCK)";
        f.inode().kernel.run(f.process().name(), call, -1, () -> {
            f.requireOpen(call);
            release(f, false);
        });
    }

    /** fcntl(fd, F_SETLEASE, F_UNLCK), and locks_remove_file() at close: the lease of this process goes. */
    static void release(OpenFileImpl f, boolean quiet) {
        InodeImpl inode = f.inode();
        LayoutLease held = inode.mapping.layoutLease;
        if (held != null && held.holder == f.process().mm()) {
            inode.mapping.layoutLease = null;
            if (!quiet) {
                inode.kernel.trace().record(f.process().name(), TraceKind.INFO, -1, -1, "layout lease on " + inode.name() + " released");
            }
        }
    }

    /** Whether the layout lease this process holds on the file was broken by a truncate. */
    static boolean broken(OpenFileImpl f) {
        LayoutLease held = f.inode().mapping.layoutLease;
        return held != null && held.holder == f.process().mm() && held.broken;
    }

    /**
     * break_layout() of a truncate or punch of [fromIndex, toIndex): ETXTBSY if an unbreakable lease
     * is held and a block of the range is pinned (checked before anything changes), or null.
     */
    static ErrnoException refusal(InodeImpl inode, String call, long fromIndex, long toIndex) {
        LayoutLease l = inode.mapping.layoutLease;
        if (l == null || !l.unbreakable || !inode.kind().isDax()) {
            return null;
        }
        Page f = inode.firstBusyPage(fromIndex, toIndex);
        return f == null ? null : new ErrnoException(Errno.ETXTBSY, call, "DAX block " + f.index + " of " + inode.name() + " is pinned by " + String.join(", ", f.holders())
                + " under the unbreakable layout lease of \"" + l.holderName + "\" (DaxLongtermPin.PROPOSAL_LAYOUT_LEASE)");
    }

    /** A truncate that waits for a pinned block breaks the breakable lease once: the holder is told (lease break, SIGIO). */
    static void breakFor(MmCore k, InodeImpl inode, String actor, String what) {
        LayoutLease l = inode.mapping.layoutLease;
        if (l == null || l.broken || l.unbreakable) {
            return;
        }
        l.broken = true;
        k.log().print(k.trace().step(), KernelLog.Level.INFO, "layout lease of \"" + l.holderName + "\" on " + inode.name() + " broken by " + what
                + ": the holder must drop its pins (lease break, SIGIO to the holder)");
        k.trace().record(actor, TraceKind.INFO, -1, -1, what + " breaks the layout lease of \"" + l.holderName + "\" on " + inode.name() + " and waits for its pins");
    }
}
