package io.pinsim.runtime.internal.mm;

import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.KernelBugException;
import io.pinsim.runtime.trace.KernelLog;
import java.util.Collection;

/**
 * The model's CONFIG_DEBUG_VM: checks run over the frames an operation touched, and over every
 * frame on {@link MmCore#checkInvariants()}. A broken invariant throws {@link KernelBugException}.
 */
final class Invariants {
    private final MmCore k;

    Invariants(MmCore k) {
        this.k = k;
    }

    /** A page that left a page cache during the operation, and the address space it left. */
    record LeftCache(Page page, AddressSpace from) {
    }

    /**
     * Checks the frames (each once: MmCore.touch() already deduplicates), the pages that left a page
     * cache (no PTE of a VMA of that cache may still map them, freed or not), and the page tables of
     * the processes.
     */
    void check(Collection<Page> frames, Collection<Mm> mms, Collection<LeftCache> leftCache) {
        for (Page f : frames) {
            checkFrame(f);
        }
        for (LeftCache l : leftCache) {
            checkLeftCache(l.page(), l.from());
        }
        for (Mm mm : mms) {
            {
                checkPageTable(mm);
            }
        }
    }

    private void checkFrame(Page f) {
        if (f.isFree()) {
            // Walk as if it were live: a freed frame must not be reachable from any PTE.
            if (f.isAnon() && f.anonVma != null) {
                for (Mm mm : f.anonVma.mms) {
                    checkNotMappedAfterFree(f, mm, f.index);
                }
            }
            if (f.refs != null) {
                fail("freed-frame-referenced", "frame #" + f.pfn() + " was freed while " + f.holders() + " still hold it");
            }
            return;
        }
        if (f.isZeroPage()) {
            return;
        }
        if (k.frame(f.pfn()) != f) {
            fail("frame-table", "frame #" + f.pfn() + " is live but the frame table holds another object for its pfn");
        }
        int mapcount = f.mapcount();
        if (k.anonExclusiveEra() && f.isAnon() && !midFork(f)) {
            boolean exclusive = f.isAnonExclusive();
            if (!exclusive && f.countRefs(GupRef.Kind.PIN) > 0 && k.pinnedAnonPagesExclusive()) {
                fail("pinned-page-not-exclusive", "frame #" + f.pfn() + " is pinned (" + f.holders()
                        + ") but not PageAnonExclusive (sanity_check_pinned_pages)");
            }
            if (!exclusive && mapcount > 0) {
                k.rmap().walk(f, (mm, vma, vpn) -> {
                    if (Pte.isWrite(mm.pt.get(vpn))) {
                        fail("writable-shared-anon", "process \"" + mm.owner.name() + "\" maps frame #" + f.pfn() + " writable at "
                                + Kernel.hex(vpn << Kernel.PAGE_SHIFT) + " but the page is not PageAnonExclusive");
                    }
                });
            }
            if (exclusive && mapcount > 1) {
                fail("exclusive-page-shared", "frame #" + f.pfn() + " is PageAnonExclusive but mapped " + mapcount + " times");
            }
        }
        if (mapcount == 0 && f.mapping == null && f.swapSlot == null && f.refs == null) {
            fail("leaked-frame", "frame #" + f.pfn() + " is allocated but nothing maps, caches or holds it");
        }
        if (f.mapping != null && f.mapping.inode == null && f.mapping.vmas.isEmpty()) {
            fail("leaked-frame", "frame #" + f.pfn() + " belongs to " + f.mapping.name() + ", which no VMA maps any more (shmem_evict_inode() frees its pages)");
        }
        if (f.swapSlot != null && f.swapSlot.cache != f) {
            fail("swap-cache", "frame #" + f.pfn() + " believes it is in the swap cache of slot " + f.swapSlot.id + " but the slot holds another page");
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
        mm.pt.forEach(0, Long.MAX_VALUE >>> Kernel.PAGE_SHIFT, (vpn, pte) -> {
            if (mm.findVma(vpn) == null) {
                fail("pte-outside-vma", "process \"" + p.name() + "\" has a PTE at " + Kernel.hex(vpn << Kernel.PAGE_SHIFT) + " outside every VMA");
            }
            if (Pte.isPresent(pte) && k.frame(Pte.pfn(pte)) == null) {
                fail("freed-frame-mapped", "process \"" + p.name() + "\" maps freed pfn " + Pte.pfn(pte) + " at " + Kernel.hex(vpn << Kernel.PAGE_SHIFT));
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

    private void fail(String invariant, String detail) {
        k.log().print(k.trace().step(), io.pinsim.runtime.trace.KernelLog.Level.BUG, "BUG: " + invariant + ": " + detail);
        throw new KernelBugException(invariant, detail, k.trace().render());
    }
}
