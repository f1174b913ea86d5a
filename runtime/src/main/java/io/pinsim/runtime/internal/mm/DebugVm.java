package io.pinsim.runtime.internal.mm;

import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.trace.FrameSnapshot;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The model's CONFIG_DEBUG_VM bookkeeping: while an operation runs it collects what the operation
 * changed (the frames it touched, the PTEs the page tables report, the VMAs it removed, the pages
 * that stopped being exclusive or left a page cache), and when the outermost operation ends it runs
 * {@link Invariants} over exactly that, and takes the step's frame snapshots. Everything here is
 * per kernel.
 */
final class DebugVm {
    private final MmCore k;
    private final boolean invariants;
    /** Whether every operation also runs the whole check (Kernel.Builder.fullInvariantChecks). */
    private final boolean fullChecks;
    private final int snapshotsPerStep;
    /** Whether operations collect the frames they touch: for the invariants, or for snapshots. */
    private final boolean trackTouched;
    private List<Page> touched = new ArrayList<>();
    /** What the operation changed besides frames, for the invariants (null when they are off). */
    private final Invariants.Changes changes;
    /** The pages that left a page cache in this operation, for the invariants: no PTE may still map them. */
    private List<Invariants.LeftCache> leftCache = new ArrayList<>();
    private final List<FrameSnapshot> snapshots = new ArrayList<>();
    private int forksInProgress;

    DebugVm(MmCore k, boolean invariants, boolean fullChecks, int snapshotsPerStep) {
        this.k = k;
        this.invariants = invariants;
        this.fullChecks = invariants && fullChecks;
        this.snapshotsPerStep = snapshotsPerStep;
        this.trackTouched = invariants || snapshotsPerStep > 0;
        this.changes = invariants ? new Invariants.Changes() : null;
    }

    /** The end of the outermost operation: checks what it changed, takes the step's snapshots. */
    void endOp(int step, boolean ok) {
        List<Page> check = touched;
        touched = new ArrayList<>();
        for (Page f : check) {
            f.flags &= ~Page.TOUCHED;
        }
        List<Invariants.LeftCache> left = leftCache;
        leftCache = left.isEmpty() ? left : new ArrayList<>();
        if (invariants) {
            try {
                if (ok || !check.isEmpty() || !changes.isEmpty()) {
                    new Invariants(k).check(check, changes, left);
                }
                if (fullChecks && ok) {
                    k.checkInvariants();
                }
            } finally {
                changes.clear();
            }
        }
        if (snapshotsPerStep > 0) {
            snapshot(step, check);
        }
    }

    /** A fork took (true) or released (false) an mmap_lock for write. */
    void forkLocked(boolean taken) {
        forksInProgress += taken ? 1 : -1;
    }

    /** Whether some fork holds an mmap_lock for write right now (a page may be between its two PTE updates). */
    boolean forkInProgress() {
        return forksInProgress > 0;
    }

    /** Whether address spaces tell the kernel of every PTE they change (for the invariants). */
    boolean tracksPtes() {
        return changes != null;
    }

    /** Notes that an operation changed a PTE of mm, for the invariant check at its end. */
    void touchPte(Mm mm, long vpn) {
        if (k.inOp()) {
            changes.pte(mm, vpn);
        }
    }

    /** Notes that an operation removed a VMA: no PTE may be left in its range. */
    void vmaRemoved(Mm mm, long startVpn, long endVpn) {
        if (changes != null && k.inOp()) {
            changes.vmaRemoved(mm, startVpn, endVpn);
        }
    }

    /** Notes that an anonymous page stopped being PageAnonExclusive in this operation. */
    void lostExclusive(Page f) {
        if (changes != null && k.inOp()) {
            changes.lostExclusive(f);
            touch(f);
        }
    }

    /** The snapshots recorded at the end of each step, oldest first; empty when snapshots are off. */
    List<FrameSnapshot> frameSnapshots() {
        return Collections.unmodifiableList(snapshots);
    }

    /** Records who holds each of the first frames the step touched, in the order it touched them. */
    private void snapshot(int step, List<Page> touchedFrames) {
        for (int i = 0; i < touchedFrames.size() && i < snapshotsPerStep; i++) {
            Page f = touchedFrames.get(i);
            List<String> mappedBy = new ArrayList<>();
            k.rmap().walk(f, (mm, vma, vpn) -> {
                long pte = mm.pt.get(vpn);
                mappedBy.add(mm.owner.name() + " 0x" + Long.toHexString(vpn << Kernel.PAGE_SHIFT) + (Pte.isWrite(pte) ? " rw" : " ro"));
            });
            snapshots.add(new FrameSnapshot(step, f.pfn(), f.toString(), mappedBy, f.holders(), f.isFree() ? "-" : f.describeContent()));
        }
    }

    /**
     * Notes that an operation wrote the frame's content. Only snapshots show content; the invariants
     * do not depend on it, so with snapshots off a write costs nothing here.
     */
    void wrote(Page f) {
        if (snapshotsPerStep > 0) {
            touch(f);
        }
    }

    /** Notes that an operation changed this frame, for the invariant check and the snapshot at its end. */
    void touch(Page f) {
        if (trackTouched && k.inOp() && (f.flags & Page.TOUCHED) == 0) {
            f.flags |= Page.TOUCHED;
            touched.add(f);
        }
    }

    /**
     * Notes that a page leaves the page cache {@code from} (__filemap_remove_folio(), shmem or DAX
     * entry deletion). The invariants then check, at the end of the operation, that no PTE of a VMA
     * of {@code from} still maps it: the kernel unmaps before it deletes, and CONFIG_DEBUG_VM
     * reports a page "still mapped when deleted" (filemap_unaccount_folio()).
     */
    void leftPageCache(Page f, AddressSpace from) {
        touch(f);
        if (invariants && k.inOp()) {
            leftCache.add(new Invariants.LeftCache(f, from));
        }
    }
}
