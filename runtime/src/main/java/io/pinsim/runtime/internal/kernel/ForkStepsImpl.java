package io.pinsim.runtime.internal.kernel;

import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.ForkSteps;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MmuNotifierEvent;
import io.pinsim.runtime.Steppable;
import io.pinsim.runtime.internal.mm.Content;
import io.pinsim.runtime.internal.mm.Mm;
import io.pinsim.runtime.internal.mm.Page;
import io.pinsim.runtime.internal.mm.Pte;
import io.pinsim.runtime.internal.mm.SwapSpace;
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
public final class ForkStepsImpl implements Steppable , io.pinsim.runtime.ForkSteps {
    private enum Phase { BEGIN, VMA_START, PTE_DECIDE, PTE_APPLY, VMA_END, END, DONE }

    private enum Decision { SHARE, COPY, SWAP, ZERO }

    private final KernelImpl k;
    private final ProcessImpl parent;
    private final TaskImpl thread;
    private final String childName;
    private final ForkPinned policy;
    private ProcessImpl child;
    private Phase phase = Phase.BEGIN;
    private List<VmArea> vmas;
    private int vmaIndex;
    private VmArea cur;
    private boolean cow;
    private long cursor;
    private long vpn;
    private long pte;
    private Decision decision;
    private String why;
    private int shared;
    private int copied;

    ForkStepsImpl(ProcessImpl parent, TaskImpl thread, String childName) {
        this.k = parent.kernel;
        this.parent = parent;
        this.thread = thread;
        this.childName = childName;
        this.policy = k.model().get(ForkPinned.class);
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
        return false;
    }

    @Override
    public String nextStep() {
        return switch (phase) {
            case BEGIN -> "fork(): take mmap_lock, create \"" + childName + "\"";
            case VMA_START -> "copy_page_range() of " + vmas.get(vmaIndex);
            case PTE_DECIDE -> "copy_present_pte(): decide for the next page of " + cur;
            case PTE_APPLY -> "copy_present_pte(): " + (decision == Decision.COPY ? "copy" : "share") + " " + Kernel.hex(vpn << Kernel.PAGE_SHIFT);
            case VMA_END -> "end of copy_page_range() of " + cur;
            case END -> "fork(): release mmap_lock";
            case DONE -> "done";
        };
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
        k.core.run(actor(), nextStep(), phase == Phase.PTE_APPLY ? vpn << Kernel.PAGE_SHIFT : -1, this::advance);
    }

    private void advance() {
        switch (phase) {
            case BEGIN -> begin();
            case VMA_START -> copyPageRange();
            case PTE_DECIDE -> copyOnePte();
            case PTE_APPLY -> apply();
            case VMA_END -> copyPageRangeEnd();
            case END -> end();
            default -> throw new IllegalStateException(phase.name());
        }
    }

    private void begin() {
        Mm mm = parent.mm;
        mm.mmapWriteLocker = this;
        child = new ProcessImpl(k, k.allocPid(), childName, parent);
        if (mm.anonVma != null) {
            child.mm.anonVma = mm.anonVma;
            mm.anonVma.mms.add(child.mm);
        }
        vmas = List.copyOf(mm.vmas.values());
        k.trace().record(actor(), TraceKind.FORK, -1, -1, "fork(): child \"" + childName + "\" (pid " + child.pid() + "), mmap_lock held for write");
        phase = vmas.isEmpty() ? Phase.END : Phase.VMA_START;
    }

    private void copyPageRange() {
        cur = vmas.get(vmaIndex);
        shared = 0;
        copied = 0;
        if (cur.isDontCopy()) {
            k.trace().record(actor(), TraceKind.FORK, cur.start(), -1, cur + ": not copied to the child (VM_DONTCOPY); parent PTEs untouched");
            nextVma();
            return;
        }
        VmArea cv = new VmArea(child.mm, cur.startVpn, cur.endVpn, cur.flags, cur.mapping, cur.pgoff, cur.file);
        // dup_mmap(): a VM_WIPEONFORK child VMA starts without an anon_vma.
        cv.hasAnonVma = cur.hasAnonVma && !cur.isWipeOnFork();
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
        cow = cur.isCowMapping();
        if (cow) {
            parent.mm.notifyStart(MmuNotifierEvent.PROTECTION_PAGE, cur.startVpn, cur.endVpn, true);
            parent.mm.writeProtectSeq++;
        }
        cursor = cur.startVpn;
        phase = Phase.PTE_DECIDE;
    }

    private void copyOnePte() {
        vpn = parent.mm.pt.nextPopulated(cursor, cur.endVpn);
        if (vpn < 0) {
            phase = Phase.VMA_END;
            return;
        }
        pte = parent.mm.pt.get(vpn);
        why = null;
        if (Pte.isSwap(pte)) {
            decision = Decision.SWAP;
        } else if (Pte.pfn(pte) == 0) {
            decision = Decision.ZERO;
        } else {
            Page f = k.core.frameOfPte(pte);
            decision = copyPresentPte(f);
        }
        phase = Phase.PTE_APPLY;
    }

    /** copy_present_pte(): share the page or copy it now, per the model's {@link ForkPinned} policy. */
    private Decision copyPresentPte(Page f) {
        boolean maybePinned = cow && parent.mm.hasPinned && f.pageMaybeDmaPinned();
        switch (policy) {
            case SHARE_WRPROTECT -> {
                return Decision.SHARE;
            }
            case EARLY_COPY_ANY_PAGE -> {
                if (maybePinned) {
                    why = "MMF_HAS_PINNED and page_maybe_dma_pinned() (refcount " + f.refcount() + "): copied for the child now, the parent keeps it writable (copy_present_page, 70e806e4e645)";
                    return Decision.COPY;
                }
                return Decision.SHARE;
            }
            case EARLY_COPY_ANON_EXCLUSIVE -> {
                if (!f.isAnon() || (f.flags & Page.ANON_EXCLUSIVE) == 0) {
                    return Decision.SHARE;
                }
                if (maybePinned) {
                    why = "exclusive and maybe pinned (refcount " + f.refcount() + "): page_try_dup_anon_rmap() fails, copied for the child now, the parent keeps it";
                    return Decision.COPY;
                }
                f.flags &= ~Page.ANON_EXCLUSIVE;
                k.core.touch(f);
                return Decision.SHARE;
            }
            default -> throw new IllegalStateException(policy.name());
        }
    }

    private void apply() {
        Mm pm = parent.mm;
        Mm cm = child.mm;
        switch (decision) {
            case SWAP -> {
                SwapSpace.Slot slot = k.core.swap.get(Pte.slot(pte));
                slot.count++;
                long shared = pte & ~Pte.SWP_EXCLUSIVE;
                pm.pt.set(vpn, shared);
                cm.pt.set(vpn, shared);
            }
            case ZERO -> cm.pt.set(vpn, pte & ~Pte.YOUNG);
            case SHARE -> {
                long p = pm.pt.get(vpn);
                if (cow && Pte.isWrite(p)) {
                    p &= ~Pte.WRITE;
                    pm.pt.set(vpn, p);
                }
                cm.pt.set(vpn, p & ~Pte.YOUNG);
                k.core.touch(k.core.frameOfPte(p));
                shared++;
            }
            case COPY -> {
                Page old = k.core.frameOfPte(pte);
                Page n = k.core.allocFrame(Content.copyOf(old.content));
                if (n == null) {
                    fail(old);
                    return;
                }
                n.flags |= Page.ANON | Page.ANON_EXCLUSIVE | Page.DIRTY;
                n.anonVma = cm.anonVma();
                n.index = vpn;
                long cpte = Pte.present(n.pfn()) | Pte.DIRTY | Pte.SOFT_DIRTY | ((cur.flags & VmArea.VM_WRITE) != 0 ? Pte.WRITE : 0);
                cm.pt.set(vpn, cpte);
                copied++;
                k.trace().record(actor(), TraceKind.FORK, vpn << Kernel.PAGE_SHIFT, n.pfn(), "frame #" + old.pfn() + " at " + Kernel.hex(vpn << Kernel.PAGE_SHIFT)
                        + " " + why + "; the child's copy is frame #" + n.pfn());
            }
            default -> throw new IllegalStateException(decision.name());
        }
        cursor = vpn + 1;
        phase = Phase.PTE_DECIDE;
    }

    private void copyPageRangeEnd() {
        if (cow) {
            parent.mm.writeProtectSeq++;
            parent.mm.notifyEnd(MmuNotifierEvent.PROTECTION_PAGE, cur.startVpn, cur.endVpn);
        }
        k.trace().record(actor(), TraceKind.FORK, cur.start(), -1, cur + ": " + shared + " page(s) shared" + (cow ? " and write-protected in both" : "")
                + (copied > 0 ? ", " + copied + " copied early for the child" : ""));
        nextVma();
    }

    private void nextVma() {
        vmaIndex++;
        phase = vmaIndex < vmas.size() ? Phase.VMA_START : Phase.END;
    }

    private void end() {
        parent.mm.mmapWriteLocker = null;
        k.registerProcess(child);
        k.trace().record(actor(), TraceKind.FORK, -1, -1, "fork() done: \"" + childName + "\" (pid " + child.pid() + ") runs");
        phase = Phase.DONE;
    }

    /** copy_pte_range(): page_copy_prealloc() failed, so fork fails with ENOMEM and the child is torn down. */
    private void fail(Page old) {
        if (cow) {
            parent.mm.writeProtectSeq++;
            parent.mm.notifyEnd(MmuNotifierEvent.PROTECTION_PAGE, cur.startVpn, cur.endVpn);
        }
        child.teardown();
        parent.mm.mmapWriteLocker = null;
        phase = Phase.DONE;
        ProcessImpl dead = child;
        child = null;
        throw new ErrnoException(Errno.ENOMEM, "fork", "could not allocate the child's copy of maybe-pinned frame #" + old.pfn() + " at "
                + Kernel.hex(vpn << Kernel.PAGE_SHIFT) + " (copy_pte_range: page_copy_prealloc failed, 70e806e4e645); child \"" + dead.name() + "\" torn down");
    }

    @Override
    public String toString() {
        return "fork of \"" + parent.name() + "\" into \"" + childName + "\", next: " + nextStep();
    }
}
