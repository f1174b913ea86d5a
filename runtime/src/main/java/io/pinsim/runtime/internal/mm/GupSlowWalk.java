package io.pinsim.runtime.internal.mm;

import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Foll;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.KernelBugException;
import io.pinsim.runtime.model.GupReadOnShared;
import io.pinsim.runtime.trace.TraceKind;
import java.util.List;

/**
 * The loop of __get_user_pages() (mm/gup.c) cut at the points where another CPU can see a change:
 * {@link #follow()} is follow_page_mask() -&gt; follow_page_pte() under the page table lock
 * (pte_offset_map_lock()), with try_grab_page() before pte_unmap_unlock() (for a new page after
 * check_vma_flags() of its VMA); {@link #fault()} is faultin_page() -&gt; handle_mm_fault(), which
 * takes the PTL itself, and after which __get_user_pages() goes back to "retry:" and follows again.
 * The plain slow path ({@link Gup#getUserPagesFrom}) runs the pieces in a row; the stepped one
 * ({@link GupSlowStepsImpl}) runs one per step under mmap_lock held for read.
 */
final class GupSlowWalk {
    /** What the last piece left to do. */
    enum Next { FOLLOW, FAULT, STOP }

    private final MmCore k;
    private final Gup gup;
    private final Gup.Request r;
    private final List<Page> frames;
    private final List<GupRef> refs;
    private int index;
    private VmArea vma;
    private int flags;
    private boolean follCow;
    private boolean unshare;
    private int tries;
    private String refusal;
    private Errno errno = Errno.EFAULT;

    GupSlowWalk(MmCore k, Gup gup, Gup.Request r, int first, List<Page> frames, List<GupRef> refs) {
        this.k = k;
        this.gup = gup;
        this.r = r;
        this.index = first;
        this.frames = frames;
        this.refs = refs;
    }

    /** The index of the page the walk is at. */
    int index() {
        return index;
    }

    /** The virtual page number the walk is at. */
    long vpn() {
        return (r.start() >>> Kernel.PAGE_SHIFT) + index;
    }

    /** The VMA of the page the walk is at, once {@link #follow()} looked it up (what {@link #fault()} faults in). */
    VmArea vma() {
        return vma;
    }

    /** Whether every page was taken or the walk stopped. */
    boolean isDone() {
        return refusal != null || index >= r.nrPages();
    }

    /**
     * follow_page_mask() for the page the walk is at, the VMA checks first for a new page
     * (check_vma_flags(), fs-DAX long-term, 8ac268436e6d): takes the page (try_grab_page()) and
     * moves on, or says that it must be faulted in, or stops the walk.
     */
    Next follow() {
        Mm mm = r.process().mm();
        long vpn = vpn();
        if (tries == 0 && !unshare) {
            vma = mm.findVma(vpn);
            follCow = false;
            if (vma == null) {
                return stop("no VMA at " + Kernel.hex(vpn << Kernel.PAGE_SHIFT), Errno.EFAULT);
            }
            String why = Gup.checkVmaFlags(vma, r.flags());
            if (why == null && (r.flags() & Foll.LONGTERM) != 0 && vma.isFsDax() && LayoutLease.longtermRefusal(k, vma, mm) != null) {
                return stop(LayoutLease.longtermRefusal(k, vma, mm), Errno.EOPNOTSUPP);
            } else if (why == null && gup.longtermWriteOfDirtyTrackedFile(vma, r)) {
                why = "FOLL_LONGTERM|FOLL_WRITE pin of " + vma.mapping.name() + ", a shared mapping that needs dirty tracking "
                        + "(writable_file_mapping_allowed, 8ac268436e6d)";
            }
            if (why != null) {
                return stop(why, Errno.EFAULT);
            }
            flags = r.flags();
            if (k.model().get(GupReadOnShared.class) == GupReadOnShared.FORCE_COW_BREAK && vma.isCowMapping()) {
                // should_force_cow_break() (17839856fd58): GET and PIN on a COW mapping are done as writes.
                flags |= Foll.WRITE;
            }
        }
        Gup.Follow f = gup.followPagePte(vma, mm.pt.get(vpn), flags, r.kind(), follCow);
        if (f.frame() != null) {
            frames.add(f.frame());
            refs.add(gup.tryGrabPage(r, f.frame(), vpn));
            index++;
            tries = 0;
            unshare = false;
            return isDone() ? Next.STOP : Next.FOLLOW;
        }
        unshare = f.unshare();
        return Next.FAULT;
    }

    /**
     * faultin_page(): handle_mm_fault() with FAULT_FLAG_WRITE for FOLL_WRITE (FAULT_FLAG_UNSHARE
     * when follow_page_pte() asked for it); an OOM or SIGBUS stops the walk, anything else retries
     * the follow. Four faults that leave nothing to follow are a model bug.
     */
    Next fault() {
        Mm mm = r.process().mm();
        long vpn = vpn();
        int faultFlags = (flags & Foll.WRITE) != 0 ? Faults.WRITE : 0;
        if (unshare) {
            faultFlags |= Faults.UNSHARE;
        }
        Faults.Result fr = new Faults(k).handlePteFault(mm, vma, vpn, faultFlags, r.thread().actor());
        if (fr == Faults.Result.OOM) {
            return stop("out of memory while faulting in " + Kernel.hex(vpn << Kernel.PAGE_SHIFT), Errno.ENOMEM);
        } else if (fr == Faults.Result.SIGBUS) {
            return stop("the fault at " + Kernel.hex(vpn << Kernel.PAGE_SHIFT) + (vma.mapping != null ? " is beyond the end of " + vma.mapping.name()
                    : " on a device-private entry: the device's migrate_to_ram did not bring the page back") + " (VM_FAULT_SIGBUS)", Errno.EFAULT);
        }
        // faultin_page(): a write fault on a VMA without VM_WRITE broke COW without making the PTE writable (FOLL_COW).
        follCow = (flags & Foll.WRITE) != 0 && (vma.flags & VmArea.VM_WRITE) == 0;
        unshare = false;
        tries++;
        if (tries >= 4) {
            throw new KernelBugException("gup-loop", "GUP could not follow " + Kernel.hex(vpn << Kernel.PAGE_SHIFT) + " after faulting it in: "
                    + Pte.describe(mm.pt.get(vpn)), k.trace().render());
        }
        return Next.FOLLOW;
    }

    private Next stop(String why, Errno e) {
        refusal = why;
        errno = e;
        return Next.STOP;
    }

    /**
     * The end of the walk: an errno if it stopped before taking anything (the kernel returns the
     * error only then), else a trace line when it returns short.
     */
    void finish() {
        if (refusal == null) {
            return;
        }
        if (frames.isEmpty()) {
            throw new ErrnoException(errno, r.call(), refusal);
        }
        k.trace().record(r.thread().actor(), TraceKind.INFO, vpn() << Kernel.PAGE_SHIFT, -1, "GUP stops after " + frames.size() + " of " + r.nrPages() + " pages: " + refusal);
    }
}
