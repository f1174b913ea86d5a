package io.pinsim.runtime.internal.fs;

import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.TruncateOp;
import io.pinsim.runtime.internal.mm.Hugetlb;
import io.pinsim.runtime.internal.mm.MmCore;
import io.pinsim.runtime.internal.mm.Page;
import io.pinsim.runtime.model.TruncatePinnedPage;
import io.pinsim.runtime.trace.TraceKind;

/**
 * A truncate or hole punch that may have to sleep: ext4_setattr() / ext4_punch_hole() first wait
 * for the file's direct I/O (inode_dio_wait()); on fs-DAX the filesystem then breaks the layout
 * (xfs_break_dax_layouts() / ext4_break_layouts()): unmap every user mapping and wait, interruptibly,
 * until no page of the range is held (a pin of a DAX page is a pin of the block itself; 5fac7408d828),
 * then unmap again: the wait drops the lock that keeps faults out, and a block must be unmapped
 * from user space before it is freed.
 * The kernel retries a pending operation after every step, so it finishes in the step that drops
 * the last reference.
 */
public final class TruncateOpImpl implements io.pinsim.runtime.TruncateOp, MmCore.Pending {
    private final InodeImpl inode;
    private final OpenFileImpl file;
    /** The hole of a punch, [from, to), clamped to i_size before the wait as ext4_punch_hole() does. */
    private final long from;
    private final long to;
    /** The size a truncate sets; where it cuts is decided after the wait, against the size then. */
    private final long newSize;
    private final boolean punch;
    private boolean done;
    private boolean unmapped;
    /** It waited for a busy DAX block since the range was last unmapped (xfs_break_dax_layouts()'s retry loop). */
    private boolean layoutBusy;
    private String waitingFor;
    /** TruncatePinnedPage.PROPOSAL_NOTIFY_THEN_DUMMY_PAGE: the revocation in progress, or null. */
    private PinRevoke revoke;
    /** A synchronous ftruncate()/punchHole(): one model step, so a revoke's grace period ends at once. */
    private boolean synchronous;

    private TruncateOpImpl(OpenFileImpl file, long from, long to, long newSize, boolean punch) {
        this.file = file;
        this.inode = file.inode();
        this.from = from;
        this.to = to;
        this.newSize = newSize;
        this.punch = punch;
    }

    /** An operation that would sleep, called where it must not: refused before anything happens. */
    static void refuseSleep(String waitsFor, String what, String instead) {
        if (waitsFor != null) {
            throw new IllegalStateException(what + " sleeps: it waits for " + waitsFor + "; use " + instead + " and complete what it waits for");
        }
    }

    /** ftruncate(newSize). */
    static TruncateOpImpl truncate(OpenFileImpl file, long newSize) {
        return new TruncateOpImpl(file, 0, 0, newSize, false);
    }

    /** fallocate(PUNCH_HOLE) of [from, to); an empty range punches nothing. */
    static TruncateOpImpl punch(OpenFileImpl file, long from, long to) {
        return new TruncateOpImpl(file, from, to, 0, true);
    }

    /**
     * Ends a synchronous ftruncate()/punchHole(): the call is one model step, so nothing can unpin
     * during a revoke's grace period (TruncatePinnedPage.PROPOSAL_NOTIFY_THEN_DUMMY_PAGE), which ends
     * at once; the other waits were refused before the call started.
     */
    void finishSynchronously() {
        if (!done && revoke != null) {
            synchronous = true;
            inode.kernel.op(file.process().name(), describe() + ": the grace period ends", -1, () -> tryRun(inode.kernel));
        }
    }

    @Override
    public boolean isDone() {
        return done;
    }

    @Override
    public String waitingFor() {
        return done ? null : waitingFor;
    }

    String describe() {
        return punch ? "fallocate(PUNCH_HOLE, " + from + ", " + (to - from) + ") of " + inode.name() : "ftruncate(" + inode.name() + ", " + newSize + ")";
    }

    /** Tries to finish; returns true when done. Called by the kernel after every operation while pending. */
    @Override
    public boolean tryRun() {
        return tryRun(inode.kernel);
    }

    boolean tryRun(MmCore k) {
        if (done) {
            return true;
        }
        String actor = file.process().name();
        if (!inode.inflightDio.isEmpty()) {
            return waitFor(k, actor, dioWait(inode));
        }
        long oldSize = inode.size;
        if (!punch && newSize >= oldSize) {
            inode.size = newSize;
            finish(k, actor, "extended to " + newSize + " bytes");
            return true;
        }
        // truncate_pagecache(inode, newsize): the cut is at the new size, whatever the size grew to during the wait
        long firstFull = ((punch ? from : newSize) + Kernel.PAGE_SIZE - 1) >>> Kernel.PAGE_SHIFT;
        long endFull = punch ? to >>> Kernel.PAGE_SHIFT : Long.MAX_VALUE;
        if (!unmapped) {
            inode.unmapMappingRange(firstFull, endFull, !punch);
            unmapped = true;
        }
        if (waitsForHolders(inode)) {
            Page f = busyPage(inode, firstFull, endFull);
            if (f != null) {
                layoutBusy = true;
                LayoutLeases.breakFor(k, inode, actor, describe());
                return waitFor(k, actor, busyWait(inode, f));
            }
            if (layoutBusy) {
                // It slept with MMAPLOCK dropped, so faults may have mapped the blocks again; the retry's
                // dax_layout_busy_page() unmaps them again and finds nothing busy, and this time the lock
                // stays held until the blocks are freed.
                layoutBusy = false;
                k.trace().record(actor, TraceKind.STEP, -1, -1, describe() + " wakes: the layout break unmaps the range again (dax_layout_busy_page)");
                inode.unmapMappingRange(firstFull, endFull, !punch);
            }
        }
        if (!inode.kind().isDax() && inode.kernel.model().get(TruncatePinnedPage.class) == TruncatePinnedPage.PROPOSAL_NOTIFY_THEN_DUMMY_PAGE) {
            if (revoke == null) {
                revoke = new PinRevoke(inode, firstFull, endFull, describe());
            }
            if (!revoke.tryFinish(k, actor, synchronous)) {
                waitingFor = revoke.waitingFor(); // a grace period, traced by PinRevoke's notification: not a sleep on the pin
                return false;
            }
        }
        if (punch) {
            punchPages(inode, from, to, firstFull, endFull, actor);
            finish(k, actor, "punched a hole at " + from + "+" + (to - from));
        } else {
            long pageEnd = ((newSize + Kernel.PAGE_SIZE - 1) >>> Kernel.PAGE_SHIFT) << Kernel.PAGE_SHIFT;
            if (newSize < Math.min(pageEnd, oldSize)) {
                inode.zeroRange(newSize, Math.min(pageEnd, oldSize));
            }
            inode.removePages(firstFull, Long.MAX_VALUE, actor, true);
            if (Hugetlb.isHugetlbfs(inode.mapping)) {
                Hugetlb.truncateReservations(k, inode.mapping, firstFull);
            }
            inode.size = newSize;
            finish(k, actor, "truncated from " + oldSize + " to " + newSize + " bytes");
        }
        return true;
    }

    /**
     * What a truncate from {@code from} (a punch of [from, to)) would wait for if it started now, or
     * null; changes nothing. The same tests as {@link #tryRun()}: direct I/O in flight, then on
     * fs-DAX a held block of the range.
     */
    static String wouldWaitFor(InodeImpl inode, long from, long to, boolean punch) {
        if (!inode.inflightDio.isEmpty()) {
            return dioWait(inode);
        }
        if (!waitsForHolders(inode) || (!punch && from >= inode.size)) {
            return null;
        }
        Page f = busyPage(inode, (from + Kernel.PAGE_SIZE - 1) >>> Kernel.PAGE_SHIFT, punch ? to >>> Kernel.PAGE_SHIFT : Long.MAX_VALUE);
        return f == null ? null : busyWait(inode, f);
    }

    /**
     * Whether truncate waits for the pages of the range to be let go: always on fs-DAX
     * (xfs_break_dax_layouts()), and for page cache under the proposal
     * {@link TruncatePinnedPage#PROPOSAL_WAIT_FOR_UNPIN}; every shipped kernel orphans a pinned
     * page-cache page ({@link TruncatePinnedPage#ORPHAN}).
     */
    private static boolean waitsForHolders(InodeImpl inode) {
        return inode.kind().isDax() || inode.kernel.model().get(TruncatePinnedPage.class) == TruncatePinnedPage.PROPOSAL_WAIT_FOR_UNPIN;
    }

    /**
     * The page-cache part of a hole punch of [from, to), for the plain and the stepped punch
     * (truncate_pagecache_range()): zero the partial head and tail pages, remove the whole pages
     * [firstFull, endFull).
     */
    static void punchPages(InodeImpl inode, long from, long to, long firstFull, long endFull, String actor) {
        long headEnd = Math.min(to, firstFull << Kernel.PAGE_SHIFT);
        if (from < headEnd) {
            inode.zeroRange(from, headEnd);
        }
        long tailStart = Math.max(from, endFull << Kernel.PAGE_SHIFT);
        if (endFull >= firstFull && tailStart < to) {
            inode.zeroRange(tailStart, to);
        }
        if (endFull > firstFull) {
            inode.removePages(firstFull, endFull, actor, true);
        }
    }

    /**
     * For the stepped truncate ({@link TruncateStepsImpl}, page cache only): what it waits for under
     * {@link TruncatePinnedPage#PROPOSAL_WAIT_FOR_UNPIN} - a pinned page from {@code fromIndex} on -
     * or null (always null on the shipped kernels, which orphan the page).
     */
    static String pinWait(InodeImpl inode, long fromIndex) {
        return pinWait(inode, fromIndex, Long.MAX_VALUE);
    }

    /** {@link #pinWait(InodeImpl, long)} for the pages [fromIndex, toIndex) of a hole punch. */
    static String pinWait(InodeImpl inode, long fromIndex, long toIndex) {
        if (!waitsForHolders(inode)) {
            return null;
        }
        Page f = busyPage(inode, fromIndex, toIndex);
        return f == null ? null : busyWait(inode, f);
    }

    /** The page truncate waits for: on DAX any held block, in the page cache (the proposal) a page that may be DMA-pinned. */
    private static Page busyPage(InodeImpl inode, long fromIndex, long toIndex) {
        return inode.kind().isDax() ? inode.firstBusyPage(fromIndex, toIndex) : inode.firstPinnedPage(fromIndex, toIndex);
    }

    private static String dioWait(InodeImpl inode) {
        return inode.inflightDio.size() + " direct I/O request(s) in flight on " + inode.name() + " (inode_dio_wait)";
    }

    private static String busyWait(InodeImpl inode, Page f) {
        if (!inode.kind().isDax()) {
            return "page " + f.index + " of " + inode.name() + " (frame #" + f.pfn() + ") is pinned by " + String.join(", ", f.holders())
                    + " (TruncatePinnedPage.PROPOSAL_WAIT_FOR_UNPIN: truncate waits for the pin to drop, as xfs_break_dax_layouts does for DAX)";
        }
        return "DAX block " + f.index + " of " + inode.name() + " (frame #" + f.pfn() + ") is held by "
                + String.join(", ", f.holders()) + " (dax_layout_busy_page; xfs_break_dax_layouts waits for the reference to drop)";
    }

    private boolean waitFor(MmCore k, String actor, String what) {
        if (!what.equals(waitingFor)) {
            k.trace().record(actor, TraceKind.STEP, -1, -1, describe() + " sleeps: waits for " + what);
        }
        waitingFor = what;
        return false;
    }

    private void finish(MmCore k, String actor, String what) {
        done = true;
        waitingFor = null;
        k.trace().record(actor, TraceKind.INFO, -1, -1, describe() + ": " + what);
    }

    @Override
    public String toString() {
        return describe() + (done ? " (done)" : " (waiting for " + waitingFor + ")");
    }
}
