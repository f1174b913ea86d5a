package io.pinsim.runtime.internal.fs;

import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Footprint;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.PunchHoleSteps;
import io.pinsim.runtime.Task;
import io.pinsim.runtime.internal.locking.PageLocks;
import io.pinsim.runtime.internal.locking.RwSem;
import io.pinsim.runtime.internal.mm.MmCore;
import io.pinsim.runtime.internal.mm.Page;
import io.pinsim.runtime.trace.TraceKind;
import java.util.ArrayList;
import java.util.List;

/**
 * fallocate(PUNCH_HOLE) of an ext4 or tmpfs file as steps (see {@link PunchHoleSteps}), on the
 * template of {@link TruncateStepsImpl}. The locks behind the boundaries: i_rwsem (inode_lock() in
 * ext4_punch_hole()) from the first step to the last; the wait of inode_dio_wait(); the invalidate
 * lock (filemap_invalidate_lock() since 5.15, i_mmap_sem from ea3d7209ca01 in 4.5) from
 * unmap_mapping_range() to the end of truncate_pagecache_range(); the page lock and PG_writeback of
 * each page truncate_inode_pages_range() removes ({@link PageLocks}). Every step touches the page
 * cache, page tables and references: its footprint is everything.
 */
public final class PunchHoleStepsImpl implements PunchHoleSteps {
    private enum Phase { LOCK, DIO_WAIT, UNMAP, PIN_WAIT, REMOVE, DONE }

    private final OpenFileImpl file;
    private final InodeImpl inode;
    private final Task thread;
    private final long offset;
    private final long length;
    private final String call;
    private Phase phase = Phase.LOCK;
    private long from;
    private long to;
    private long firstFull;
    private long endFull;
    private boolean iLocked;
    private boolean invalidateLocked;

    private PunchHoleStepsImpl(OpenFileImpl file, Task thread, long offset, long length) {
        this.file = file;
        this.inode = file.inode();
        this.thread = thread;
        this.offset = offset;
        this.length = length;
        this.call = FileChecks.punchCall(file, offset, length);
    }

    /**
     * fallocate(fd, PUNCH_HOLE|KEEP_SIZE, offset, length) from {@code thread}, as steps; the checks
     * of fallocate() run now.
     *
     * @throws IllegalArgumentException if the thread is not one of the file's process
     * @throws IllegalStateException    for an fs-DAX file (use startPunchHole()) or an exited process
     * @throws ErrnoException           as fallocate() fails: EINVAL, EBADF, EFBIG
     */
    public static PunchHoleStepsImpl of(OpenFileImpl file, Task thread, long offset, long length) {
        FileChecks.requireSteppable(file, thread, "hole punch", "startPunchHole(" + offset + ", " + length + ")");
        PunchHoleStepsImpl steps = new PunchHoleStepsImpl(file, thread, offset, length);
        ErrnoException refusal = FileChecks.punchRefusal(file, steps.call, offset, length);
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
        return waitsFor() != null;
    }

    /** While blocked: i_rwsem, the file's direct I/O in flight, the invalidate lock, a pinned page (proposal), or a page lock / PG_writeback. */
    @Override
    public String waitsFor() {
        return switch (phase) {
            case LOCK -> inode.iRwsem.canWrite(this) ? null : inode.iRwsem.id();
            case DIO_WAIT -> inode.inflightDio.isEmpty() ? null : "inode:" + inode.filesystem().name() + ":" + inode.ino() + ":dio";
            case UNMAP -> invalidateLock().canWrite(this) ? null : invalidateLock().id();
            case PIN_WAIT -> TruncateOpImpl.pinWait(inode, firstFull, endFull) != null ? TruncateOpImpl.pinWait(inode, firstFull, endFull)
                    : invalidateLock().canWrite(this) ? null : invalidateLock().id();
            case REMOVE -> busyPage();
            default -> null;
        };
    }

    /** truncate_inode_pages_range(): folio_lock() and folio_wait_writeback() of every whole page of the hole. */
    private String busyPage() {
        for (Page f : inode.mapping.pages.subMap(firstFull, true, Math.max(firstFull, endFull), false).values()) {
            Object locker = kernel().pageLocks.owner(f.pfn());
            if (locker != null && locker != this) {
                return PageLocks.id(f.pfn());
            }
            if (kernel().pageLocks.writeback(f.pfn()) != null) {
                return PageLocks.writebackId(f.pfn());
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
            case UNMAP -> "filemap_invalidate_lock(), unmap_mapping_range() of the hole" + wait;
            case PIN_WAIT -> "wait for the pins of the hole to drop (TruncatePinnedPage.PROPOSAL_WAIT_FOR_UNPIN), filemap_invalidate_lock(), "
                    + "unmap_mapping_range() again" + wait;
            case REMOVE -> "truncate_inode_pages_range(), zero the partial pages, unlock" + wait;
            case DONE -> "done";
        };
    }

    @Override
    public Footprint nextFootprint() {
        return phase == Phase.DONE ? Footprint.NONE : Footprint.ALL;
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
        kernel().run(actor(), nextStep(), -1, () -> {
            switch (phase) {
                case LOCK -> lock();
                case DIO_WAIT -> phase = Phase.UNMAP;
                case UNMAP -> {
                    invalidateLock().downWrite(this, actor());
                    invalidateLocked = true;
                    inode.unmapMappingRange(firstFull, endFull, false);
                    sleepIfPinned();
                }
                case PIN_WAIT -> {
                    invalidateLock().downWrite(this, actor());
                    invalidateLocked = true;
                    inode.unmapMappingRange(firstFull, endFull, false);
                    sleepIfPinned();
                }
                case REMOVE -> remove();
                default -> throw new IllegalStateException(phase.name());
            }
        });
    }

    private void lock() {
        ErrnoException refusal = FileChecks.punchRefusal(file, call, offset, length);
        if (refusal != null) {
            phase = Phase.DONE;
            throw refusal;
        }
        inode.iRwsem.downWrite(this, actor());
        iLocked = true;
        // ext4_punch_hole(): "No need to punch hole beyond i_size"
        from = offset;
        to = Math.max(offset, Math.min(offset + length, inode.size));
        firstFull = (from + Kernel.PAGE_SIZE - 1) >>> Kernel.PAGE_SHIFT;
        endFull = to >>> Kernel.PAGE_SHIFT;
        phase = Phase.DIO_WAIT;
    }

    /** Under the proposal {@link io.pinsim.runtime.model.TruncatePinnedPage#PROPOSAL_WAIT_FOR_UNPIN}: drop the invalidate lock and wait for the pins, as {@link TruncateStepsImpl} does. */
    private void sleepIfPinned() {
        String pinned = TruncateOpImpl.pinWait(inode, firstFull, endFull);
        if (pinned == null) {
            phase = Phase.REMOVE;
            return;
        }
        invalidateLock().upWrite(this, actor());
        invalidateLocked = false;
        phase = Phase.PIN_WAIT;
        kernel().trace().record(actor(), TraceKind.STEP, -1, -1, call + " sleeps: waits for " + pinned);
    }

    /** The same order as the plain punch (TruncateOpImpl): zero the partial head and tail, remove the whole pages. */
    private void remove() {
        long headEnd = Math.min(to, firstFull << Kernel.PAGE_SHIFT);
        if (from < headEnd) {
            inode.zeroRange(from, headEnd);
        }
        long tailStart = Math.max(from, endFull << Kernel.PAGE_SHIFT);
        if (endFull >= firstFull && tailStart < to) {
            inode.zeroRange(tailStart, to);
        }
        if (endFull > firstFull) {
            inode.removePages(firstFull, endFull, actor(), true);
        }
        invalidateLock().upWrite(this, actor());
        invalidateLocked = false;
        inode.iRwsem.upWrite(this, actor());
        iLocked = false;
        phase = Phase.DONE;
        kernel().trace().record(actor(), TraceKind.INFO, -1, -1, call + ": punched a hole at " + from + "+" + (to - from) + " (inode_unlock)");
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
