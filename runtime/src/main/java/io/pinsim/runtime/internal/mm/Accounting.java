package io.pinsim.runtime.internal.mm;

import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Kernel;

/**
 * mm-&gt;pinned_vm and mm-&gt;locked_vm against RLIMIT_MEMLOCK, as the drivers charge them
 * (ib_umem_get(), __account_locked_vm() in mm/util.c). Reached from the driver SPI only.
 */
public final class Accounting {
    private Accounting() {
    }

    /**
     * Charges pages to mm->pinned_vm as ib_umem_get() does: ENOMEM if the new total exceeds
     * RLIMIT_MEMLOCK and the process lacks CAP_IPC_LOCK; nothing is charged then.
     */
    public static void accountPinnedVm(MmOwner p, long nrPages, String who) {
        p.requireAlive();
        Mm mm = p.mm();
        long limit = p.rlimitMemlock() >>> Kernel.PAGE_SHIFT;
        if (nrPages > limit - mm.pinnedVm && !p.capIpcLock()) {
            throw new ErrnoException(Errno.ENOMEM, who, "pinned_vm " + mm.pinnedVm + " + " + nrPages + " pages exceeds RLIMIT_MEMLOCK of "
                    + limit + " pages and the process lacks CAP_IPC_LOCK (ib_umem_get)");
        }
        mm.pinnedVm += nrPages;
    }

    /** Returns pages charged with {@link #accountPinnedVm(MmOwner, long, String)}. */
    public static void unaccountPinnedVm(MmOwner p, long nrPages) {
        Mm mm = p.mm();
        if (nrPages > mm.pinnedVm) {
            throw new IllegalStateException("unaccounting " + nrPages + " pages but pinned_vm is " + mm.pinnedVm);
        }
        mm.pinnedVm -= nrPages;
    }

    /** Charges pages to mm->locked_vm as __account_locked_vm() does (VFIO): ENOMEM past RLIMIT_MEMLOCK without CAP_IPC_LOCK. */
    public static void accountLockedVm(MmOwner p, long nrPages, String who) {
        p.requireAlive();
        Mm mm = p.mm();
        long limit = p.rlimitMemlock() >>> Kernel.PAGE_SHIFT;
        if (nrPages > limit - mm.lockedVm && !p.capIpcLock()) {
            throw new ErrnoException(Errno.ENOMEM, who, "locked_vm " + mm.lockedVm + " + " + nrPages + " pages exceeds RLIMIT_MEMLOCK of "
                    + limit + " pages and the process lacks CAP_IPC_LOCK (__account_locked_vm)");
        }
        mm.lockedVm += nrPages;
    }

    /** Returns pages charged with {@link #accountLockedVm(MmOwner, long, String)}. */
    public static void unaccountLockedVm(MmOwner p, long nrPages) {
        Mm mm = p.mm();
        if (nrPages > mm.lockedVm) {
            throw new IllegalStateException("unaccounting " + nrPages + " pages but locked_vm is " + mm.lockedVm);
        }
        mm.lockedVm -= nrPages;
    }
}
