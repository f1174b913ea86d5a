package io.pinsim.runtime.internal.mm;

import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.WouldBlockException;

/**
 * The mmap_lock a plain (unstepped) call takes, checked before the call changes anything: while a
 * stepped operation holds it (a fork or munmap for write between its steps; a write fault,
 * MADV_DONTNEED, or munmap's zap after the downgrade for read), the call would sleep, and a
 * {@link WouldBlockException} says so; the schedule explorer turns that into a blocked step
 * ({@code Op.atomic}). mmap_write_lock() (mmap, munmap, mprotect, most madvise advice, fork)
 * sleeps while anyone holds the lock; mmap_read_lock() (a page fault, GUP's slow path,
 * MADV_DONTNEED) while a writer does.
 */
public final class MmapLockWait {
    private MmapLockWait() {
    }

    /** mmap_write_lock() for {@code call}: throws if a stepped operation holds mmap_lock at all. */
    public static void forWrite(Mm mm, String call) {
        if (mm.mmapWriteLocker != null || !mm.mmapReaders.isEmpty()) {
            Object holder = mm.mmapWriteLocker != null ? mm.mmapWriteLocker : mm.mmapReaders.get(0);
            throw sleeps(mm, call, "mmap_write_lock()", (mm.mmapWriteLocker != null ? "for write by " : "for read by ") + holder,
                    () -> mm.mmapWriteLocker != null || !mm.mmapReaders.isEmpty());
        }
    }

    /** mmap_read_lock() for {@code call}: throws if a stepped operation holds mmap_lock for write. */
    public static void forRead(Mm mm, String call) {
        if (mm.mmapWriteLocker != null) {
            throw sleeps(mm, call, "mmap_read_lock()", "for write by " + mm.mmapWriteLocker, () -> mm.mmapWriteLocker != null);
        }
    }

    /**
     * madvise(): mmap_read_lock() for the advice madvise_need_mmap_write() says needs no write lock
     * (MADV_DONTNEED, MADV_PAGEOUT, MADV_POPULATE_READ/WRITE), mmap_write_lock() for the others.
     */
    public static void madvise(Mm mm, io.pinsim.runtime.Advice advice, String call) {
        switch (advice) {
            case DONTNEED, PAGEOUT, POPULATE_READ, POPULATE_WRITE -> forRead(mm, call);
            default -> forWrite(mm, call);
        }
    }

    /**
     * A CPU access of [address, address + length): it takes mmap_lock for read only if it faults,
     * that is if a page has no PTE that allows the access (not present, or not writable for a
     * write); throws if one would fault while a stepped operation holds mmap_lock for write, or
     * while one holds a sleeping lock the fault takes ({@link FaultLocks}: do_swap_page()'s
     * folio_lock_or_retry() on a swap-cache page a stepped reclaim holds locked from
     * trylock_page() to __remove_mapping(); filemap_fault()'s invalidate lock and page lock while a
     * stepped truncate, hole punch or writeback holds them). Without the page-lock check a plain
     * store swapped the page in, mapped it and took it out of the swap cache between reclaim's
     * try_to_unmap() and __remove_mapping(), whose refcount check then freed the mapped frame
     * (fuzzer, seed 0, sequence 386).
     */
    public static void forAccess(Mm mm, long address, long length, boolean write, String call) {
        if (length <= 0 || address < 0) {
            return;
        }
        long first = address >>> Kernel.PAGE_SHIFT;
        long last = (address + length - 1) >>> Kernel.PAGE_SHIFT;
        if (mm.mmapWriteLocker == null && !sleepingLocksHeld(mm, first, last)) {
            return; // the common case, whatever the length: nothing a fault could sleep on is held
        }
        if (mm.mmapWriteLocker == null) {
            // only pages of a VMA fault without SIGSEGV; the check covers the first 2^16 pages (256 MiB) of the access
            first = Math.max(first, mm.vmasIn(first, last + 1).isEmpty() ? last + 1 : mm.vmasIn(first, last + 1).get(0).startVpn);
            last = Math.min(last, first + (1 << 16));
        }
        for (long vpn = first; vpn <= last && vpn >= 0; vpn++) {
            long pte = mm.pt.get(vpn);
            if (!Pte.isPresent(pte) || (write && !Pte.isWrite(pte))) {
                String fault = call + " (its page fault at " + Kernel.hex(vpn << Kernel.PAGE_SHIFT) + ")";
                if (mm.mmapWriteLocker != null) {
                    forRead(mm, fault);
                    return;
                }
                String lock = FaultLocks.waitsFor(mm.kernel, mm, vpn, null);
                long at = vpn;
                if (lock != null) {
                    throw new WouldBlockException(fault + " in \"" + mm.owner.name() + "\" would sleep on " + FaultLocks.describe(lock) + " (" + lock
                            + "), which a stepped operation holds between its steps; as an Op.atomic of the schedule explorer the call waits for it,"
                            + " else step that operation first", lock, () -> FaultLocks.waitsFor(mm.kernel, mm, at, null) != null);
                }
            }
        }
    }

    /**
     * The sleeping lock ({@link FaultLocks}) a fault of the first faulting page of the access would
     * sleep on now, or null; mmap_lock is not considered. The query behind {@link #forAccess}'s
     * page-lock check, for a caller that waits rather than throws (a stepped MR registration's GUP).
     */
    public static String faultLockWaitsFor(Mm mm, long address, long length, boolean write) {
        if (length <= 0 || address < 0) {
            return null;
        }
        long first = address >>> Kernel.PAGE_SHIFT;
        long last = (address + length - 1) >>> Kernel.PAGE_SHIFT;
        if (!sleepingLocksHeld(mm, first, last)) {
            return null;
        }
        for (long vpn = first; vpn <= last && vpn >= 0 && vpn <= first + (1 << 16); vpn++) {
            long pte = mm.pt.get(vpn);
            if (!Pte.isPresent(pte) || (write && !Pte.isWrite(pte))) {
                String lock = FaultLocks.waitsFor(mm.kernel, mm, vpn, null);
                if (lock != null) {
                    return lock;
                }
            }
        }
        return null;
    }

    /** Whether a stepped operation holds a page lock anywhere, or the invalidate lock of a file mapped in [first, last]. */
    private static boolean sleepingLocksHeld(Mm mm, long first, long last) {
        if (!mm.kernel.pageLocks.isEmpty()) {
            return true;
        }
        for (VmArea v : mm.vmasIn(first, last + 1)) {
            if (v.mapping != null && !v.mapping.invalidateLock.canRead(null)) {
                return true;
            }
        }
        return false;
    }

    private static WouldBlockException sleeps(Mm mm, String call, String lock, String holder, java.util.function.BooleanSupplier held) {
        return new WouldBlockException(call + " in \"" + mm.owner.name() + "\" would sleep in " + lock + ": mmap_lock is held " + holder
                + " between its steps; as an Op.atomic of the schedule explorer the call waits for it, else step that operation first or use the call's *Steps variant",
                mm.objectId() + ":mmap_lock", held);
    }
}
