package io.pinsim.runtime.internal.mm;

import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MmuNotifierEvent;
import io.pinsim.runtime.trace.KernelLog;
import io.pinsim.runtime.trace.TraceKind;
import java.util.TreeSet;

/**
 * hugetlb mappings (mm/hugetlb.c, fs/hugetlbfs/inode.c) of 2 MiB or 1 GiB pages from the kernel's
 * {@link HugetlbPool} of the mapping's size (hstate_vma()): mmap(MAP_HUGETLB) with its reservation
 * ({@link HugetlbMmap}), the fault
 * (hugetlb_fault() -> hugetlb_no_page() / hugetlb_wp(), hugetlb_cow() before 5.19), the release of
 * reservations when a mapping goes (hugetlb_vm_op_close(), hugetlb_unreserve_pages()) and the
 * refusal to split a mapping anywhere but at a huge page boundary (hugetlb_vm_op_split()). A
 * hugetlb folio is mapped by one entry and is never split: a 2 MiB folio by a PMD, a 1 GiB folio
 * by a PUD-level leaf ({@link Pte#PUD}, huge_pte at PUD level: one entry, not 262,144 PTEs), both
 * through {@link PageTable#setPmd}. GUP (gup_huge_pud() / follow_huge_pud(), or
 * follow_hugetlb_page() in the older kernels), user accesses and reverse mapping see a subpage
 * through {@link PageTable#get} as THPs are seen.
 *
 * <p>The reuse rule of hugetlb_wp() is the same in every modelled release: reuse the folio if its
 * mapcount is 1 and it is anonymous, whatever references GUP holds. mm/hugetlb.c says why it kept
 * the rule when do_wp_page() dropped it (a7efb350f5d0's comment: copying on unexpected references
 * "could harm simple fork()+exit() users when we run out of free hugetlb folios ... there can still
 * be leaks between processes, for example, with FOLL_GET users"), and upstream cow.c marks the
 * hugetlb vmsplice() cases as expected failures. What changed across releases is elsewhere: the pin
 * count (5.7), the early COW of pinned pages at fork (model switch
 * {@link io.pinsim.runtime.model.HugetlbForkPinned}), PageAnonExclusive and unsharing of R/O pins
 * (5.19), which the common GUP code gives hugetlb folios too.
 */
public final class Hugetlb {
    /** The default huge page: 2 MiB, 512 small pages (HPAGE_SIZE on x86-64). */
    public static final long HPAGE_SIZE = (long) HugeMemory.HPAGE_PMD_NR << Kernel.PAGE_SHIFT;

    /**
     * The resv_map of a private mapping's owner (HPAGE_RESV_OWNER): the huge page indices whose
     * reservation a fault consumed (region_add() at fault time). Shared by the VMAs split from one
     * mmap(), as the kernel shares the map (kref) between them. A child's VMA has none.
     */
    static final class PrivateResv {
        final TreeSet<Long> consumed = new TreeSet<>();
    }

    /** The reservations of a hugetlbfs inode (a shared mapping): the page indices reserved and not yet faulted in. */
    static final class FileResv {
        final TreeSet<Long> reserved = new TreeSet<>();
        /** The inode's hstate order (the hugetlbfs superblock's page size). */
        final int order;

        FileResv(int order) {
            this.order = order;
        }
    }

    private final MmCore k;

    /** huge_page_size(hstate_vma(vma)): the huge page size of a hugetlb VMA, 2 MiB or 1 GiB. */
    static long hugePageSize(VmArea v) {
        return (long) nr(v) << Kernel.PAGE_SHIFT;
    }

    public Hugetlb(MmCore k) {
        this.k = k;
    }

    /**
     * Makes the page cache a hugetlbfs inode's, of {@code 1 << order} small pages per huge page
     * ({@link HugetlbPool#ORDER_2M} or {@link HugetlbPool#ORDER_1G}): it gets a reservation map (the
     * inode's resv_map, hugetlbfs_get_inode()).
     */
    public static void makeHugetlbfs(AddressSpace a, int order) {
        a.hugetlbResv = new FileResv(order);
    }

    /** huge_page_size(hstate_inode()) of a hugetlbfs page cache, in bytes. */
    public static long pageSize(AddressSpace a) {
        return (long) Kernel.PAGE_SIZE << a.hugetlbResv.order;
    }

    /** hstate_vma(): the pool of the mapping's page size. */
    static HugetlbPool hstate(MmCore k, VmArea v) {
        return (v.flags & VmArea.VM_HUGETLB_1G) != 0 ? k.hugetlb1g : k.hugetlb;
    }

    /** pages_per_huge_page(hstate_vma()): 512 or 262,144. */
    static int nr(VmArea v) {
        return (v.flags & VmArea.VM_HUGETLB_1G) != 0 ? Pte.PUD_NR : HugeMemory.HPAGE_PMD_NR;
    }

    /** The huge leaf entry (make_huge_pte()) mapping a folio of this mapping's size: a PMD, or a PUD-level leaf for 1 GiB. */
    static long leaf(VmArea v, long pfn) {
        return Pte.present(pfn) | ((v.flags & VmArea.VM_HUGETLB_1G) != 0 ? Pte.PUD : 0);
    }

    /** "2 MiB" or "1 GiB" for messages. */
    static String size(VmArea v) {
        return (v.flags & VmArea.VM_HUGETLB_1G) != 0 ? "1 GiB" : "2 MiB";
    }

    /** "PMD" or "PUD" for messages: the level that maps this mapping's folios. */
    static String level(VmArea v) {
        return (v.flags & VmArea.VM_HUGETLB_1G) != 0 ? "PUD" : "PMD";
    }

    /** is_file_hugepages() for a page cache: whether it is a hugetlbfs file's (including the anonymous file of a shared MAP_HUGETLB mapping). */
    public static boolean isHugetlbfs(AddressSpace a) {
        return a != null && a.hugetlbResv != null;
    }

    /**
     * remove_inode_hugepages() -&gt; hugetlb_unreserve_pages() for a truncation at {@code fromIndex}:
     * the reservations of the pages past the cut go back to the pool.
     */
    public static void truncateReservations(MmCore k, AddressSpace a, long fromIndex) {
        java.util.SortedSet<Long> gone = a.hugetlbResv.reserved.tailSet(fromIndex);
        HugetlbPool.of(k, a.hugetlbResv.order).unreserve(gone.size());
        gone.clear();
    }

    /** A folio leaving a hugetlbfs page cache: its tails, which point at the page cache too, let go of it (remove_hugetlb_folio()). */
    public static void leftPageCache(Page f) {
        for (Page p : f.createdSubpages()) {
            p.mapping = null;
        }
    }

    /** is_vm_hugetlb_page(). */
    static boolean isHugetlb(VmArea v) {
        return (v.flags & VmArea.VM_HUGETLB) != 0;
    }

    /**
     * hugetlb_vm_op_split(): a hugetlb VMA may be split only at a huge page boundary. Checked for
     * [start, end) before munmap, mprotect, madvise or MAP_FIXED change anything.
     *
     * @throws ErrnoException EINVAL if either end cuts a hugetlb VMA inside a huge page
     */
    static void checkSplit(Mm mm, long startVpn, long endVpn, String call) {
        for (long vpn : new long[] {startVpn, endVpn}) {
            VmArea v = mm.findVma(vpn);
            if (v != null && isHugetlb(v) && v.startVpn != vpn && (vpn & (nr(v) - 1)) != 0) {
                throw new ErrnoException(Errno.EINVAL, call, Kernel.hex(vpn << Kernel.PAGE_SHIFT) + " is inside a " + size(v) + " page of the hugetlb mapping " + v
                        + " (hugetlb_vm_op_split)");
            }
        }
    }

    /**
     * hugetlb_vm_op_close() for a private mapping's owner and, when the last VMA of a hugetlb
     * inode goes, hugetlb_unreserve_pages(): the reservations no fault consumed go back to the pool.
     */
    void closeVma(VmArea v) {
        if (v.hugetlbResv != null) {
            long first = v.indexOf(v.startVpn);
            long end = v.indexOf(v.endVpn);
            long unconsumed = (end - first) / nr(v) - v.hugetlbResv.consumed.subSet(first, end).size();
            hstate(k, v).unreserve(unconsumed);
        }
        if (v.mapping != null && v.mapping.inode == null && v.mapping.hugetlbResv != null && v.mapping.vmas.isEmpty()) {
            hstate(k, v).unreserve(v.mapping.hugetlbResv.reserved.size());
            v.mapping.hugetlbResv.reserved.clear();
        }
    }

    /**
     * hugetlb_fault(): the PMD- or PUD-level entry of the huge page at vpn (huge_pte_offset()). No entry: hugetlb_no_page(). A
     * write (or unshare) fault on a read-only entry: hugetlb_wp(). Otherwise the entry is marked
     * young (and dirty for a write).
     */
    Faults.Result fault(Mm mm, VmArea vma, long vpn, int flags, String actor) {
        long hv = vpn & -nr(vma);
        long pmd = mm.pt.getPmd(hv);
        if (pmd == Pte.NONE) {
            return noPage(mm, vma, hv, flags, actor);
        }
        if ((flags & (Faults.WRITE | Faults.UNSHARE)) != 0 && !Pte.isWrite(pmd)) {
            return wp(mm, vma, hv, pmd, (flags & Faults.WRITE) == 0, actor);
        }
        mm.pt.setPmd(hv, pmd | Pte.YOUNG | ((flags & Faults.WRITE) != 0 ? Pte.DIRTY | Pte.SOFT_DIRTY : 0));
        return Faults.Result.OK;
    }

    /**
     * hugetlb_no_page(): a shared mapping finds the folio in the hugetlbfs page cache or allocates
     * one (consuming the inode's reservation) and maps it writable if the VMA is; a private mapping
     * allocates a zeroed anonymous folio (consuming the owner's reservation at this index; a child
     * has none) and maps it read-only, then a write fault reuses it at once ("do the COW without a
     * second fault"). No folio: SIGBUS (vmf_error(-ENOSPC)); so does a VMA whose page the owner
     * took back (HPAGE_RESV_UNMAPPED: "killed due to inadequate hugepage pool").
     */
    private Faults.Result noPage(Mm mm, VmArea vma, long hv, int flags, String actor) {
        long addr = hv << Kernel.PAGE_SHIFT;
        if (vma.hugetlbUnmapped) {
            k.log().print(k.trace().step(), KernelLog.Level.WARN, "PID " + actor + " killed due to inadequate hugepage pool");
            k.trace().record(actor, TraceKind.INFO, addr, -1, "fault at " + Kernel.hex(addr) + ": the owner of this private hugetlb mapping took the page back when it "
                    + "could not COW (unmap_ref_private, HPAGE_RESV_UNMAPPED): SIGBUS (hugetlb_no_page)");
            return Faults.Result.SIGBUS;
        }
        long index = vma.indexOf(hv);
        int nr = nr(vma);
        HugetlbPool pool = hstate(k, vma);
        boolean write = (flags & Faults.WRITE) != 0;
        if (vma.mapping != null && vma.mapping.inode != null && index >= vma.mapping.inode.size() >>> Kernel.PAGE_SHIFT) {
            k.trace().record(actor, TraceKind.INFO, addr, -1, "fault at " + Kernel.hex(addr) + ": page " + (index / nr) + " of " + vma.mapping.name()
                    + " is at or past its end (i_size " + vma.mapping.inode.size() + "): SIGBUS (hugetlb_no_page)");
            return Faults.Result.SIGBUS;
        }
        Page cached = vma.mapping != null && vma.mapping.inode != null && !vma.isShared() ? vma.mapping.pages.get(index) : null;
        if (cached != null) {
            // hugetlb_no_page() of a private mapping finds the page-cache folio: mapped read-only, a write copies it (hugetlb_wp)
            long pmd = leaf(vma, cached.pfn()) | Pte.YOUNG;
            mm.pt.setPmd(hv, pmd);
            k.touch(cached);
            k.trace().record(actor, TraceKind.FAULT, addr, cached.pfn(), (write ? "write" : "read") + " fault at " + Kernel.hex(addr) + ": mapped hugetlb folio #" + cached.pfn()
                    + " of " + vma.mapping.name() + " read-only in a private mapping (hugetlb_no_page)");
            return write ? wp(mm, vma, hv, pmd, false, actor) : Faults.Result.OK;
        }
        if (vma.isShared() || (vma.flags & VmArea.VM_MAYSHARE) != 0) {
            boolean found = vma.mapping.pages.containsKey(index);
            Page h = pool.fileFolio(vma.mapping, index, actor, addr);
            if (h == null) {
                return Faults.Result.SIGBUS;
            }
            long w = (vma.flags & VmArea.VM_WRITE) != 0 ? Pte.WRITE | Pte.DIRTY : 0;
            mm.pt.setPmd(hv, leaf(vma, h.pfn()) | Pte.YOUNG | w | (write ? Pte.SOFT_DIRTY : 0));
            k.touch(h);
            k.trace().record(actor, TraceKind.FAULT, addr, h.pfn(), (write ? "write" : "read") + " fault at " + Kernel.hex(addr) + ": mapped "
                    + (found ? "" : "new ") + "hugetlb folio #" + h.pfn() + " of " + vma.mapping.name() + " page " + (index / nr) + " by one " + level(vma) + " (hugetlb_no_page)");
            return Faults.Result.OK;
        }
        long hidx = index - Math.floorMod(index, nr);
        boolean resv = vma.hugetlbResv != null && !vma.hugetlbResv.consumed.contains(hidx);
        Page h = pool.alloc(resv, actor, addr);
        if (h == null) {
            k.trace().record(actor, TraceKind.INFO, addr, -1, "fault at " + Kernel.hex(addr) + ": no hugetlb page for this private mapping"
                    + (vma.hugetlbResv == null ? " (a child's mapping has no reservation)" : "") + ": SIGBUS (hugetlb_no_page, vmf_error(-ENOSPC))");
            return Faults.Result.SIGBUS;
        }
        if (resv) {
            vma.hugetlbResv.consumed.add(hidx);
        }
        vma.hasAnonVma = true;
        h.flags |= Page.ANON;
        h.anonVma = mm.anonVma();
        h.index = vma.anonIndex(hv);
        h.setAnonExclusive();
        boolean reuse = write && (vma.flags & VmArea.VM_WRITE) != 0;
        mm.pt.setPmd(hv, leaf(vma, h.pfn()) | Pte.YOUNG | (reuse ? Pte.WRITE | Pte.DIRTY | Pte.SOFT_DIRTY : 0));
        if (reuse) {
            h.flags |= Page.DIRTY;
        }
        k.trace().record(actor, TraceKind.FAULT, addr, h.pfn(), (write ? "write" : "read") + " fault at " + Kernel.hex(addr) + ": new zeroed " + size(vma) + " hugetlb folio #" + h.pfn()
                + (resv ? " (the mapping's reservation)" : "") + ", mapped by one " + level(vma) + (reuse ? " writable (hugetlb_no_page, then hugetlb_wp reuses it)" : " read-only (hugetlb_no_page)"));
        return Faults.Result.OK;
    }

    /**
     * hugetlb_wp() (hugetlb_cow() before 5.19): a shared mapping is made writable; a private
     * anonymous folio with folio_mapcount() 1 is reused (GUP references are not counted, in every
     * modelled release) and marked PageAnonExclusive where the flag exists; otherwise a new folio
     * gets a copy. An owner that finds no free folio for the copy takes the page back from the
     * children that share it (unmap_ref_private()) and reuses it; anyone else gets SIGBUS.
     */
    private Faults.Result wp(Mm mm, VmArea vma, long hv, long pmd, boolean unshare, String actor) {
        long addr = hv << Kernel.PAGE_SHIFT;
        Page old = k.frameOfPte(pmd);
        if (vma.isShared()) {
            if (!unshare) {
                mm.pt.setPmd(hv, pmd | Faults.writeBit(vma) | Pte.DIRTY | Pte.SOFT_DIRTY | Pte.YOUNG);
            }
            return Faults.Result.OK;
        }
        for (boolean retried = false;; retried = true) {
            int mc = old.entireMapcount();
            if (mc == 1 && old.isAnon()) {
                HugeMemory.setFolioExclusive(old, true);
                k.touch(old);
                String why = "folio_mapcount() 1; GUP references are not counted" + (old.nonMappingRefs() > 0 ? ", though" + old.describeExtraRefs() : "");
                if (unshare) {
                    k.trace().record(actor, TraceKind.UNSHARE, addr, old.pfn(), "unshare fault at " + Kernel.hex(addr) + ": hugetlb folio #" + old.pfn()
                            + " kept (" + why + "), PMD stays read-only (hugetlb_wp, FAULT_FLAG_UNSHARE)");
                    return Faults.Result.OK;
                }
                mm.pt.setPmd(hv, pmd | Faults.writeBit(vma) | Pte.DIRTY | Pte.SOFT_DIRTY | Pte.YOUNG);
                old.flags |= Page.DIRTY;
                k.trace().record(actor, TraceKind.COW_REUSE, addr, old.pfn(), "write fault at " + Kernel.hex(addr) + ": reused hugetlb folio #" + old.pfn() + ": " + why + " (hugetlb_wp)");
                mm.subscriptions.permissionUpgrade(hv);
                return Faults.Result.OK;
            }
            String why = old.isAnon() ? "folio_mapcount() " + mc + " > 1" : "a page-cache folio in a private mapping";
            // alloc_hugetlb_folio(): outside_reserve only for the owner copying an anonymous folio; a page-cache folio's copy uses the owner's reservation
            long hidx = vma.indexOf(hv);
            boolean resv = !old.isAnon() && vma.hugetlbResv != null && !vma.hugetlbResv.consumed.contains(hidx);
            Page n = hstate(k, vma).alloc(resv, actor, addr);
            if (n != null && resv) {
                vma.hugetlbResv.consumed.add(hidx);
            }
            if (n != null) {
                copy(mm, vma, hv, old, n, unshare, actor, why);
                return Faults.Result.OK;
            }
            if (vma.hugetlbResv == null || retried || !unmapRefPrivate(mm, old, hv, actor)) {
                k.trace().record(actor, TraceKind.INFO, addr, -1, "write fault at " + Kernel.hex(addr) + ": " + why + " and no free hugetlb page to copy to: SIGBUS (hugetlb_wp)");
                return Faults.Result.SIGBUS;
            }
        }
    }

    /** hugetlb_wp()'s copy: a new exclusive anonymous folio with the old one's content replaces it, inside MMU_NOTIFY_CLEAR. */
    private void copy(Mm mm, VmArea vma, long hv, Page old, Page n, boolean unshare, String actor, String why) {
        long addr = hv << Kernel.PAGE_SHIFT;
        vma.hasAnonVma = true;
        n.flags |= Page.ANON | Page.DIRTY;
        n.anonVma = mm.anonVma();
        n.index = vma.anonIndex(hv);
        n.setAnonExclusive();
        copyContent(old, n);
        mm.notifyStart(MmuNotifierEvent.CLEAR, hv, hv + nr(vma), true);
        mm.pt.setPmd(hv, Pte.NONE);
        mm.pt.setPmd(hv, leaf(vma, n.pfn()) | Pte.YOUNG | (unshare ? 0 : Faults.writeBit(vma) | Pte.DIRTY | Pte.SOFT_DIRTY));
        mm.notifyEnd(MmuNotifierEvent.CLEAR, hv, hv + nr(vma));
        k.touch(old);
        k.trace().record(actor, unshare ? TraceKind.UNSHARE : TraceKind.COW_COPY, addr, n.pfn(), (unshare ? "unshare" : "write") + " fault at " + Kernel.hex(addr)
                + ": copied hugetlb folio #" + old.pfn() + " (" + size(vma) + ") to new folio #" + n.pfn() + ": " + why + " (hugetlb_wp)"
                + (old.nonMappingRefs() > 0 ? "; folio #" + old.pfn() + " stays with" + old.describeExtraRefs() : ""));
        k.maybeFree(old);
    }

    /** copy_user_huge_page(): the subpages that exist carry content; the others are zero. */
    static void copyContent(Page from, Page to) {
        for (Page p : from.createdSubpages()) {
            to.subpage((int) (p.pfn() - from.pfn())).content().copyFrom(p.content());
        }
    }

    /**
     * unmap_ref_private(): the owner of a private mapping could not COW for want of a free folio,
     * so the folio is unmapped from the other private mappings without a reservation (the
     * children), which are marked HPAGE_RESV_UNMAPPED: their next fault there is SIGBUS.
     */
    private boolean unmapRefPrivate(Mm mm, Page old, long hv, String actor) {
        boolean any = false;
        if (old.anonVma == null) {
            return false;
        }
        for (Mm other : java.util.List.copyOf(old.anonVma.mms)) {
            VmArea v = other == mm ? null : other.findVma(hv);
            long pmd = v != null ? other.pt.getPmd(hv) : Pte.NONE;
            if (v == null || !isHugetlb(v) || v.isShared() || v.hugetlbResv != null || !Pte.isPresent(pmd) || Pte.pfn(pmd) != old.pfn()) {
                continue;
            }
            other.notifyStart(MmuNotifierEvent.UNMAP, hv, hv + nr(v), true);
            other.pt.setPmd(hv, Pte.NONE);
            other.notifyEnd(MmuNotifierEvent.UNMAP, hv, hv + nr(v));
            v.hugetlbUnmapped = true;
            any = true;
            k.touch(old);
            k.trace().record(actor, TraceKind.INFO, hv << Kernel.PAGE_SHIFT, old.pfn(), "no free hugetlb page for the owner's COW: hugetlb folio #" + old.pfn()
                    + " unmapped from \"" + other.owner.name() + "\", which gets SIGBUS if it touches it again (unmap_ref_private)");
        }
        return any;
    }

    /**
     * Whether fork copies this hugetlb folio for the child now, per the model's
     * {@link io.pinsim.runtime.model.HugetlbForkPinned}: null to share it, else why it is copied.
     */
    static String forkCopyReason(MmCore k, Mm src, Page h, boolean cow) {
        boolean needsCowForDma = cow && src.hasPinned && h.pageMaybeDmaPinned();
        return switch (k.model().get(io.pinsim.runtime.model.HugetlbForkPinned.class)) {
            case SHARE_WRPROTECT -> null;
            case COW_IF_NEEDS_COW_FOR_DMA -> needsCowForDma ? "MMF_HAS_PINNED and the folio may be pinned (pincount " + h.pincount()
                    + "): page_needs_cow_for_dma(), copied for the child now, the parent keeps it writable (copy_hugetlb_page_range, 4eae4efa2c29)" : null;
            case COW_IF_DUP_ANON_RMAP_FAILS -> needsCowForDma && h.isAnon() && h.isAnonExclusive() ? "exclusive and maybe pinned (pincount " + h.pincount()
                    + "): page_try_dup_anon_rmap() fails, copied for the child now, the parent keeps it (copy_hugetlb_page_range)" : null;
        };
    }

    /**
     * The early COW of copy_hugetlb_page_range(): a free unreserved folio (alloc_hugetlb_folio()
     * with avoid_reserve: "Do not use reserve as it's private owned") gets a copy and is installed
     * writable in the child (hugetlb_install_page()). False if the pool has none: fork fails.
     */
    boolean forkCopy(Mm dst, VmArea vma, long vpn, Page old, String actor, String why) {
        Page n = hstate(k, vma).alloc(false, actor, vpn << Kernel.PAGE_SHIFT);
        if (n == null) {
            return false;
        }
        n.flags |= Page.ANON | Page.DIRTY;
        n.anonVma = dst.anonVma();
        n.index = vma.anonIndex(vpn);
        n.setAnonExclusive();
        copyContent(old, n);
        dst.pt.setPmd(vpn, leaf(vma, n.pfn()) | Pte.YOUNG | Pte.DIRTY | Pte.SOFT_DIRTY | Faults.writeBit(vma));
        k.trace().record(actor, TraceKind.FORK, vpn << Kernel.PAGE_SHIFT, n.pfn(), "hugetlb folio #" + old.pfn() + " at " + Kernel.hex(vpn << Kernel.PAGE_SHIFT)
                + " " + why + "; the child's copy is folio #" + n.pfn());
        return true;
    }

    /**
     * madvise() on a hugetlb VMA: MADV_DONTNEED per the model's
     * {@link io.pinsim.runtime.model.HugetlbMadvDontneed} (refused up to 5.17; from 5.18 the start
     * must be aligned and the end is rounded down, madvise_dontneed_free_valid_vma()); MADV_PAGEOUT
     * is refused (can_madv_lru_vma()), MADV_WIPEONFORK too (the mapping has a vm_file). Returns the
     * end of the range the advice applies to.
     */
    static long madviseEnd(MmCore k, VmArea v, long from, long to, io.pinsim.runtime.Advice a) {
        switch (a) {
            case DONTNEED -> {
                if (k.model().get(io.pinsim.runtime.model.HugetlbMadvDontneed.class) == io.pinsim.runtime.model.HugetlbMadvDontneed.REFUSED) {
                    throw new ErrnoException(Errno.EINVAL, "madvise", "MADV_DONTNEED of the hugetlb mapping " + v + ": can_madv_lru_vma() refuses VM_HUGETLB");
                }
                if ((from & (nr(v) - 1)) != 0) {
                    throw new ErrnoException(Errno.EINVAL, "madvise", "MADV_DONTNEED at " + Kernel.hex(from << Kernel.PAGE_SHIFT) + ", inside a " + size(v)
                            + " page of the hugetlb mapping " + v + " (madvise_dontneed_free_valid_vma)");
                }
                return to & -nr(v);
            }
            case PAGEOUT -> throw new ErrnoException(Errno.EINVAL, "madvise", "MADV_PAGEOUT of the hugetlb mapping " + v + ": can_madv_lru_vma() refuses VM_HUGETLB");
            case WIPEONFORK -> throw new ErrnoException(Errno.EINVAL, "madvise", "MADV_WIPEONFORK of the hugetlb mapping " + v + ": it has a vm_file (madvise_behavior)");
            default -> {
                return to;
            }
        }
    }
}
