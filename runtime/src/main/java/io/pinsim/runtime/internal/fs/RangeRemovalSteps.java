package io.pinsim.runtime.internal.fs;

import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Footprint;
import io.pinsim.runtime.Steppable;
import io.pinsim.runtime.Task;
import io.pinsim.runtime.internal.locking.PageLocks;
import io.pinsim.runtime.internal.locking.RwSem;
import io.pinsim.runtime.internal.mm.MmCore;
import io.pinsim.runtime.internal.mm.Page;
import io.pinsim.runtime.trace.TraceKind;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * What the stepped truncate ({@link TruncateStepsImpl}) and hole punch ({@link PunchHoleStepsImpl})
 * share: both remove a range of an ext4 or tmpfs file's page cache in the same phases, under the
 * same locks. inode_lock(i_rwsem) from the first step to the last; inode_dio_wait() for the file's
 * direct I/O in flight; filemap_invalidate_lock() (since 5.15, i_mmap_sem from ea3d7209ca01 in 4.5)
 * around unmap_mapping_range() of the range; under
 * {@link io.pinsim.runtime.model.TruncatePinnedPage#PROPOSAL_WAIT_FOR_UNPIN} a sleep for the range's
 * pins with the invalidate lock dropped, as xfs_break_dax_layouts() does for a DAX block; then
 * truncate_inode_pages_range(), which takes the page lock and waits for PG_writeback of every page it
 * removes ({@link PageLocks}). Every step touches the page cache, page tables and references: its
 * footprint is everything. The subclass says which range, how it unmaps and removes it, and names
 * its steps.
 */
abstract class RangeRemovalSteps implements Steppable {
    /** The phases, in order; the operation is at the step of its phase. */
    enum Phase { LOCK, DIO_WAIT, UNMAP, PIN_WAIT, REMOVE, DONE }

    final OpenFileImpl file;
    final InodeImpl inode;
    private final Task thread;
    /** The call as the trace and the messages name it, e.g. {@code ftruncate(f, 0)}. */
    final String call;
    Phase phase = Phase.LOCK;
    /** The first page index removed whole. */
    long firstFull;
    boolean iLocked;
    boolean invalidateLocked;

    RangeRemovalSteps(OpenFileImpl file, Task thread, String call) {
        this.file = file;
        this.inode = file.inode();
        this.thread = thread;
        this.call = call;
    }

    /** The steps, once the syscall's checks pass at creation; else the errno they return. */
    static <T extends RangeRemovalSteps> T checked(T steps) {
        ErrnoException refusal = steps.refusal();
        if (refusal != null) {
            throw refusal;
        }
        return steps;
    }

    final MmCore kernel() {
        return inode.kernel;
    }

    final RwSem invalidateLock() {
        return inode.mapping.invalidateLock;
    }

    /** The syscall's checks again at the first step, or null: the file may have changed since the operation was made. */
    abstract ErrnoException refusal();

    /** After inode_lock(): fixes the range (the hole punch clamps it to i_size). */
    void locked() {
    }

    /** The UNMAP phase: take the invalidate lock, unmap, and sleep if the proposal waits for pins ({@link #relock()} for the hole punch). */
    abstract void unmap();

    /** unmap_mapping_range() of the range. */
    abstract void unmapRange();

    /** What a pin wait waits for in the range (TruncateOpImpl.pinWait()), or null. */
    abstract String pinWait();

    /** The pages truncate_inode_pages_range() will lock and remove. */
    abstract Collection<Page> pagesToRemove();

    /** The REMOVE phase: remove the pages, unlock, {@link Phase#DONE}. */
    abstract void remove();

    /** The UNMAP step's name, without the wait. */
    abstract String unmapStep();

    /** "range" or "hole": what the PIN_WAIT step names. */
    abstract String rangeName();

    /** The REMOVE step's name; {@code wait} is the " (waits for ..)" suffix, empty when it does not wait. */
    abstract String removeStep(String wait);

    @Override
    public final String actor() {
        return thread.actor();
    }

    @Override
    public final boolean isDone() {
        return phase == Phase.DONE;
    }

    @Override
    public final boolean isBlocked() {
        return waitsFor() != null;
    }

    /** While blocked: i_rwsem, the file's direct I/O in flight, the invalidate lock, a pinned page (proposal), or a page lock / PG_writeback. */
    @Override
    public final String waitsFor() {
        return switch (phase) {
            case LOCK -> inode.iRwsem.canWrite(this) ? null : inode.iRwsem.id();
            case DIO_WAIT -> inode.inflightDio.isEmpty() ? null : "inode:" + inode.filesystem().name() + ":" + inode.ino() + ":dio";
            case UNMAP -> invalidateLock().canWrite(this) ? null : invalidateLock().id();
            case PIN_WAIT -> pinWait() != null ? pinWait() : invalidateLock().canWrite(this) ? null : invalidateLock().id();
            case REMOVE -> busyPage();
            default -> null;
        };
    }

    /**
     * truncate_inode_pages_range(): folio_lock() and folio_wait_writeback() of every page it
     * removes; the footprint id of a page lock or PG_writeback another operation holds in the range,
     * or null.
     */
    private String busyPage() {
        for (Page f : pagesToRemove()) {
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
    public final String nextStep() {
        String wait = isBlocked() ? " (waits for " + waitsFor() + ")" : "";
        return switch (phase) {
            case LOCK -> call + ": inode_lock(i_rwsem)" + wait;
            case DIO_WAIT -> "inode_dio_wait()" + wait;
            case UNMAP -> unmapStep() + wait;
            case PIN_WAIT -> "wait for the pins of the " + rangeName() + " to drop (TruncatePinnedPage.PROPOSAL_WAIT_FOR_UNPIN), filemap_invalidate_lock(), "
                    + "unmap_mapping_range() again" + wait;
            case REMOVE -> removeStep(wait);
            case DONE -> "done";
        };
    }

    @Override
    public final Footprint nextFootprint() {
        return phase == Phase.DONE ? Footprint.NONE : Footprint.ALL;
    }

    @Override
    public final List<String> holds() {
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
    public final void step() {
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
                case UNMAP -> unmap();
                case PIN_WAIT -> relock();
                case REMOVE -> remove();
                default -> throw new IllegalStateException(phase.name());
            }
        });
    }

    private void lock() {
        ErrnoException refusal = refusal();
        if (refusal != null) {
            phase = Phase.DONE;
            throw refusal;
        }
        inode.iRwsem.downWrite(this, actor());
        iLocked = true;
        locked();
        phase = Phase.DIO_WAIT;
    }

    /**
     * Takes the invalidate lock and unmaps the range; woken from a pin wait, it does so again, since
     * faults may have mapped the range while it slept; then checks the pins.
     */
    final void relock() {
        invalidateLock().downWrite(this, actor());
        invalidateLocked = true;
        unmapRange();
        sleepIfPinned();
    }

    /**
     * Under {@link io.pinsim.runtime.model.TruncatePinnedPage#PROPOSAL_WAIT_FOR_UNPIN}, a pinned page
     * of the range makes the operation sleep: it drops the invalidate lock, so the pin holder's
     * faults can proceed, and waits for the pin to drop; otherwise it goes on to remove the pages.
     */
    final void sleepIfPinned() {
        String pinned = pinWait();
        if (pinned == null) {
            phase = Phase.REMOVE;
            return;
        }
        invalidateLock().upWrite(this, actor());
        invalidateLocked = false;
        phase = Phase.PIN_WAIT;
        kernel().trace().record(actor(), TraceKind.STEP, -1, -1, call + " sleeps: waits for " + pinned);
    }

    /** inode_unlock() and done; the trace says what was done. */
    final void finish(String what) {
        inode.iRwsem.upWrite(this, actor());
        iLocked = false;
        phase = Phase.DONE;
        kernel().trace().record(actor(), TraceKind.INFO, -1, -1, call + ": " + what + " (inode_unlock)");
    }

    /** Runs every remaining step (the operation must not block). */
    public final void run() {
        while (!isDone()) {
            step();
        }
    }

    @Override
    public final String toString() {
        return call + " from " + actor() + ", next: " + nextStep();
    }
}
