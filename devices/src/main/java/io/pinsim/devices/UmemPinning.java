package io.pinsim.devices;

import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Foll;
import io.pinsim.runtime.GupPages;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.model.IbUmemGupFlags;
import io.pinsim.runtime.spi.DriverContext;

/**
 * The pinned half of {@link RdmaNic}'s MR registration, as drivers/infiniband/core/umem.c does it:
 * ib_umem_get() charges mm-&gt;pinned_vm against RLIMIT_MEMLOCK, pins the range with
 * FOLL_LONGTERM and the model's {@link IbUmemGupFlags}, and on failure unpins what it pinned and
 * returns the charge; ib_umem_release() unpins (dirtying a writable MR's pages) and uncharges.
 * {@link RdmaNic} keeps the verbs and libibverbs' MADV_DONTFORK ({@link IbvForkInit}).
 */
final class UmemPinning {
    /**
     * The pages ib_umem_get() pins per call: one page-list page of struct page pointers,
     * {@code PAGE_SIZE / sizeof(struct page *)} (512 with 4 KiB pages and 8-byte pointers).
     */
    static final int CHUNK_PAGES = Kernel.PAGE_SIZE / 8;

    private final Kernel kernel;
    private final DriverContext ctx;

    UmemPinning(Kernel kernel, DriverContext ctx) {
        this.kernel = kernel;
        this.ctx = ctx;
    }

    DriverContext ctx() {
        return ctx;
    }

    /**
     * ib_check_mr_access() and ib_umem_get()'s own argument checks, before anything changes.
     *
     * @return the number of pages the range covers
     */
    static long checkArguments(long address, long length, int access) {
        if ((access & ~IbAccess.KNOWN) != 0) {
            throw new ErrnoException(Errno.EINVAL, "ibv_reg_mr", "unknown access flags 0x" + Integer.toHexString(access & ~IbAccess.KNOWN));
        }
        if ((access & (IbAccess.REMOTE_WRITE | IbAccess.REMOTE_ATOMIC)) != 0 && (access & IbAccess.LOCAL_WRITE) == 0) {
            throw new ErrnoException(Errno.EINVAL, "ibv_reg_mr", IbAccess.describe(access) + ": remote write or atomic access needs LOCAL_WRITE (ib_check_mr_access)");
        }
        if (length <= 0 || address < 0 || address + length < address || address + length > Kernel.TASK_SIZE) {
            throw new ErrnoException(Errno.EINVAL, "ibv_reg_mr", length <= 0 ? "length must be positive" : "address + length overflows (ib_umem_get)");
        }
        long first = address & ~(Kernel.PAGE_SIZE - 1L);
        return (address + length - first + Kernel.PAGE_SIZE - 1) >>> Kernel.PAGE_SHIFT;
    }

    /** ib_umem_get()'s GUP flags for an MR with these access flags ({@link IbUmemGupFlags}). */
    int gupFlags(int access) {
        int flags = Foll.LONGTERM;
        boolean writable = IbAccess.writable(access);
        if (kernel.model().get(IbUmemGupFlags.class) == IbUmemGupFlags.WRITE_FORCE_IF_READONLY) {
            flags |= Foll.WRITE | (writable ? 0 : Foll.FORCE);
        } else if (writable) {
            flags |= Foll.WRITE;
        }
        return flags;
    }

    /**
     * The model pins at most 2^31 - 1 pages in one registration; past RLIMIT_MEMLOCK this is
     * ib_umem_get()'s own ENOMEM.
     */
    void checkPageCount(Process p, long npages) {
        if (npages > Integer.MAX_VALUE) {
            ctx.accountPinnedVm(p, npages);
            ctx.unaccountPinnedVm(p, npages);
            throw new ErrnoException(Errno.ENOMEM, "ibv_reg_mr", npages + " pages: the model pins at most 2^31 - 1 pages in one registration");
        }
    }

    /**
     * ib_umem_get() in one call: charge, pin every page, undo both on failure.
     *
     * @throws ErrnoException ENOMEM past RLIMIT_MEMLOCK, EFAULT (or GUP's errno) when a page cannot be pinned
     */
    GupPages pinAll(Process p, long first, int npages, int flags, String holder) {
        boolean charged = false;
        GupPages pages = null;
        try {
            ctx.accountPinnedVm(p, npages);
            charged = true;
            pages = ctx.pinUserPagesFast(p, first, npages, flags, holder);
            if (pages.count() < npages) {
                throw new ErrnoException(Errno.EFAULT, "ibv_reg_mr", "only " + pages.count() + " of " + npages + " pages could be pinned (ib_umem_get)");
            }
            return pages;
        } catch (ErrnoException e) {
            if (pages != null) {
                pages.unpin(false);
            }
            if (charged) {
                ctx.unaccountPinnedVm(p, npages);
            }
            throw e;
        }
    }

    /** ib_umem_release(): unpin_user_page_range_dirty_lock(.., umem-&gt;writable &amp;&amp; dirty), then atomic64_sub(npages, &amp;mm-&gt;pinned_vm). */
    void release(MemoryRegion mr) {
        mr.pages.unpin(mr.isWritable());
        ctx.unaccountPinnedVm(mr.process(), mr.pages.count());
    }
}
