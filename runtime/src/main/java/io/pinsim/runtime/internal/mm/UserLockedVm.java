package io.pinsim.runtime.internal.mm;

import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Kernel;

/** user->locked_vm of the one user every process runs as, in pages: what io_uring charges. */
public final class UserLockedVm {
    private long pages;

    /**
     * __io_account_mem(): charges pages to user->locked_vm; ENOMEM if the new total exceeds the
     * caller's RLIMIT_MEMLOCK (a strict {@code >}). The caller decides whether to charge at all (a
     * ring created with CAP_IPC_LOCK is never charged). The model runs every process as one user.
     */
    public void account(long rlimitMemlockBytes, long nr, String call) {
        long limit = rlimitMemlockBytes >>> Kernel.PAGE_SHIFT;
        if (pages + nr > limit) {
            throw new ErrnoException(Errno.ENOMEM, call, "user->locked_vm " + pages + " + " + nr + " pages exceeds RLIMIT_MEMLOCK of " + limit
                    + " pages and the ring was created without CAP_IPC_LOCK (__io_account_mem)");
        }
        pages += nr;
    }

    /** __io_unaccount_mem(): returns pages charged with {@link #account}. */
    public void unaccount(long nr) {
        if (nr > pages) {
            throw new IllegalStateException("unaccounting " + nr + " pages but user->locked_vm is " + pages);
        }
        pages -= nr;
    }

    /** user->locked_vm in pages: what io_uring has charged. */
    public long pages() {
        return pages;
    }
}
