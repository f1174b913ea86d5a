package io.pinsim.runtime.internal.fs;

import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Footprint;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.Task;
import io.pinsim.runtime.TruncateSteps;
import io.pinsim.runtime.internal.locking.RwSem;
import io.pinsim.runtime.internal.mm.MmCore;
import io.pinsim.runtime.trace.TraceKind;
import java.util.ArrayList;
import java.util.List;

/**
 * ftruncate() of an ext4 or tmpfs file as steps (see {@link TruncateSteps}). The locks behind the
 * boundaries: i_rwsem (inode_lock() in do_truncate()) from the first step to the last; the wait of
 * inode_dio_wait() for asynchronous direct I/O; the invalidate lock (filemap_invalidate_lock() in
 * ext4_setattr() since 5.15, down_write(&amp;EXT4_I(inode)-&gt;i_mmap_sem) from ea3d7209ca01 in 4.5)
 * from the first unmap_mapping_range() to the end of truncate_pagecache(). Every step touches the
 * page cache, page tables and references: its footprint is everything.
 */
public final class TruncateStepsImpl implements TruncateSteps {
    private enum Phase { LOCK, DIO_WAIT, UNMAP, PIN_WAIT, REMOVE, DONE }

    private final OpenFileImpl file;
    private final InodeImpl inode;
    private final Task thread;
    private final long newSize;
    private final String call;
    private Phase phase = Phase.LOCK;
    private long oldSize;
    private long firstFull;
    private boolean iLocked;
    private boolean invalidateLocked;

    private TruncateStepsImpl(OpenFileImpl file, Task thread, long newSize) {
        this.file = file;
        this.inode = file.inode();
        this.thread = thread;
        this.newSize = newSize;
        this.call = "ftruncate(" + file.label() + ", " + newSize + ")";
    }

    /**
     * ftruncate(fd, size) from {@code thread}, as steps; the checks of ftruncate() run now.
     *
     * @throws IllegalArgumentException if the thread is not one of the file's process
     * @throws IllegalStateException    for an fs-DAX file (use startTruncate()) or an exited process
     * @throws ErrnoException           as ftruncate() fails: EBADF, EINVAL, EFBIG
     */
    public static TruncateStepsImpl of(OpenFileImpl file, Task thread, long size) {
        FileChecks.requireSteppable(file, thread, "truncate", "startTruncate(" + size + ")");
        TruncateStepsImpl steps = new TruncateStepsImpl(file, thread, size);
        ErrnoException refusal = FileChecks.truncateRefusal(file, steps.call, size);
        if (refusal != null) {
            throw refusal;
        }
        return steps;
    }

    private MmCore kernel() {
        return inode.kernel;
    }

    private RwSem invalidateLock() {
        return inode.mapping.invalidateLock;
    }

    @Override
    public String actor() {
        return thread.actor();
    }

    @Override
    public boolean isDone() {
        return phase == Phase.DONE;
    }

    @Override
    public boolean isBlocked() {
        return switch (phase) {
            case LOCK -> !inode.iRwsem.canWrite(this);
            case DIO_WAIT -> !inode.inflightDio.isEmpty();
            case UNMAP -> !invalidateLock().canWrite(this);
            case PIN_WAIT -> TruncateOpImpl.pinWait(inode, firstFull) != null || !invalidateLock().canWrite(this);
            case REMOVE -> busyPage() != null;
            default -> false;
        };
    }

    /**
     * truncate_inode_pages_range(): folio_lock() and folio_wait_writeback() of every page it
     * removes; the footprint id of a page lock or PG_writeback another operation holds in the range,
     * or null.
     */
    private String busyPage() {
        for (io.pinsim.runtime.internal.mm.Page f : inode.mapping.pages.tailMap(firstFull, true).values()) {
            Object locker = kernel().pageLocks.owner(f.pfn());
            if (locker != null && locker != this) {
                return io.pinsim.runtime.internal.locking.PageLocks.id(f.pfn());
            }
            if (kernel().pageLocks.writeback(f.pfn()) != null) {
                return io.pinsim.runtime.internal.locking.PageLocks.writebackId(f.pfn());
            }
        }
        return null;
    }

    @Override
    public String nextStep() {
        String wait = isBlocked() ? " (waits for " + waitsFor() + ")" : "";
        return switch (phase) {
            case LOCK -> call + ": inode_lock(i_rwsem)" + wait;
            case DIO_WAIT -> "inode_dio_wait()" + wait;
            case UNMAP -> "filemap_invalidate_lock(), i_size_write(), unmap_mapping_range()" + wait;
            case PIN_WAIT -> "wait for the pins of the range to drop (TruncatePinnedPage.PROPOSAL_WAIT_FOR_UNPIN), filemap_invalidate_lock(), "
                    + "unmap_mapping_range() again" + wait;
            case REMOVE -> "truncate_inode_pages(), unmap_mapping_range() again, unlock";
            case DONE -> "done";
        };
    }

    @Override
    public Footprint nextFootprint() {
        return phase == Phase.DONE ? Footprint.NONE : Footprint.ALL;
    }

    /** While blocked: i_rwsem, the file's direct I/O in flight, or the invalidate lock. */
    @Override
    public String waitsFor() {
        if (!isBlocked()) {
            return null;
        }
        return switch (phase) {
            case LOCK -> inode.iRwsem.id();
            case DIO_WAIT -> "inode:" + inode.filesystem().name() + ":" + inode.ino() + ":dio";
            case PIN_WAIT -> java.util.Objects.requireNonNullElse(TruncateOpImpl.pinWait(inode, firstFull), invalidateLock().id());
            case REMOVE -> busyPage();
            default -> invalidateLock().id();
        };
    }

    @Override
    public List<String> holds() {
        List<String> out = new ArrayList<>(2);
        if (iLocked) {
            out.add(inode.iRwsem.id());
        }
        if (invalidateLocked) {
            out.add(invalidateLock().id());
        }
        return out;
    }

    @Override
    public void step() {
        if (isDone()) {
            throw new IllegalStateException(call + " is already done");
        }
        if (isBlocked()) {
            throw new IllegalStateException(call + " waits: " + nextStep() + "; step the operation that holds " + waitsFor() + " first");
        }
        file.process().requireAlive();
        String actor = actor();
        kernel().run(actor, nextStep(), -1, () -> {
            switch (phase) {
                case LOCK -> {
                    ErrnoException refusal = FileChecks.truncateRefusal(file, call, newSize);
                    if (refusal != null) {
                        phase = Phase.DONE;
                        throw refusal;
                    }
                    inode.iRwsem.downWrite(this, actor());
                    iLocked = true;
                    phase = Phase.DIO_WAIT;
                }
                case DIO_WAIT -> phase = Phase.UNMAP;
                case UNMAP -> unmap(actor);
                case PIN_WAIT -> relock(actor);
                case REMOVE -> remove(actor);
                default -> throw new IllegalStateException(phase.name());
            }
        });
    }

    private void unmap(String actor) {
        oldSize = inode.size;
        if (newSize >= oldSize) {
            inode.size = newSize;
            finish(actor, "extended to " + newSize + " bytes");
            return;
        }
        invalidateLock().downWrite(this, actor());
        invalidateLocked = true;
        inode.size = newSize;
        firstFull = (newSize + Kernel.PAGE_SIZE - 1) >>> Kernel.PAGE_SHIFT;
        inode.unmapMappingRange(firstFull, Long.MAX_VALUE, true);
        sleepIfPinned(actor);
    }

    /**
     * Under {@link io.pinsim.runtime.model.TruncatePinnedPage#PROPOSAL_WAIT_FOR_UNPIN}, a pinned page
     * of the range makes the truncate sleep as xfs_break_dax_layouts() does for a DAX block: it drops
     * the invalidate lock (XFS_MMAPLOCK_EXCL there), so the pin holder's faults can proceed, and waits
     * for the pin to drop; otherwise it goes on to remove the pages.
     */
    private void sleepIfPinned(String actor) {
        String pinned = TruncateOpImpl.pinWait(inode, firstFull);
        if (pinned == null) {
            phase = Phase.REMOVE;
            return;
        }
        invalidateLock().upWrite(this, actor());
        invalidateLocked = false;
        phase = Phase.PIN_WAIT;
        kernel().trace().record(actor, TraceKind.STEP, -1, -1, call + " sleeps: waits for " + pinned);
    }

    /** Woken: takes the invalidate lock again and unmaps again, since faults may have mapped the range while it slept; then checks the pins again. */
    private void relock(String actor) {
        invalidateLock().downWrite(this, actor());
        invalidateLocked = true;
        inode.unmapMappingRange(firstFull, Long.MAX_VALUE, true);
        sleepIfPinned(actor);
    }

    private void remove(String actor) {
        long pageEnd = firstFull << Kernel.PAGE_SHIFT;
        if (newSize < Math.min(pageEnd, oldSize)) {
            inode.zeroRange(newSize, Math.min(pageEnd, oldSize));
        }
        inode.removePages(firstFull, Long.MAX_VALUE, actor, true);
        inode.unmapMappingRange(firstFull, Long.MAX_VALUE, true);
        invalidateLock().upWrite(this, actor());
        invalidateLocked = false;
        finish(actor, "truncated from " + oldSize + " to " + newSize + " bytes");
    }

    private void finish(String actor, String what) {
        inode.iRwsem.upWrite(this, actor());
        iLocked = false;
        phase = Phase.DONE;
        kernel().trace().record(actor, TraceKind.INFO, -1, -1, call + ": " + what + " (inode_unlock)");
    }

    @Override
    public void run() {
        while (!isDone()) {
            step();
        }
    }

    @Override
    public String toString() {
        return call + " from " + actor() + ", next: " + nextStep();
    }
}
