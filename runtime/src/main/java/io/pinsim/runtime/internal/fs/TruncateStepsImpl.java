package io.pinsim.runtime.internal.fs;

import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.Task;
import io.pinsim.runtime.TruncateSteps;
import io.pinsim.runtime.internal.mm.Page;
import java.util.Collection;

/**
 * ftruncate() of an ext4 or tmpfs file as steps (see {@link TruncateSteps}), in the phases and
 * under the locks of {@link RangeRemovalSteps}: i_rwsem (inode_lock() in do_truncate()); the
 * invalidate lock (filemap_invalidate_lock() in ext4_setattr() since 5.15,
 * down_write(&amp;EXT4_I(inode)-&gt;i_mmap_sem) from ea3d7209ca01 in 4.5) from the first
 * unmap_mapping_range() to the end of truncate_pagecache(). A truncate that does not shrink the
 * file only sets i_size.
 */
public final class TruncateStepsImpl extends RangeRemovalSteps implements TruncateSteps {
    private final long newSize;
    private long oldSize;

    private TruncateStepsImpl(OpenFileImpl file, Task thread, long newSize) {
        super(file, thread, "ftruncate(" + file.label() + ", " + newSize + ")");
        this.newSize = newSize;
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
        return checked(new TruncateStepsImpl(file, thread, size));
    }

    @Override
    ErrnoException refusal() {
        return FileChecks.truncateRefusal(file, call, newSize);
    }

    @Override
    String pinWait() {
        return TruncateOpImpl.pinWait(inode, firstFull);
    }

    /** Every page from the first one past the new size on. */
    @Override
    Collection<Page> pagesToRemove() {
        return inode.mapping.pages.tailMap(firstFull, true).values();
    }

    @Override
    String unmapStep() {
        return "filemap_invalidate_lock(), i_size_write(), unmap_mapping_range()";
    }

    @Override
    String rangeName() {
        return "range";
    }

    @Override
    String removeStep(String wait) {
        return "truncate_inode_pages(), unmap_mapping_range() again, unlock";
    }

    @Override
    void unmap() {
        oldSize = inode.size;
        if (newSize >= oldSize) {
            inode.size = newSize;
            finish("extended to " + newSize + " bytes");
            return;
        }
        invalidateLock().downWrite(this, actor());
        invalidateLocked = true;
        inode.size = newSize;
        firstFull = (newSize + Kernel.PAGE_SIZE - 1) >>> Kernel.PAGE_SHIFT;
        unmapRange();
        sleepIfPinned();
    }

    @Override
    void unmapRange() {
        inode.unmapMappingRange(firstFull, Long.MAX_VALUE, true);
    }

    @Override
    void remove() {
        long pageEnd = firstFull << Kernel.PAGE_SHIFT;
        if (newSize < Math.min(pageEnd, oldSize)) {
            inode.zeroRange(newSize, Math.min(pageEnd, oldSize));
        }
        inode.removePages(firstFull, Long.MAX_VALUE, actor(), true);
        inode.unmapMappingRange(firstFull, Long.MAX_VALUE, true);
        invalidateLock().upWrite(this, actor());
        invalidateLocked = false;
        finish("truncated from " + oldSize + " to " + newSize + " bytes");
    }
}
