package io.pinsim.runtime.internal.kernel;

import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Footprint;
import io.pinsim.runtime.ForkSteps;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.Steppable;
import io.pinsim.runtime.internal.mm.CopyPageRange;
import io.pinsim.runtime.internal.mm.Mm;
import io.pinsim.runtime.internal.mm.Page;
import io.pinsim.runtime.internal.mm.VmArea;
import io.pinsim.runtime.model.ForkPinned;
import io.pinsim.runtime.trace.TraceKind;
import java.util.List;

/**
 * fork() as dup_mmap() -> copy_page_range() -> copy_pte_range() -> copy_present_pte() does it,
 * runnable at once ({@link #run()}) or step by step to interleave with GUP-fast in another thread:
 * <ol>
 * <li>begin: take mmap_lock for write, create the child;</li>
 * <li>per VMA: skip VM_DONTCOPY; give VM_WIPEONFORK and shared (shmem) VMAs to the child without
 *     PTEs; for a private VMA raise MMU_NOTIFY_PROTECTION_PAGE on the parent for the whole VMA and
 *     hold write_protect_seq odd (57efa1fe5957);</li>
 * <li>per populated PTE, two steps: decide (share, or copy now because the page may be pinned, per
 *     {@link ForkPinned}) and apply (write-protect both PTEs and share, or install the child's
 *     copy);</li>
 * <li>end: release mmap_lock; the child runs.</li>
 * </ol>
 */
public final class ForkStepsImpl implements Steppable, io.pinsim.runtime.ForkSteps {
    private enum Phase { BEGIN, VMA_START, PTE_DECIDE, PTE_APPLY, VMA_END, END, DONE }

    private final KernelImpl k;
    private final ProcessImpl parent;
    private final TaskImpl thread;
    private final String childName;
    private ProcessImpl child;
    private Phase phase = Phase.BEGIN;
    private List<VmArea> vmas;
    private int vmaIndex;
    private CopyPageRange range;

    ForkStepsImpl(ProcessImpl parent, TaskImpl thread, String childName) {
        this.k = parent.kernel;
        this.parent = parent;
        this.thread = thread;
        this.childName = childName;
    }

    @Override
    public String actor() {
        return thread.actor();
    }

    @Override
    public boolean isDone() {
        return phase == Phase.DONE;
    }

    /**
     * The first step (mmap_write_lock() in dup_mmap()) waits while another operation holds
     * mmap_lock: a stepped fault or MADV_DONTNEED for read, a stepped munmap for write.
     */
    @Override
    public boolean isBlocked() {
        return waitsFor() != null;
    }

    /** While blocked: the parent's mmap_lock. */
    @Override
    public String waitsFor() {
        Mm mm = parent.mm;
        return phase == Phase.BEGIN && ((mm.mmapWriteLocker != null && mm.mmapWriteLocker != this) || !mm.mmapReaders.isEmpty()) ? mm.objectId() + ":mmap_lock" : null;
    }

    private void requireNotBlocked() {
        if (isBlocked()) {
            Mm mm = parent.mm;
            throw new IllegalStateException("fork() waits for mmap_lock, which " + (mm.mmapReaders.isEmpty()
                    ? "another thread's stepped munmap holds for write" : "another thread's stepped fault or MADV_DONTNEED holds for read") + "; step it first");
        }
    }

    @Override
    public String nextStep() {
        return switch (phase) {
            case BEGIN -> "fork(): take mmap_lock, create \"" + childName + "\"" + (isBlocked() ? " (waits for mmap_lock)" : "");
            case VMA_START -> "copy_page_range() of " + vmas.get(vmaIndex);
            case PTE_DECIDE -> "copy_present_pte(): decide for the next page of " + range.vma();
            case PTE_APPLY -> "copy_present_pte(): " + (range.refusesNext() ? "fail fork (EBUSY) at" : range.copiesNext() ? "copy" : "share") + " " + Kernel.hex(range.address());
            case VMA_END -> "end of copy_page_range() of " + range.vma();
            case END -> "fork(): release mmap_lock";
            case DONE -> "done";
        };
    }

    /**
     * What the next step touches (see {@link Footprint}): begin and end take and release mmap_lock
     * and change the process list; a VMA's start and end move write_protect_seq (and call the
     * parent's mmu notifiers, which may do anything, so then everything); deciding reads the
     * parent's PTEs, MMF_HAS_PINNED and the next frame; applying writes the parent's PTE, the
     * child's page table and the frame. A file VMA gives the child a VMA on the file's mapping,
     * which every reverse-map walk of the file reads: everything; so does any step while another
     * operation waits, as the model retries it after every step.
     */
    @Override
    public Footprint nextFootprint() {
        if (k.core.hasPendingOps()) {
            return Footprint.ALL;
        }
        Mm mm = parent.mm;
        String id = mm.objectId();
        return switch (phase) {
            case BEGIN -> Footprint.builder().write(id + ":mmap_lock").read(id + ":vmas").write(id + ":anon_vma").write("kernel:processes").build();
            case VMA_START -> {
                VmArea cur = vmas.get(vmaIndex);
                if (cur.mapping != null || mm.hasNotifierSubscribers()) {
                    yield Footprint.ALL;
                }
                Footprint.Builder b = Footprint.builder().read(id + ":vmas").write(child.mm.objectId());
                if (cur.isCowMapping()) {
                    b.write(id + ":write_protect_seq");
                }
                yield b.read(id + ":pte").build();
            }
            case PTE_DECIDE -> {
                Footprint.Builder b = Footprint.builder();
                range.decideFootprint(b);
                yield b.build();
            }
            case PTE_APPLY -> range.applyFootprint();
            case VMA_END -> mm.hasNotifierSubscribers() ? Footprint.ALL : Footprint.builder().write(id + ":write_protect_seq").build();
            case END -> Footprint.builder().write(id + ":mmap_lock").write("kernel:processes").build();
            case DONE -> Footprint.NONE;
        };
    }

    /** mmap_lock of the parent, held for write from the first step to the last. */
    @Override
    public List<String> holds() {
        if (phase == Phase.BEGIN || phase == Phase.DONE) {
            return List.of();
        }
        // inside copy_page_range() of a COW VMA: write_protect_seq is odd (raw_write_seqcount_begin); between
        // deciding and applying a PTE copy_pte_range() holds the parent's PTE table lock
        List<String> held = new java.util.ArrayList<>(3);
        held.add(parent.mm.objectId() + ":mmap_lock");
        if (parent.mm.writeProtectSeq.writer() != null && parent.mm.writeProtectSeq.writer() == range) {
            held.add(parent.mm.writeProtectSeq.id());
        }
        if (range != null && range.heldPtl() != null) {
            held.add(range.heldPtl());
        }
        return held;
    }

    @Override
    public ProcessImpl child() {
        if (!isDone() || child == null) {
            throw new IllegalStateException("the fork is not done yet; next step: " + nextStep());
        }
        return child;
    }

    @Override
    public ProcessImpl run() {
        if (isDone()) {
            throw new IllegalStateException("the fork is already done");
        }
        parent.requireAlive();
        requireNotBlocked();
        k.core.run(actor(), phase == Phase.BEGIN ? "fork()" : "fork(): remaining steps", -1, () -> {
            while (!isDone()) {
                advance();
            }
        });
        return child;
    }

    @Override
    public void step() {
        if (isDone()) {
            throw new IllegalStateException("the fork is already done");
        }
        parent.requireAlive();
        requireNotBlocked();
        k.core.run(actor(), nextStep(), phase == Phase.PTE_APPLY ? range.address() : -1, this::advance);
    }

    private void advance() {
        switch (phase) {
            case BEGIN -> begin();
            case VMA_START -> copyPageRange();
            case PTE_DECIDE -> copyOnePte();
            case PTE_APPLY -> applyPte();
            case VMA_END -> copyPageRangeEnd();
            case END -> end();
            default -> throw new IllegalStateException(phase.name());
        }
    }

    private void begin() {
        Mm mm = parent.mm;
        mm.setMmapWriteLocker(this);
        child = new ProcessImpl(k, k.allocPid(), childName, parent);
        if (mm.anonVma != null) {
            child.mm.anonVma = mm.anonVma;
            mm.anonVma.mms.add(child.mm);
        }
        vmas = List.copyOf(mm.vmas.values());
        k.trace().record(actor(), TraceKind.FORK, -1, -1, "fork(): child \"" + childName + "\" (pid " + child.pid() + "), mmap_lock held for write");
        phase = vmas.isEmpty() ? Phase.END : Phase.VMA_START;
    }

    /** dup_mmap() for one VMA: the child's VMA, then copy_page_range() unless nothing is to be copied. */
    private void copyPageRange() {
        VmArea cur = vmas.get(vmaIndex);
        if (cur.isDontCopy()) {
            k.trace().record(actor(), TraceKind.FORK, cur.start(), -1, cur + ": not copied to the child (VM_DONTCOPY); parent PTEs untouched");
            nextVma();
            return;
        }
        VmArea cv = new VmArea(child.mm, cur.startVpn, cur.endVpn, cur.flags, cur.mapping, cur.pgoff, cur.file);
        // dup_mmap(): a VM_WIPEONFORK child VMA starts without an anon_vma.
        cv.hasAnonVma = cur.hasAnonVma && !cur.isWipeOnFork();
        cv.anonShift = cur.anonShift;
        child.mm.anonMoved |= cur.anonShift != 0;
        child.mm.addVma(cv);
        if (cur.isWipeOnFork()) {
            k.trace().record(actor(), TraceKind.FORK, cur.start(), -1, cur + ": the child gets it empty (VM_WIPEONFORK); parent PTEs untouched");
            nextVma();
            return;
        }
        if (!cur.hasAnonVma) {
            // copy_page_range(): if (!(vm_flags & (VM_HUGETLB|VM_PFNMAP|VM_MIXEDMAP)) && !src_vma->anon_vma) return 0;
            // no notifier, no write_protect_seq; the child faults pages in (the zero page, the page cache).
            if (parent.mm.pt.nextPopulated(cur.startVpn, cur.endVpn) >= 0) {
                k.trace().record(actor(), TraceKind.FORK, cur.start(), -1, cur + ": no anon_vma, PTEs not copied; the child faults them in");
            }
            nextVma();
            return;
        }
        range = new CopyPageRange(parent.mm, child.mm, cur, actor());
        if (!range.begin()) {
            range = null;
            failRefused(cur);
            return;
        }
        phase = Phase.PTE_DECIDE;
    }

    private void copyOnePte() {
        phase = range.copyOnePte() ? Phase.PTE_APPLY : Phase.VMA_END;
    }

    private void applyPte() {
        if (range.refusesNext()) {
            failPinned();
            return;
        }
        Page failed = range.applyPte();
        if (failed != null) {
            fail(failed);
            return;
        }
        phase = Phase.PTE_DECIDE;
    }

    private void copyPageRangeEnd() {
        range.end();
        range = null;
        nextVma();
    }

    private void nextVma() {
        vmaIndex++;
        phase = vmaIndex < vmas.size() ? Phase.VMA_START : Phase.END;
    }

    private void end() {
        parent.mm.setMmapWriteLocker(null);
        k.registerProcess(child);
        k.trace().record(actor(), TraceKind.FORK, -1, -1, "fork() done: \"" + childName + "\" (pid " + child.pid() + ") runs");
        phase = Phase.DONE;
    }

    /** copy_pte_range(): page_copy_prealloc() failed, so fork fails with ENOMEM and the child is torn down. */
    private void fail(Page old) {
        long address = range.address();
        range.close();
        child.teardown();
        parent.mm.setMmapWriteLocker(null);
        phase = Phase.DONE;
        ProcessImpl dead = child;
        child = null;
        throw new ErrnoException(Errno.ENOMEM, "fork", "could not allocate the child's copy of maybe-pinned frame #" + old.pfn() + " at "
                + Kernel.hex(address) + " (copy_pte_range: page_copy_prealloc failed, 70e806e4e645); child \"" + dead.name() + "\" torn down");
    }

    /** {@link ForkPinned#PROPOSAL_REQUIRE_DONTFORK}: a maybe-pinned page outside MADV_DONTFORK fails fork with EBUSY. */
    private void failPinned() {
        long address = range.address();
        String why = range.why();
        range.close();
        child.teardown();
        parent.mm.setMmapWriteLocker(null);
        phase = Phase.DONE;
        ProcessImpl dead = child;
        child = null;
        throw new ErrnoException(Errno.EBUSY, "fork", "the page at " + Kernel.hex(address) + ": " + why + "; madvise(MADV_DONTFORK) the pinned range first; child \"" + dead.name() + "\" torn down");
    }

    /**
     * copy_page_range(): mmu_notifier_invalidate_range_start() returned -EAGAIN (a driver refused the
     * blockable range, which only {@link io.pinsim.runtime.model.NotifierFailure#PROPOSAL_MAY_FAIL}
     * returns): dup_mmap() fails, the child is torn down, no parent PTE was changed.
     */
    private void failRefused(VmArea cur) {
        child.teardown();
        parent.mm.setMmapWriteLocker(null);
        phase = Phase.DONE;
        ProcessImpl dead = child;
        child = null;
        throw new ErrnoException(Errno.EAGAIN, "fork", "a device driver refused the invalidation of " + cur
                + " (MMU_NOTIFY_PROTECTION_PAGE) and NotifierFailure.PROPOSAL_MAY_FAIL returns it: copy_page_range() fails before changing a PTE; child \"" + dead.name() + "\" torn down");
    }

    @Override
    public String toString() {
        return "fork of \"" + parent.name() + "\" into \"" + childName + "\", next: " + nextStep();
    }
}
