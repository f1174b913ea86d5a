package io.pinsim.runtime.internal.mm;

import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Foll;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.Task;
import io.pinsim.runtime.model.GetUserPagesLongterm;
import io.pinsim.runtime.model.GupReadOnShared;
import io.pinsim.runtime.model.LongtermFileWritePin;
import io.pinsim.runtime.model.RoLongtermPinNonAnon;
import io.pinsim.runtime.model.ZeroPagePinning;
import io.pinsim.runtime.trace.TraceKind;
import java.util.ArrayList;
import java.util.List;

/**
 * get_user_pages() and pin_user_pages(), the slow path of mm/gup.c: for each page
 * check_vma_flags(), follow_page_pte(), and when that finds nothing usable faultin_page() and
 * retry; then grab a reference (FOLL_GET) or a pin (FOLL_PIN). The model's switches decide what a
 * read-only GUP of a shared page does ({@link GupReadOnShared}), whether R/O long-term pins
 * unshare non-anonymous pages ({@link RoLongtermPinNonAnon}) and whether the zero page is pinned
 * ({@link ZeroPagePinning}).
 */
public final class Gup {

    /** The most pages a result list is sized for up front. */
    static final int PRESIZE = 512;

    /** One GUP call, validated. */
    public record Request(MmOwner process, Task thread, long start, int nrPages, int flags, GupRef.Kind kind, String holder, boolean fast) {
        public String call() {
            String fn = (kind == GupRef.Kind.PIN ? "pin_user_pages" : "get_user_pages") + (fast ? "_fast" : "");
            return fn + "(" + Kernel.hex(start) + ", " + nrPages + ", " + Foll.describe(flags) + ") for " + holder;
        }

        int internalFlags() {
            return flags | (kind == GupRef.Kind.PIN ? Foll.PIN : Foll.GET);
        }
    }

    /** Validates the arguments as is_valid_gup_args() and the callers do; throws EINVAL for what the kernel refuses. */
    public static Request request(MmOwner p, Task thread, long address, int nrPages, int gupFlags, GupRef.Kind kind, String holder, boolean fast) {
        java.util.Objects.requireNonNull(holder, "holder");
        if (holder.isBlank()) {
            throw new IllegalArgumentException("GUP needs a holder name (the device or subsystem that will hold the pages), e.g. \"rdma0 MR#1\"");
        }
        String fn = (kind == GupRef.Kind.PIN ? "pin_user_pages" : "get_user_pages") + (fast ? "_fast" : "");
        int other = kind == GupRef.Kind.PIN ? Foll.GET : Foll.PIN;
        if ((gupFlags & other) != 0) {
            // pin_user_pages(): WARN_ON_ONCE(gup_flags & FOLL_GET); get_user_pages(): is_valid_gup_flags() refuses FOLL_PIN.
            throw new ErrnoException(Errno.EINVAL, fn, (kind == GupRef.Kind.PIN ? "FOLL_GET" : "FOLL_PIN") + " passed to " + fn + "(), which sets "
                    + (kind == GupRef.Kind.PIN ? "FOLL_PIN" : "FOLL_GET") + " itself (WARN_ON_ONCE)");
        }
        int flags = gupFlags & ~(Foll.GET | Foll.PIN);
        if ((flags & ~Foll.USER_FLAGS) != 0) {
            throw new ErrnoException(Errno.EINVAL, fn, "unknown GUP flags " + Foll.describe(flags & ~Foll.USER_FLAGS));
        }
        if (kind == GupRef.Kind.GET && (flags & Foll.LONGTERM) != 0
                && p.mm().kernel.model().get(GetUserPagesLongterm.class) == GetUserPagesLongterm.REFUSED) {
            throw new ErrnoException(Errno.EINVAL, fn, "FOLL_LONGTERM with a plain reference: long-term users must use pin_user_pages() (is_valid_gup_flags)");
        }
        if (nrPages < 0) {
            throw new ErrnoException(Errno.EINVAL, fn, "nr_pages is negative (" + nrPages + ")");
        }
        long start = address & ~(Kernel.PAGE_SIZE - 1L);
        // GUP-fast refuses a range that ends past TASK_SIZE_MAX (internal_get_user_pages_fast(): -EFAULT); the slow
        // path walks page by page and returns short at the first page with no VMA, so only its first page must be inside.
        long pagesInside = fast ? nrPages : Math.min(nrPages, 1);
        if (nrPages > 0 && (address < 0 || start + (pagesInside << Kernel.PAGE_SHIFT) > Kernel.TASK_SIZE)) {
            throw new ErrnoException(Errno.EFAULT, fn, "range " + Kernel.hex(address) + " + " + nrPages + " pages is outside the user address space");
        }
        return new Request(p, thread, start, nrPages, flags, kind, holder, fast);
    }

    private final MmCore k;
    private final GupReadOnShared readOnShared;

    public Gup(MmCore k) {
        this.k = k;
        this.readOnShared = k.model().get(GupReadOnShared.class);
    }

    /** __get_user_pages_locked(): the slow path over the whole request; sets MMF_HAS_PINNED for a pin (mm_set_has_pinned_flag()). */
    public GupPagesImpl getUserPagesLocked(Request r) {
        // sized for what can be taken, not what was asked: GUP of Integer.MAX_VALUE pages returns short at the first hole
        List<Page> frames = new ArrayList<>(Math.min(r.nrPages(), PRESIZE));
        List<GupRef> refs = new ArrayList<>(Math.min(r.nrPages(), PRESIZE));
        if (r.kind() == GupRef.Kind.PIN && k.pinsAreBiased()) {
            r.process().mm().hasPinned = true;
        }
        getUserPagesFrom(r, 0, frames, refs);
        return new GupPagesImpl(k, r, frames, refs);
    }

    /**
     * __get_user_pages() for pages [first, nrPages): appends what it took to frames/refs. Fails with
     * an errno only if nothing at all was taken; otherwise returns short, as the kernel does.
     */
    void getUserPagesFrom(Request r, int first, List<Page> frames, List<GupRef> refs) {
        GupSlowWalk walk = new GupSlowWalk(k, this, r, first, frames, refs);
        GupSlowWalk.Next next = GupSlowWalk.Next.FOLLOW;
        while (!walk.isDone()) {
            next = next == GupSlowWalk.Next.FAULT ? walk.fault() : walk.follow();
        }
        walk.finish();
    }

    /**
     * 8ac268436e6d (6.5): a long-term write pin must not hold a page of a shared file mapping that
     * needs dirty tracking; refused under {@link LongtermFileWritePin#REFUSED}.
     */
    boolean longtermWriteOfDirtyTrackedFile(VmArea v, Request r) {
        return k.model().get(LongtermFileWritePin.class) == LongtermFileWritePin.REFUSED && r.kind() == GupRef.Kind.PIN
                && (r.flags() & (Foll.LONGTERM | Foll.WRITE)) == (Foll.LONGTERM | Foll.WRITE) && v.needsDirtyTracking();
    }

    /** check_vma_flags(): null if the VMA allows the access, else why not (EFAULT). */
    static String checkVmaFlags(VmArea v, int flags) {
        boolean write = (flags & Foll.WRITE) != 0;
        if (write) {
            if ((v.flags & VmArea.VM_WRITE) == 0) {
                if ((flags & Foll.FORCE) == 0) {
                    return "FOLL_WRITE on " + v + " which is not writable (check_vma_flags)";
                }
                if (!v.isCowMapping()) {
                    return "FOLL_FORCE|FOLL_WRITE on a shared mapping that is not writable (check_vma_flags: \"Anon pages in shared mappings are surprising: now just reject it\")";
                }
            }
        } else if ((v.flags & VmArea.VM_READ) == 0) {
            if ((flags & Foll.FORCE) == 0) {
                return "read of " + v + " which is not readable (check_vma_flags)";
            }
            if ((v.flags & VmArea.VM_MAYREAD) == 0) {
                return "FOLL_FORCE read of " + v + " which may never be read (check_vma_flags)";
            }
        }
        return null;
    }

    /** What follow_page_pte() found: a frame, or the need to fault (maybe with FAULT_FLAG_UNSHARE). */
    record Follow(Page frame, boolean unshare) {
        static final Follow FAULT = new Follow(null, false);
        static final Follow UNSHARE = new Follow(null, true);
    }

    /**
     * follow_page_pte(): a present PTE that satisfies the request, or what to fault. A FOLL_WRITE
     * request needs a writable PTE, or - after a forced write fault broke COW in a read-only private
     * mapping - a dirty PTE (FOLL_COW, 4.9 - 5.19). 6.0's rule (5535be309971) asks for an exclusive
     * anon page instead of a dirty PTE and needs no fault first for a page that already is exclusive;
     * it returns the same frame, only the PTE's dirty bit differs, so the model keeps one rule.
     */
    Follow followPagePte(VmArea v, long pte, int flags, GupRef.Kind kind, boolean follCow) {
        if (!Pte.isPresent(pte)) {
            return Follow.FAULT;
        }
        Page f = Pte.pfn(pte) == 0 ? k.zeroPage() : k.frameOfPte(pte);
        if ((flags & Foll.WRITE) != 0 && !Pte.isWrite(pte) && !(follCow && Pte.isDirty(pte) && f.isAnon())) {
            return Follow.FAULT;
        }
        if (kind == GupRef.Kind.PIN && (flags & Foll.WRITE) == 0 && !Pte.isWrite(pte) && gupMustUnshare(v, flags, f)) {
            return Follow.UNSHARE;
        }
        return new Follow(f, false);
    }

    /**
     * gup_must_unshare() (a7f226604170, 5.19; non-anon pages 84209e87c696, 6.2): a R/O FOLL_PIN of an
     * anon page that is not exclusive must unshare it first; with {@link RoLongtermPinNonAnon#UNSHARE}
     * so must a R/O long-term pin of the zero page or a page-cache page in a COW mapping. {@code v}
     * is null from GUP-fast, which cannot look at the VMA and so falls back to the slow path.
     */
    boolean gupMustUnshare(VmArea v, int flags, Page f) {
        if (readOnShared != GupReadOnShared.UNSHARE_IF_PIN) {
            return false;
        }
        if (f.isAnon()) {
            return !f.isAnonExclusive();
        }
        if (k.model().get(RoLongtermPinNonAnon.class) != RoLongtermPinNonAnon.UNSHARE || (flags & Foll.LONGTERM) == 0) {
            return false;
        }
        return v == null || v.isCowMapping();
    }

    /**
     * try_grab_page(): FOLL_GET takes one reference; FOLL_PIN takes a pin (1024 with pin
     * accounting, 1 before). With {@link ZeroPagePinning#NOT_REFCOUNTED} a pin of the zero page
     * takes nothing (c8070b787519). Returns the reference, or null when none was taken.
     */
    GupRef tryGrabPage(Request r, Page f, long vpn) {
        long addr = vpn << Kernel.PAGE_SHIFT;
        String actor = r.thread().actor();
        if (f.isZeroPage() && r.kind() == GupRef.Kind.PIN && k.model().get(ZeroPagePinning.class) == ZeroPagePinning.NOT_REFCOUNTED) {
            k.trace().record(actor, TraceKind.PIN, addr, 0, "returned the shared zero page at " + Kernel.hex(addr) + " for " + r.holder()
                    + " without pinning it (c8070b787519)");
            return null;
        }
        GupRef ref = new GupRef(r.kind(), r.holder(), k.trace().step());
        f.addRef(ref);
        k.touch(f);
        if (r.kind() == GupRef.Kind.PIN) {
            k.trace().record(actor, TraceKind.PIN, addr, f.pfn(), "pinned frame #" + f.pfn() + " at " + Kernel.hex(addr) + " for " + r.holder()
                    + (!k.pinsAreBiased() ? " (a plain reference: no pin accounting in this kernel)" : f.isCompound()
                            ? " (subpage of THP #" + f.compoundHead().pfn() + ": folio refcount +1, pincount +1, 47e29d32afba)" : " (refcount +" + Page.GUP_PIN_COUNTING_BIAS + ")")
                    + (f.isZeroPage() ? " - the shared zero page" : ""));
        } else {
            k.trace().record(actor, TraceKind.GUP_GET, addr, f.pfn(), "took a reference on frame #" + f.pfn() + " at " + Kernel.hex(addr) + " for " + r.holder()
                    + (f.isZeroPage() ? " - the shared zero page" : ""));
        }
        return ref;
    }

    /**
     * get_user_pages_fast() / pin_user_pages_fast() from a thread, as steps: the lockless walk, then
     * the slow path for the rest (see {@link GupFastImpl}).
     */
    public static GupFastImpl fastSteps(MmOwner p, Task thread, long address, int nrPages, int gupFlags, GupRef.Kind kind, String holder) {
        p.requireAlive();
        if (thread.process() != p) {
            throw new IllegalArgumentException(thread + " is not a thread of process \"" + p.name() + "\"");
        }
        return new GupFastImpl(p.mm().kernel, request(p, thread, address, nrPages, gupFlags, kind, holder, true));
    }

    /**
     * Plain get_user_pages_fast() / pin_user_pages_fast(): the steps of {@link #fastSteps} in a row.
     * A held mmap_lock makes it sleep up front ({@link MmapLockWait}), as its slow path would: a
     * conservative departure that keeps a plain call from changing anything before it sleeps (the
     * stepped variant shows the lockless walk running while a fork holds the lock).
     */
    public static GupPagesImpl fast(MmOwner p, Task thread, long address, int nrPages, int gupFlags, GupRef.Kind kind, String holder) {
        MmapLockWait.forRead(p.mm(), kind == GupRef.Kind.PIN ? "pin_user_pages_fast()" : "get_user_pages_fast()");
        // its slow path's faultin_page() would sleep on a page lock or invalidate lock a stepped operation holds: refused before
        // the lockless walk takes anything (fuzzer seed 0, sequence 4740: run() failed with a plain IllegalStateException)
        if (nrPages > 0 && address >= 0) {
            MmapLockWait.forAccess(p.mm(), address, (long) nrPages << Kernel.PAGE_SHIFT, faultsForWrite(p.mm(), address, gupFlags),
                    kind == GupRef.Kind.PIN ? "pin_user_pages_fast()" : "get_user_pages_fast()");
        }
        return fastSteps(p, thread, address, nrPages, gupFlags, kind, holder).run();
    }

    /**
     * Whether GUP's faults are write faults: FOLL_WRITE, or any GUP of a COW mapping where GUP breaks
     * COW even for reads (17839856fd58, {@link GupReadOnShared#FORCE_COW_BREAK}), whose write fault
     * then sleeps where a write fault does (before 5.9 do_wp_page()'s lock_page() of a swap-cache
     * page; fuzzer seed 4 sequence 1948: a 5.8 read GUP reused a swap-cache page a stepped reclaim
     * held locked, and the reclaim then freed the slot under the new PTE).
     */
    private static boolean faultsForWrite(Mm mm, long address, int gupFlags) {
        if ((gupFlags & Foll.WRITE) != 0) {
            return true;
        }
        if (mm.kernel.model().get(GupReadOnShared.class) != GupReadOnShared.FORCE_COW_BREAK) {
            return false;
        }
        VmArea v = address < 0 ? null : mm.findVma(address >>> Kernel.PAGE_SHIFT);
        return v != null && v.isCowMapping();
    }

    /**
     * get_user_pages() / pin_user_pages() from a thread, as one traced step: the slow path under
     * mmap_lock, which a fork in progress holds for write.
     */
    public static GupPagesImpl slow(MmOwner p, Task thread, long address, int nrPages, int gupFlags, GupRef.Kind kind, String holder) {
        p.requireAlive();
        Request req = request(p, thread, address, nrPages, gupFlags, kind, holder, false);
        Mm mm = p.mm();
        MmapLockWait.forRead(mm, req.call());
        // faultin_page() would sleep on a page lock or invalidate lock a stepped operation holds
        MmapLockWait.forAccess(mm, address, (long) nrPages << Kernel.PAGE_SHIFT, faultsForWrite(mm, address, gupFlags), req.call());
        return mm.kernel.op(thread.actor(), req.call(), address, () -> new Gup(mm.kernel).getUserPagesLocked(req));
    }
}
