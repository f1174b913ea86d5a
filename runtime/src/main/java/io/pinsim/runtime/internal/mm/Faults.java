package io.pinsim.runtime.internal.mm;

import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MmuNotifierEvent;
import io.pinsim.runtime.model.CowReuse;
import io.pinsim.runtime.model.SwapinWriteReuse;
import io.pinsim.runtime.trace.TraceKind;
import io.pinsim.runtime.trace.TraceMessage;

/**
 * The page-fault handler of mm/memory.c: handle_mm_fault() -> handle_pte_fault() ->
 * do_anonymous_page() / do_shared_fault() / do_swap_page() / do_wp_page() -> wp_page_reuse() or
 * wp_page_copy(), with the PMD level of anonymous THPs in {@link HugeMemory}. do_swap_page()
 * hands device-private and device-exclusive entries to {@link DeviceMigration}. The reuse-or-copy
 * decision follows the model's {@link CowReuse} and {@link SwapinWriteReuse} switches.
 */
public final class Faults {
    /** FAULT_FLAG_WRITE. */
    public static final int WRITE = 1;
    /** FAULT_FLAG_UNSHARE (c89357e27f20, 5.19): make the page exclusive, keep the PTE read-only. */
    static final int UNSHARE = 2;

    /** The VM_FAULT_* outcome that matters to callers. */
    public enum Result { OK, OOM, SIGBUS }

    private final MmCore k;
    private final CowReuse cowReuse;
    private final SwapIn swapIn;
    private boolean deferCopies;
    private DeferredCopy deferred;

    public Faults(MmCore k) {
        this.k = k;
        this.cowReuse = k.model().get(CowReuse.class);
        this.swapIn = new SwapIn(k, this);
    }

    /** handle_pte_fault(): the VMA permits the access; resolve the PTE at vpn. */
    public Result handlePteFault(Mm mm, VmArea vma, long vpn, int flags, String actor) {
        if ((vma.flags & VmArea.VM_HUGETLB) != 0) {
            // handle_mm_fault(): is_vm_hugetlb_page() -> hugetlb_fault()
            return new Hugetlb(k).fault(mm, vma, vpn, flags, actor);
        }
        // __handle_mm_fault(): the PMD level first (create_huge_pmd() / wp_huge_pmd()); a null result is VM_FAULT_FALLBACK.
        long pmd = mm.pt.getPmd(vpn);
        HugeMemory huge = new HugeMemory(k);
        Result hr = pmd != Pte.NONE ? huge.handleHugePmdFault(mm, vma, vpn, pmd, flags, actor)
                : huge.suitable(mm, vma, vpn) ? huge.doHugePmdAnonymousPage(mm, vma, vpn, flags, actor) : null;
        if (hr != null) {
            return hr;
        }
        long pte = mm.pt.get(vpn);
        if (Pte.isNone(pte)) {
            if (vma.mapping == null) {
                return doAnonymousPage(mm, vma, vpn, flags, actor);
            }
            if (beyondEof(vma, vpn)) {
                return Result.SIGBUS;
            }
            if (vma.isShared()) {
                return doSharedFault(mm, vma, vpn, flags, actor);
            }
            return (flags & WRITE) != 0 ? doCowFault(mm, vma, vpn, actor) : doReadFault(mm, vma, vpn, actor);
        }
        if (Pte.isDevicePrivate(pte)) {
            return new DeviceMigration(k).doDevicePrivateFault(mm, vma, vpn, pte, flags, actor);
        }
        if (Pte.isDeviceExclusive(pte)) {
            return new DeviceMigration(k).removeDeviceExclusiveEntry(mm, vma, vpn, pte, flags, actor);
        }
        if (Pte.isSwap(pte)) {
            return swapIn.doSwapPage(mm, vma, vpn, pte, flags, actor);
        }
        if ((flags & (WRITE | UNSHARE)) != 0 && !Pte.isWrite(pte)) {
            return doWpPage(mm, vma, vpn, pte, (flags & WRITE) == 0, actor);
        }
        long n = pte | Pte.YOUNG;
        if ((flags & WRITE) != 0) {
            n |= Pte.DIRTY | Pte.SOFT_DIRTY;
        }
        mm.pt.set(vpn, n);
        return Result.OK;
    }

    /** The trace text of a read fault that maps the zero page: rendered when read (one fault per page of a populate). */
    private static final TraceMessage ZERO_PAGE_FAULT = (addr, pfn) -> "read fault at " + Kernel.hex(addr)
            + ": mapped the shared zero page read-only (do_anonymous_page)";
    /** The trace text of a write fault that allocates an anonymous page. */
    private static final TraceMessage NEW_ANON_PAGE = (addr, pfn) -> "write fault at " + Kernel.hex(addr)
            + ": new anonymous page, frame #" + pfn + " (do_anonymous_page)";

    /**
     * do_anonymous_page(): a read fault maps the shared zero page read-only ("Use the zero-page for
     * reads"); a write fault allocates a zeroed, exclusive anonymous page.
     */
    private Result doAnonymousPage(Mm mm, VmArea vma, long vpn, int flags, String actor) {
        long addr = vpn << Kernel.PAGE_SHIFT;
        if ((flags & WRITE) == 0) {
            mm.pt.set(vpn, Pte.present(0) | Pte.SPECIAL | Pte.YOUNG);
            k.trace().record(actor, TraceKind.FAULT, addr, 0, ZERO_PAGE_FAULT);
            return Result.OK;
        }
        Page f = k.deferredSplit.allocUserPage(new Content());
        if (f == null) {
            return Result.OOM;
        }
        makeAnon(f, mm, vma, vpn, true);
        // do_anonymous_page(): if (vma->vm_flags & VM_WRITE) entry = pte_mkwrite(pte_mkdirty(entry));
        boolean vmWrite = (vma.flags & VmArea.VM_WRITE) != 0;
        mm.pt.set(vpn, Pte.present(f.pfn()) | Pte.YOUNG | (vmWrite ? Pte.WRITE | Pte.DIRTY | Pte.SOFT_DIRTY : 0));
        k.trace().record(actor, TraceKind.FAULT, addr, f.pfn(), NEW_ANON_PAGE);
        return Result.OK;
    }

    /** filemap_fault() past i_size: SIGBUS. */
    private static boolean beyondEof(VmArea vma, long vpn) {
        AddressSpace.Host inode = vma.inode();
        return inode != null && (vma.indexOf(vpn) << Kernel.PAGE_SHIFT) >= inode.size();
    }

    /** The page-cache page (or DAX block, or shmem page) for a fault, created if needed; null if out of memory. */
    private Page faultPage(VmArea vma, long vpn) {
        long index = vma.indexOf(vpn);
        if (vma.inode() != null) {
            return vma.inode().findOrReadPage(index);
        }
        Page f = vma.mapping.pages.get(index);
        if (f == null) {
            f = k.deferredSplit.allocUserPage(new Content());
            if (f == null) {
                return null;
            }
            f.mapping = vma.mapping;
            f.index = index;
            vma.mapping.pages.put(index, f);
        }
        return f;
    }

    /**
     * do_shared_fault() / do_read_fault() in a shared mapping: map the page-cache page. With
     * writenotify (ext4) a read fault maps it read-only and a write fault goes through
     * ->page_mkwrite (block allocation, buffers, dirty) first; without it (shmem, tmpfs, DAX) the
     * PTE is writable whenever the VMA is.
     */
    private Result doSharedFault(Mm mm, VmArea vma, long vpn, int flags, String actor) {
        long addr = vpn << Kernel.PAGE_SHIFT;
        Page f = faultPage(vma, vpn);
        if (f == null) {
            return Result.OOM;
        }
        boolean write = (flags & WRITE) != 0;
        long pte = Pte.present(f.pfn()) | Pte.YOUNG;
        if (!vma.wantsWritenotify() || write) {
            pte |= writeBit(vma);
        }
        if (write) {
            pte |= Pte.DIRTY | Pte.SOFT_DIRTY;
            if (vma.inode() != null) {
                vma.inode().pageMkwrite(f);
            } else {
                f.flags |= Page.DIRTY;
            }
        }
        mm.pt.set(vpn, pte);
        k.touch(f);
        k.trace().record(actor, TraceKind.FAULT, addr, f.pfn(), (write ? "write" : "read") + " fault at " + Kernel.hex(addr)
                + ": mapped " + vma.mapping.name() + " page " + f.index + ", frame #" + f.pfn()
                + (write && vma.needsDirtyTracking() ? " after ->page_mkwrite" : "") + (!write && vma.wantsWritenotify() ? " read-only (writenotify)" : "")
                + " (do_shared_fault)");
        return Result.OK;
    }

    /** do_read_fault() in a private file mapping: map the page-cache page read-only. */
    private Result doReadFault(Mm mm, VmArea vma, long vpn, String actor) {
        long addr = vpn << Kernel.PAGE_SHIFT;
        Page f = faultPage(vma, vpn);
        if (f == null) {
            return Result.OOM;
        }
        mm.pt.set(vpn, Pte.present(f.pfn()) | Pte.YOUNG);
        k.touch(f);
        k.trace().record(actor, TraceKind.FAULT, addr, f.pfn(), "read fault at " + Kernel.hex(addr) + ": mapped " + vma.mapping.name() + " page " + f.index
                + ", frame #" + f.pfn() + " read-only in a private mapping (do_read_fault)");
        return Result.OK;
    }

    /** do_cow_fault(): a write fault in a private file mapping copies the page-cache page into a new anonymous page. */
    private Result doCowFault(Mm mm, VmArea vma, long vpn, String actor) {
        long addr = vpn << Kernel.PAGE_SHIFT;
        Page src = faultPage(vma, vpn);
        if (src == null) {
            return Result.OOM;
        }
        Page n = k.deferredSplit.allocUserPage(Content.copyOf(src.content()));
        if (n == null) {
            k.maybeFree(src);
            return Result.OOM;
        }
        makeAnon(n, mm, vma, vpn, true);
        n.flags |= Page.DIRTY;
        mm.pt.set(vpn, Pte.present(n.pfn()) | Pte.YOUNG | Pte.DIRTY | Pte.SOFT_DIRTY | writeBit(vma));
        k.touch(src);
        k.trace().record(actor, TraceKind.COW_COPY, addr, n.pfn(), "write fault at " + Kernel.hex(addr) + ": copied " + vma.mapping.name() + " page " + src.index
                + " (frame #" + src.pfn() + ") into new anonymous frame #" + n.pfn() + "; the page cache is untouched (do_cow_fault)");
        return Result.OK;
    }

    /**
     * do_wp_page(): a write (or unshare) fault on a present, write-protected PTE. Shared mappings are
     * made writable (wp_page_shared); the zero page and page-cache pages in private mappings are
     * always copied; an anonymous page is reused or copied by the model's {@link CowReuse} rule.
     * Whatever the rule, an unshare fault never makes the PTE writable: where a write fault would
     * reuse the page it keeps it read-only, where it would copy the copy is mapped read-only
     * (do_wp_page(): "if (unshare) { ... return 0; }" before wp_page_reuse(), c89357e27f20).
     *
     * @param unshare FAULT_FLAG_UNSHARE: make the page exclusive but leave the PTE read-only
     */
    Result doWpPage(Mm mm, VmArea vma, long vpn, long pte, boolean unshare, String actor) {
        long addr = vpn << Kernel.PAGE_SHIFT;
        Page f = Pte.pfn(pte) == 0 ? k.zeroPage() : k.frameOfPte(pte);
        if (vma.isShared()) {
            if (unshare) {
                return Result.OK;
            }
            boolean mkwrite = vma.needsDirtyTracking();
            if (vma.inode() != null) {
                vma.inode().pageMkwrite(f);
            } else {
                f.flags |= Page.DIRTY;
            }
            mm.pt.set(vpn, pte | writeBit(vma) | Pte.DIRTY | Pte.SOFT_DIRTY | Pte.YOUNG);
            k.touch(f);
            k.trace().record(actor, TraceKind.COW_REUSE, addr, f.pfn(), "write fault at " + Kernel.hex(addr) + ": shared mapping, frame #" + f.pfn() + " made writable"
                    + (mkwrite ? " after ->page_mkwrite" : "") + " (wp_page_shared)");
            mm.subscriptions.permissionUpgrade(vpn);
            return Result.OK;
        }
        if (f.isZeroPage()) {
            return wpPageCopy(mm, vma, vpn, f, unshare, actor, "the zero page is never written");
        }
        if (!f.isAnon()) {
            return wpPageCopy(mm, vma, vpn, f, unshare, actor, "a page-cache page in a private mapping is always copied");
        }
        switch (cowReuse) {
            case MAPCOUNT_PLUS_SWAPCOUNT -> {
                int mc = f.mapcount();
                int sc = f.swapSlot != null ? f.swapSlot.count : 0;
                if (mc + sc <= 1) {
                    if (f.swapSlot != null) {
                        deleteFromSwapCache(f);
                    }
                    return reuseOrKeep(mm, vma, vpn, pte, f, unshare, actor, "mapcount + swapcount = " + (mc + sc) + " <= 1 (reuse_swap_page; GUP references are not counted)");
                }
                return wpPageCopy(mm, vma, vpn, f, unshare, actor, "mapcount + swapcount = " + (mc + sc) + " > 1 (reuse_swap_page)");
            }
            case REFCOUNT_EQ_1 -> {
                int rc = f.refcount();
                if (rc == 1) {
                    return reuseOrKeep(mm, vma, vpn, pte, f, unshare, actor, "refcount 1 (09854ba94c6a)");
                }
                return wpPageCopy(mm, vma, vpn, f, unshare, actor, "refcount " + rc + " > 1" + extraRefs(f) + " (09854ba94c6a)");
            }
            case ANON_EXCLUSIVE -> {
                if (f.isAnonExclusive()) {
                    if (unshare) {
                        return Result.OK;
                    }
                    return wpPageReuse(mm, vma, vpn, pte, f, actor, "PageAnonExclusive");
                }
                String refuse = wpCanReuseAnonFolio(f);
                if (refuse != null) {
                    return wpPageCopy(mm, vma, vpn, f, unshare, actor, refuse);
                }
                f.setAnonExclusive();
                if (unshare) {
                    k.trace().record(actor, TraceKind.UNSHARE, addr, f.pfn(), "unshare fault at " + Kernel.hex(addr) + ": frame #" + f.pfn()
                            + " is the only reference, marked exclusive, PTE stays read-only (do_wp_page, FAULT_FLAG_UNSHARE)");
                    return Result.OK;
                }
                return wpPageReuse(mm, vma, vpn, pte, f, actor, "not shared (refcount 1): marked PageAnonExclusive");
            }
            default -> throw new IllegalStateException("unknown CowReuse " + cowReuse);
        }
    }

    /**
     * wp_can_reuse_anon_folio(): null if the page may be reused, else why not. Frees the swap cache
     * if nothing else refers to the slot (folio_free_swap()).
     */
    private String wpCanReuseAnonFolio(Page f) {
        int rc = f.refcount();
        int swapcache = f.swapSlot != null ? 1 : 0;
        if (rc > 1 + swapcache) {
            return "not PageAnonExclusive and refcount " + rc + " > 1" + extraRefs(f) + " (wp_can_reuse_anon_folio)";
        }
        if (f.swapSlot != null && f.swapSlot.count == 0) {
            deleteFromSwapCache(f);
        }
        rc = f.refcount();
        if (rc != 1) {
            return "not PageAnonExclusive and refcount " + rc + " != 1" + extraRefs(f) + " (wp_can_reuse_anon_folio)";
        }
        return null;
    }

    /**
     * The rule allows reuse: wp_page_reuse() for a write fault; an unshare fault keeps the page and
     * leaves the PTE read-only (c89357e27f20). Only the anon-exclusive rule raises unshare faults in
     * the predefined models; the other rules honour the flag the same way, so no variant can turn an
     * unshare fault into a writable mapping.
     */
    private Result reuseOrKeep(Mm mm, VmArea vma, long vpn, long pte, Page f, boolean unshare, String actor, String why) {
        if (!unshare) {
            return wpPageReuse(mm, vma, vpn, pte, f, actor, why);
        }
        long addr = vpn << Kernel.PAGE_SHIFT;
        k.touch(f);
        k.trace().record(actor, TraceKind.UNSHARE, addr, f.pfn(), "unshare fault at " + Kernel.hex(addr) + ": frame #" + f.pfn()
                + " may be reused (" + why + "): kept, PTE stays read-only (do_wp_page, FAULT_FLAG_UNSHARE)");
        return Result.OK;
    }

    /** wp_page_reuse(): the PTE is made writable and dirty in place. */
    private Result wpPageReuse(Mm mm, VmArea vma, long vpn, long pte, Page f, String actor, String why) {
        long addr = vpn << Kernel.PAGE_SHIFT;
        mm.pt.set(vpn, pte | writeBit(vma) | Pte.DIRTY | Pte.SOFT_DIRTY | Pte.YOUNG);
        f.flags |= Page.DIRTY;
        k.touch(f);
        k.trace().record(actor, TraceKind.COW_REUSE, addr, f.pfn(), "write fault at " + Kernel.hex(addr) + ": reused frame #" + f.pfn() + ": " + why + " (do_wp_page)");
        mm.subscriptions.permissionUpgrade(vpn);
        return Result.OK;
    }

    /**
     * wp_page_copy(): allocate a new exclusive anonymous page, copy, and replace the PTE, inside an
     * MMU_NOTIFY_CLEAR invalidation of the one page. For an unshare fault the new PTE stays read-only.
     * With {@link #deferringCopies()} it only records the decision, for a stepped fault to copy and
     * install later ({@link #installCopy}).
     */
    private Result wpPageCopy(Mm mm, VmArea vma, long vpn, Page old, boolean unshare, String actor, String why) {
        DeferredCopy c = new DeferredCopy(old, unshare, why);
        if (deferCopies) {
            deferred = c;
            return Result.OK;
        }
        Page n = k.deferredSplit.allocUserPage(old.isZeroPage() ? new Content() : Content.copyOf(old.content()));
        if (n == null) {
            return Result.OOM;
        }
        installCopy(mm, vma, vpn, c, n, actor);
        return Result.OK;
    }

    /** What do_wp_page() decided to copy, and why: the old page and the fault's kind. */
    public record DeferredCopy(Page old, boolean unshare, String why) {
    }

    /**
     * Makes wp_page_copy() stop at its decision: the fault's first step under the PTL, for a stepped
     * fault that allocates and copies with the PTL dropped ({@link WriteFaultStepsImpl}).
     */
    Faults deferringCopies() {
        deferCopies = true;
        return this;
    }

    /** The copy decided while {@link #deferringCopies()}, or null if the fault did not copy. */
    DeferredCopy deferred() {
        return deferred;
    }

    /**
     * wp_page_copy() once the PTL is held again and pte_same() held: the new page {@code n} (already
     * a copy of the old one) replaces the old one in the PTE, inside an MMU_NOTIFY_CLEAR
     * invalidation; the old page loses the mapping and is freed if nothing else holds it.
     */
    void installCopy(Mm mm, VmArea vma, long vpn, DeferredCopy c, Page n, String actor) {
        long addr = vpn << Kernel.PAGE_SHIFT;
        Page old = c.old();
        boolean unshare = c.unshare();
        makeAnon(n, mm, vma, vpn, true);
        mm.notifyStart(MmuNotifierEvent.CLEAR, vpn, vpn + 1, true);
        long oldPte = mm.pt.get(vpn);
        long pte = Pte.present(n.pfn()) | Pte.YOUNG;
        if (unshare) {
            pte |= oldPte & Pte.SOFT_DIRTY;
        } else {
            pte |= writeBit(vma) | Pte.DIRTY | Pte.SOFT_DIRTY;
            n.flags |= Page.DIRTY;
        }
        mm.pt.set(vpn, pte);
        mm.notifyEnd(MmuNotifierEvent.CLEAR, vpn, vpn + 1);
        k.touch(old);
        k.trace().record(actor, unshare ? TraceKind.UNSHARE : TraceKind.COW_COPY, addr, n.pfn(),
                (unshare ? "unshare fault at " : "write fault at ") + Kernel.hex(addr) + ": copied frame #" + old.pfn() + " to new frame #" + n.pfn()
                        + ": " + c.why() + (unshare ? "; PTE stays read-only (FAULT_FLAG_UNSHARE)" : "") + " (wp_page_copy)"
                        + (old.refs != null ? "; frame #" + old.pfn() + " stays with " + String.join(", ", old.holders()) : ""));
        freeSwapCache(old);
        k.maybeFree(old);
        k.deferredSplit.pteUnmapped(old, "wp_page_copy replaced it");
    }

    /** free_swap_cache() after wp_page_copy(): see {@link SwapIn#freeSwapCache}. */
    private void freeSwapCache(Page f) {
        swapIn.freeSwapCache(f);
    }

    /** delete_from_swap_cache(): see {@link SwapIn#deleteFromSwapCache}. */
    void deleteFromSwapCache(Page f) {
        swapIn.deleteFromSwapCache(f);
    }

    /** page_add_new_anon_rmap() (RMAP_EXCLUSIVE where the kernel passes it); anon_vma_prepare() marks the VMA. */
    static void makeAnon(Page f, Mm mm, VmArea vma, long vpn, boolean exclusive) {
        vma.hasAnonVma = true;
        f.flags |= Page.ANON;
        if (exclusive) {
            f.setAnonExclusive();
        }
        f.anonVma = mm.anonVma();
        f.index = vma.anonIndex(vpn);
    }

    static long writeBit(VmArea vma) {
        return (vma.flags & VmArea.VM_WRITE) != 0 ? Pte.WRITE : 0;
    }

    /** ": PIN by rdma0 (step 3)" — who holds the extra references, for the trace ({@link Page#describeExtraRefs()}). */
    static String extraRefs(Page f) {
        return f.describeExtraRefs();
    }
}
