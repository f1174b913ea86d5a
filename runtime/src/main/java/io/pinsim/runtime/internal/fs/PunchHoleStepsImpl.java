package io.pinsim.runtime.internal.fs;

import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.PunchHoleSteps;
import io.pinsim.runtime.Task;
import io.pinsim.runtime.internal.mm.Page;
import java.util.Collection;

/**
 * fallocate(PUNCH_HOLE) of an ext4 or tmpfs file as steps (see {@link PunchHoleSteps}), in the
 * phases and under the locks of {@link RangeRemovalSteps} (shared with {@link TruncateStepsImpl}):
 * i_rwsem (inode_lock() in ext4_punch_hole()) from the first step to the last; the invalidate lock
 * from unmap_mapping_range() to the end of truncate_pagecache_range(); the page lock and
 * PG_writeback of each whole page of the hole.
 */
public final class PunchHoleStepsImpl extends RangeRemovalSteps implements PunchHoleSteps {
    private final long offset;
    private final long length;
    private long from;
    private long to;
    private long endFull;

    private PunchHoleStepsImpl(OpenFileImpl file, Task thread, long offset, long length) {
        super(file, thread, FileChecks.punchCall(file, offset, length));
        this.offset = offset;
        this.length = length;
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
        return checked(new PunchHoleStepsImpl(file, thread, offset, length));
    }

    @Override
    ErrnoException refusal() {
        return FileChecks.punchRefusal(file, call, offset, length);
    }

    /** ext4_punch_hole(): "No need to punch hole beyond i_size"; the whole pages of the hole are [firstFull, endFull). */
    @Override
    void locked() {
        from = offset;
        to = Math.max(offset, Math.min(offset + length, inode.size));
        firstFull = (from + Kernel.PAGE_SIZE - 1) >>> Kernel.PAGE_SHIFT;
        endFull = to >>> Kernel.PAGE_SHIFT;
    }

    @Override
    String pinWait() {
        return TruncateOpImpl.pinWait(inode, firstFull, endFull);
    }

    /** The whole pages of the hole. */
    @Override
    Collection<Page> pagesToRemove() {
        return inode.mapping.pages.subMap(firstFull, true, Math.max(firstFull, endFull), false).values();
    }

    @Override
    String unmapStep() {
        return "filemap_invalidate_lock(), unmap_mapping_range() of the hole";
    }

    @Override
    String rangeName() {
        return "hole";
    }

    @Override
    String removeStep(String wait) {
        return "truncate_inode_pages_range(), zero the partial pages, unlock" + wait;
    }

    @Override
    void unmap() {
        relock();
    }

    @Override
    void unmapRange() {
        inode.unmapMappingRange(firstFull, endFull, false);
    }

    /** The same as the plain punch (TruncateOpImpl#punchPages): zero the partial head and tail, remove the whole pages. */
    @Override
    void remove() {
        TruncateOpImpl.punchPages(inode, from, to, firstFull, endFull, actor());
        invalidateLock().upWrite(this, actor());
        invalidateLocked = false;
        finish("punched a hole at " + from + "+" + (to - from));
    }
}
