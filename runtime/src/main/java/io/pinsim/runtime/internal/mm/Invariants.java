package io.pinsim.runtime.internal.mm;

import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.KernelBugException;
import io.pinsim.runtime.trace.KernelLog;
import java.util.Collection;

/**
 * The model's CONFIG_DEBUG_VM. After each operation it checks what the operation changed, so its
 * cost grows with what the operation touched, not with the size of the kernel or the number of
 * processes: the frames it touched, every PTE it changed (the page tables report each change), the
 * VMAs it removed and the pages that left a page cache. {@link MmCore#checkInvariants()} (and
 * {@code Kernel.close()}) checks everything: every frame and every page table. A broken invariant
 * throws {@link KernelBugException}.
 *
 * <p>The two find the same breaks: a rule about a frame and the PTEs that map it is checked from
 * whichever side changed. A PTE changed by the operation is checked against its frame (a freed
 * frame, a writable mapping of a page that is not exclusive, a dangling swap entry, a PTE outside
 * every VMA); a frame the operation touched is checked against its own state and, only where the
 * frame changed in a way its unchanged PTEs could contradict (it stopped being PageAnonExclusive,
 * it was freed, it left a page cache), against every PTE that maps it.
 */
final class Invariants {
    private final MmCore k;
    /** The THPs whose folio-level state this check has seen (each once: their subpages share it). */
    private final java.util.Set<Page> checkedFolios = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());

    Invariants(MmCore k) {
        this.k = k;
    }

    /** A page that left a page cache during the operation, and the address space it left. */
    record LeftCache(Page page, AddressSpace from) {
    }

    /** A VMA an operation removed: its range must hold no PTE that another VMA does not cover. */
    record RemovedVma(Mm mm, long startVpn, long endVpn) {
    }

    /** What one operation changed besides the frames it touched; reused from operation to operation. */
    static final class Changes {
        private Mm[] pteMms = new Mm[16];
        private long[] pteVpns = new long[16];
        private int ptes;
        private final java.util.List<RemovedVma> removedVmas = new java.util.ArrayList<>();
        private final java.util.List<Page> lostExclusive = new java.util.ArrayList<>();

        void pte(Mm mm, long vpn) {
            if (ptes == pteVpns.length) {
                pteMms = java.util.Arrays.copyOf(pteMms, ptes * 2);
                pteVpns = java.util.Arrays.copyOf(pteVpns, ptes * 2);
            }
            pteMms[ptes] = mm;
            pteVpns[ptes] = vpn;
            ptes++;
        }

        void vmaRemoved(Mm mm, long startVpn, long endVpn) {
            removedVmas.add(new RemovedVma(mm, startVpn, endVpn));
        }

        void lostExclusive(Page f) {
            lostExclusive.add(f);
        }

        boolean isEmpty() {
            return ptes == 0 && removedVmas.isEmpty() && lostExclusive.isEmpty();
        }

        void clear() {
            if (pteVpns.length > 4096) {
                // a large operation (a populate, a fork) must not keep its lists for the kernel's life
                pteMms = new Mm[16];
                pteVpns = new long[16];
            } else {
                java.util.Arrays.fill(pteMms, 0, ptes, null);
            }
            ptes = 0;
            removedVmas.clear();
            lostExclusive.clear();
        }
    }

    /**
     * Checks what one operation changed: the frames it touched (each once: MmCore.touch() already
     * deduplicates), the PTEs it changed, the VMAs it removed, the pages that stopped being
     * exclusive and the pages that left a page cache (no PTE of a VMA of that cache may still map
     * them, freed or not).
     */
    void check(Collection<Page> frames, Changes changes, Collection<LeftCache> leftCache) {
        boolean forking = k.debug().forkInProgress();
        for (Page f : frames) {
            checkFrame(f, forking, false);
        }
        for (Page f : changes.lostExclusive) {
            if (!f.isFree() && !(forking && midFork(f))) {
                checkNoWritablePte(f);
            }
        }
        VmArea last = null;
        for (int i = 0; i < changes.ptes; i++) {
            last = checkPte(changes.pteMms[i], changes.pteVpns[i], forking, last);
        }
        for (RemovedVma r : changes.removedVmas) {
            checkNoPteLeft(r.mm(), r.startVpn(), r.endVpn());
        }
        for (LeftCache l : leftCache) {
            checkLeftCache(l.page(), l.from());
        }
    }

    /** Checks every frame against every PTE that maps it, and every PTE of every address space. */
    void checkAll(Collection<Page> frames, Collection<Mm> mms) {
        boolean forking = k.debug().forkInProgress();
        long[] hugetlbFolios = new long[2];
        for (Page f : frames) {
            checkFrame(f, forking, true);
            if (!f.isFree() && f.isHead() && f.isHugetlb()) {
                hugetlbFolios[f.order() == HugetlbPool.ORDER_1G ? 1 : 0]++;
            }
        }
        // each hugetlb pool: every folio is free or in use, and no more is reserved than is free
        String pool = k.hugetlb.check(hugetlbFolios[0]);
        pool = pool != null ? pool : k.hugetlb1g.check(hugetlbFolios[1]);
        if (pool != null) {
            fail("hugetlb-pool", pool);
        }
        for (Mm mm : mms) {
            checkPageTable(mm);
        }
        for (Page h : k.deferredSplit.queued()) {
            checkDeferredSplit(h);
        }
    }

    /** A folio on the deferred split queue is a live anonymous THP (see {@link DeferredSplit#check}). */
    private void checkDeferredSplit(Page h) {
        String broken = k.deferredSplit.check(h);
        if (broken != null) {
            fail("deferred-split-queue", broken);
        }
    }

    /**
     * The frame's own rules. {@code everyPte}: also check that no PTE maps a non-exclusive page
     * writable (the full check; the incremental one checks that from the PTEs an operation changed
     * and from the pages that stopped being exclusive).
     */
    private void checkFrame(Page f, boolean forking, boolean everyPte) {
        if (f.isFree()) {
            // Walk as if it were live: a freed frame must not be reachable from any PTE.
            if (f.isAnon() && f.anonVma != null) {
                for (Mm mm : f.anonVma.mms) {
                    long vpn = Rmap.anonVpn(mm, f.index, f.pfn());
                    if (vpn >= 0) {
                        checkNotMappedAfterFree(f, mm, vpn);
                    }
                }
            }
            if (f.refs != null) {
                fail("freed-frame-referenced", "frame #" + f.pfn() + " was freed while " + f.holders() + " still hold it");
            }
            checkDeferredSplit(f);
            return;
        }
        if (f.isZeroPage() || HugeZeroPage.is(f)) {
            return;
        }
        if (k.frame(f.pfn()) != f) {
            fail("frame-table", "frame #" + f.pfn() + " is live but the frame table holds another object for its pfn");
        }
        if (k.anonExclusiveEra() && f.isAnon() && !(forking && midFork(f))) {
            boolean exclusive = f.isAnonExclusive();
            if (!exclusive && f.countRefs(GupRef.Kind.PIN) > 0 && k.pinnedAnonPagesExclusive()) {
                fail("pinned-page-not-exclusive", "frame #" + f.pfn() + " is pinned (" + f.holders()
                        + ") but not PageAnonExclusive (sanity_check_pinned_pages)");
            }
            if (!exclusive && everyPte) {
                checkNoWritablePte(f);
            }
            if (exclusive) {
                int mapcount = mappings(f, 2);
                if (mapcount > 1) {
                    fail("exclusive-page-shared", "frame #" + f.pfn() + " is PageAnonExclusive but mapped " + f.mapcount() + " times");
                }
            }
        }
        if (f.isCompound()) {
            checkCompound(f);
        } else if (f.mapping == null && f.swapSlot == null && f.refs == null && mappings(f, 1) == 0) {
            fail("leaked-frame", "frame #" + f.pfn() + " is allocated but nothing maps, caches or holds it");
        }
        if (f.mapping != null && f.mapping.inode == null && f.mapping.vmas.isEmpty()) {
            fail("leaked-frame", "frame #" + f.pfn() + " belongs to " + f.mapping.name() + ", which no VMA maps any more (shmem_evict_inode() frees its pages)");
        }
        if (f.swapSlot != null && f.swapSlot.cache != f) {
            fail("swap-cache", "frame #" + f.pfn() + " believes it is in the swap cache of slot " + f.swapSlot.id + " but the slot holds another page");
        }
    }

    /** How many PTEs map the frame, counting no further than {@code limit} (a walk that stops early). */
    private int mappings(Page f, int limit) {
        if (f.isAnon() && f.anonVma != null) {
            // the anonymous case of walkWhile, without a visitor: the family's mms at the page's index
            java.util.List<Mm> mms = f.anonVma.mms;
            int n = 0;
            for (int i = 0; i < mms.size() && n < limit; i++) {
                Mm mm = mms.get(i);
                long vpn = Rmap.anonVpn(mm, f.index, f.pfn());
                if (vpn >= 0 && Rmap.maps(mm.pt.get(vpn), f.pfn())) {
                    n++;
                }
            }
            return n;
        }
        int[] n = new int[1];
        k.rmap().walkWhile(f, (mm, vma, vpn) -> ++n[0] < limit);
        return n[0];
    }

    /** In the anon-exclusive era no PTE may map a page writable that is not PageAnonExclusive. */
    private void checkNoWritablePte(Page f) {
        if (!k.anonExclusiveEra() || !f.isAnon() || f.isAnonExclusive()) {
            return;
        }
        k.rmap().walk(f, (mm, vma, vpn) -> {
            if (Pte.isWrite(mm.pt.get(vpn))) {
                failWritableShared(mm, f, vpn);
            }
        });
    }

    private void failWritableShared(Mm mm, Page f, long vpn) {
        fail("writable-shared-anon", "process \"" + mm.owner.name() + "\" maps frame #" + f.pfn() + " writable at "
                + Kernel.hex(vpn << Kernel.PAGE_SHIFT) + " but the page is not PageAnonExclusive");
    }

    /**
     * One PTE the operation changed, against its VMA, its frame or its swap slot. {@code last} is
     * the VMA the previous PTE was in (changes come in runs over one VMA); returns this PTE's.
     */
    private VmArea checkPte(Mm mm, long vpn, boolean forking, VmArea last) {
        long pte = mm.pt.get(vpn);
        if (pte == Pte.NONE) {
            return last;
        }
        MmOwner p = mm.owner;
        VmArea vma = last != null && last.mm == mm && vpn >= last.startVpn && vpn < last.endVpn
                ? last : mm.findVmaOrDetached(vpn);
        if (vma == null) {
            fail("pte-outside-vma", "process \"" + p.name() + "\" has a PTE at " + Kernel.hex(vpn << Kernel.PAGE_SHIFT) + " outside every VMA");
        }
        if (Pte.isPresent(pte)) {
            Page f = k.frame(Pte.pfn(pte));
            if (f == null || f.isFree()) {
                fail("freed-frame-mapped", "process \"" + p.name() + "\" maps freed pfn " + Pte.pfn(pte) + " at " + Kernel.hex(vpn << Kernel.PAGE_SHIFT));
            }
            if (k.anonExclusiveEra() && f.isAnon() && !(forking && midFork(f))) {
                if (!f.isAnonExclusive() && Pte.isWrite(pte)) {
                    failWritableShared(mm, f, vpn);
                }
                if (f.isAnonExclusive() && mappings(f, 2) > 1) {
                    fail("exclusive-page-shared", "frame #" + f.pfn() + " is PageAnonExclusive but mapped " + f.mapcount() + " times");
                }
            }
        } else if (Pte.isSwapSlot(pte) && k.swap.get(Pte.slot(pte)) == null) {
            fail("swap-entry-dangling", "process \"" + p.name() + "\" has a swap entry for freed slot " + Pte.slot(pte));
        }
        return vma;
    }

    /** A removed VMA's range holds no PTE that no other VMA covers (unmap_region() zaps before the VMA goes). */
    private void checkNoPteLeft(Mm mm, long startVpn, long endVpn) {
        long vpn = mm.pt.nextPopulated(startVpn, endVpn);
        while (vpn >= 0) {
            VmArea v = mm.findVmaOrDetached(vpn);
            if (v == null) {
                fail("pte-outside-vma", "process \"" + mm.owner.name() + "\" has a PTE at " + Kernel.hex(vpn << Kernel.PAGE_SHIFT) + " outside every VMA");
            }
            vpn = mm.pt.nextPopulated(Math.max(vpn + 1, v.endVpn), endVpn);
        }
    }

    /**
     * A subpage of a THP: its head is live, of order 9 and covers it, and it shares the head's anon
     * state; once per folio: the folio is held by something (a PMD or PTE mapping of any subpage, or
     * a reference), and while any mm maps it with a PMD every created subpage has the head's
     * PageAnonExclusive (the kernel reads the head's flag for a PMD mapping).
     */
    private void checkCompound(Page f) {
        Page h = f.compoundHead();
        if (h.isFree() || k.frame(h.pfn()) != h || f.pfn() - h.pfn() >= h.nrPages() || (f != h && f.isHead())) {
            fail("compound-tail", "frame #" + f.pfn() + " is a tail of THP #" + h.pfn() + " but the head is not a live compound page that covers it");
        }
        if (f.anonVma != h.anonVma || f.index != h.index + (f.pfn() - h.pfn())) {
            fail("compound-tail", "frame #" + f.pfn() + " of THP #" + h.pfn() + " has another anon_vma or index than its head");
        }
        if (!checkedFolios.add(h)) {
            return;
        }
        checkDeferredSplit(h);
        if (h.refcount() == 0) {
            fail("leaked-frame", "THP #" + h.pfn() + " is allocated but nothing maps or holds any of its pages");
        }
        if (h.entireMapcount() > 0) {
            for (Page p : h.createdSubpages()) {
                if (p.isAnonExclusive() != h.isAnonExclusive()) {
                    fail("thp-exclusive-split", "THP #" + h.pfn() + " is PMD-mapped but subpage #" + p.pfn() + " has another PageAnonExclusive than its head");
                }
            }
        }
    }

    /**
     * A page removed from a page cache must not be mapped through that cache's VMAs any more: if it
     * was freed the PTE maps a free frame; if something still holds it, the PTE maps an orphan that
     * no fault, writeback or truncate will ever find again.
     */
    private void checkLeftCache(Page f, AddressSpace from) {
        for (VmArea v : from.vmas) {
            long vpn = v.vpnOf(f.index);
            if (vpn < 0) {
                continue;
            }
            if (f.isFree()) {
                checkNotMappedAfterFree(f, v.mm, vpn);
                continue;
            }
            long pte = v.mm.pt.get(vpn);
            if (Pte.isPresent(pte) && Pte.pfn(pte) == f.pfn()) {
                fail("page-cache-page-mapped-when-deleted", "page " + f.index + " of " + from.name() + " (frame #" + f.pfn() + ") left the page cache but process \""
                        + v.mm.owner.name() + "\" still maps it at " + Kernel.hex(vpn << Kernel.PAGE_SHIFT) + " (filemap_unaccount_folio: still mapped when deleted)");
            }
        }
    }

    /**
     * A freed frame must not be mapped at vpn of mm. The pfn may already stand for a new
     * allocation (the allocator reuses freed pfns at once, as MAP_FIXED|MAP_POPULATE does when it
     * unmaps and faults the range in again): a PTE with that pfn is then a mapping of the new frame
     * if the new frame's reverse map finds it, and a stale one otherwise.
     */
    private void checkNotMappedAfterFree(Page f, Mm mm, long vpn) {
        long pte = mm.pt.get(vpn);
        if (!Pte.isPresent(pte) || Pte.pfn(pte) != f.pfn()) {
            return;
        }
        Page live = k.frame(f.pfn());
        if (live != null && reverseMapFinds(live, mm, vpn)) {
            return;
        }
        fail("freed-frame-mapped", "frame #" + f.pfn() + " was freed but process \"" + mm.owner.name() + "\" still maps it at "
                + Kernel.hex(vpn << Kernel.PAGE_SHIFT));
    }

    private boolean reverseMapFinds(Page f, Mm mm, long vpn) {
        boolean[] found = new boolean[1];
        k.rmap().walk(f, (m, vma, v) -> found[0] |= m == mm && v == vpn);
        return found[0];
    }

    /**
     * Whether a fork of a process that may map this frame is in progress. copy_present_pte() clears
     * PageAnonExclusive (page_try_dup_anon_rmap()) and then write-protects the PTE under the page
     * table lock; faults never see the state in between, GUP-fast can (that is what
     * write_protect_seq is for). The frame is checked again by the next operation that touches it.
     */
    private static boolean midFork(Page f) {
        // callers ask only while some fork holds an mmap_lock for write (MmCore.forkInProgress())
        if (f.anonVma == null) {
            return false;
        }
        for (Mm mm : f.anonVma.mms) {
            if (mm.mmapWriteLocker != null) {
                return true;
            }
        }
        return false;
    }

    private void checkPageTable(Mm mm) {
        MmOwner p = mm.owner;
        for (long v = mm.pt.nextPmd(0, Long.MAX_VALUE); v >= 0; v = mm.pt.nextPmd(v + Pte.leafPages(mm.pt.getPmd(v)), Long.MAX_VALUE)) {
            VmArea vma = mm.findVmaOrDetached(v);
            long entry = mm.pt.getPmd(v);
            Page h = k.frame(Pte.pfn(entry));
            if (vma == null || v + Pte.leafPages(entry) > vma.endVpn || v < vma.startVpn) {
                fail("pmd-outside-vma", "process \"" + p.name() + "\" has a huge PMD at " + Kernel.hex(v << Kernel.PAGE_SHIFT) + " not inside one VMA");
            }
            if (h == null || !h.isHead() || h.isFree()) {
                fail("pmd-maps-non-thp", "process \"" + p.name() + "\" has a huge PMD at " + Kernel.hex(v << Kernel.PAGE_SHIFT) + " that maps no live THP head");
            }
            checkAnonIndex(p, vma, v, h);
            if (h != null && vma != null && Hugetlb.isHugetlb(vma) && h.isHead() && (h.nrPages() != Hugetlb.nr(vma) || Pte.leafPages(entry) != h.nrPages())) {
                fail("hugetlb-size", "process \"" + p.name() + "\" maps hugetlb folio #" + h.pfn() + " of " + h.nrPages() + " pages by a " + Pte.leafPages(entry)
                        + "-page entry in " + vma + " of " + Hugetlb.nr(vma) + "-page huge pages: a folio, its entry and its mapping have one size");
            }
            if (vma != null && h.isHugetlb() != Hugetlb.isHugetlb(vma)) {
                fail("hugetlb-mapping", "process \"" + p.name() + "\" maps " + (h.isHugetlb() ? "hugetlb folio #" : "THP #") + h.pfn() + " at "
                        + Kernel.hex(v << Kernel.PAGE_SHIFT) + " in " + vma + ": hugetlb folios belong in hugetlb VMAs only, THPs never");
            }
        }
        mm.pt.forEach(0, Long.MAX_VALUE >>> Kernel.PAGE_SHIFT, (vpn, pte) -> {
            if (mm.findVmaOrDetached(vpn) == null) {
                fail("pte-outside-vma", "process \"" + p.name() + "\" has a PTE at " + Kernel.hex(vpn << Kernel.PAGE_SHIFT) + " outside every VMA");
            }
            if (Pte.isPresent(pte) && k.frame(Pte.pfn(pte)) == null) {
                fail("freed-frame-mapped", "process \"" + p.name() + "\" maps freed pfn " + Pte.pfn(pte) + " at " + Kernel.hex(vpn << Kernel.PAGE_SHIFT));
            }
            if (Pte.isPresent(pte) && Pte.pfn(pte) != 0) {
                checkAnonIndex(p, mm.findVma(vpn), vpn, k.frame(Pte.pfn(pte)));
            }
            if (Pte.isPresent(pte) && k.frame(Pte.pfn(pte)).isHugetlb()) {
                fail("hugetlb-pte-mapped", "process \"" + p.name() + "\" maps a page of hugetlb folio #" + k.frame(Pte.pfn(pte)).compoundHead().pfn()
                        + " by a PTE at " + Kernel.hex(vpn << Kernel.PAGE_SHIFT) + ": hugetlb folios are never split");
            }
            if (Pte.isDevicePrivate(pte) && (k.deviceMemory.page(Pte.slot(pte)) == null || k.deviceMemory.page(Pte.slot(pte)).isFree())) {
                fail("device-private-entry-dangling", "process \"" + p.name() + "\" has a device-private entry at " + Kernel.hex(vpn << Kernel.PAGE_SHIFT)
                        + " for a free device page " + Pte.slot(pte));
            }
            if (Pte.isDeviceExclusive(pte) && k.frame(Pte.slot(pte)) == null) {
                fail("freed-frame-mapped", "process \"" + p.name() + "\" has a device-exclusive entry for freed pfn " + Pte.slot(pte) + " at " + Kernel.hex(vpn << Kernel.PAGE_SHIFT));
            }
            if (Pte.isSwapSlot(pte) && k.swap.get(Pte.slot(pte)) == null) {
                fail("swap-entry-dangling", "process \"" + p.name() + "\" has a swap entry for freed slot " + Pte.slot(pte));
            }
        });
    }

    /**
     * An anonymous page is mapped where its index says (linear_page_index() of the VMA, which
     * mremap() keeps across a move): else the reverse map cannot find the mapping.
     */
    private void checkAnonIndex(MmOwner p, VmArea vma, long vpn, Page f) {
        if (vma != null && f != null && f.isAnon() && !f.isZeroPage() && f.index != vma.anonIndex(vpn)) {
            fail("anon-index", "process \"" + p.name() + "\" maps anonymous frame #" + f.pfn() + " (index " + f.index + ") at "
                    + Kernel.hex(vpn << Kernel.PAGE_SHIFT) + ", where " + vma + " expects index " + vma.anonIndex(vpn) + ": the rmap cannot find it");
        }
    }

    private void fail(String invariant, String detail) {
        k.log().print(k.trace().step(), io.pinsim.runtime.trace.KernelLog.Level.BUG, "BUG: " + invariant + ": " + detail);
        throw new KernelBugException(invariant, detail, k.trace().render());
    }
}
