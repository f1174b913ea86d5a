package io.pinsim.runtime.internal.mm;

import io.pinsim.runtime.FsKind;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MmuNotifierEvent;
import io.pinsim.runtime.ReclaimSteps;
import io.pinsim.runtime.internal.locking.PageLocks;
import io.pinsim.runtime.model.PinnedAnonReclaim;
import io.pinsim.runtime.trace.TraceKind;
import java.util.List;

/**
 * Reclaim of one page as steps (see {@link ReclaimSteps}), in the order of shrink_folio_list():
 * the checks and add_to_swap() under the page lock, try_to_unmap_one() per PTE (each under its
 * PTL), then pageout() and __remove_mapping(). try_to_unmap() walks the rmap when it runs, under the
 * page lock, not at the check: each unmap step looks the page's mappings up again (a fork between the
 * steps copies a PTE of the locked page, copy_present_pte() does not take the page lock), and once none
 * is left the page goes on; a page mapped again before pageout stays (shrink_folio_list(): "if
 * (folio_mapped(folio)) ... goto activate_locked" after try_to_unmap()). The locks behind the boundaries: the page lock
 * ({@link PageLocks}, trylock_page() to unlock_page()), held across every step; each PTE's PTL
 * inside its step. Footprints: exact for try_to_unmap_one() of an anonymous page's PTE, everything otherwise.
 * The same decisions as the plain {@link Reclaim#shrinkPageAt} (MADV_PAGEOUT's variant excepted).
 */
public final class ReclaimStepsImpl implements ReclaimSteps {
    private enum Phase { CHECK, UNMAP, PAGEOUT, DONE }

    private static final String ACTOR = "kernel";

    private final MmCore k;
    private final Mm mm;
    private final long vpn;
    private final long addr;
    private Phase phase = Phase.CHECK;
    private Page f;
    private SwapSpace.Slot slot;
    /** The next PTE try_to_unmap_one() unmaps, looked up when needed ({@link #nextMapping()}). */
    private Mm nextMm;
    private long nextVpn;
    /** The PTEs unmapped so far (for the trace). */
    private int unmappedPtes;
    private boolean unmapped;
    /**
     * The isolation reference (folio_isolate_lru() in shrink_inactive_list(), put back by
     * folio_putback_lru() or dropped after __remove_mapping()): held from the check to the last
     * step, so that a munmap, MAP_FIXED, exit or OOM kill between the steps cannot free the page
     * under the reclaim (fuzzer seeds 3, 4, 5: freed-frame-referenced).
     */
    private GupRef isolation;

    /** Reclaim of the page mapped at {@code address} in {@code mm}. */
    public ReclaimStepsImpl(MmCore k, Mm mm, long address) {
        this.k = k;
        this.mm = mm;
        this.vpn = address >>> Kernel.PAGE_SHIFT;
        this.addr = vpn << Kernel.PAGE_SHIFT;
    }

    @Override
    public String actor() {
        return ACTOR;
    }

    @Override
    public boolean isDone() {
        return phase == Phase.DONE;
    }

    /**
     * Reclaim never sleeps on the page lock (trylock_page() fails and the page is kept), but
     * try_to_unmap_one() spins on a PTE table lock (page_vma_mapped_walk()): an unmap step waits while
     * a stepped fork holds the table's lock between deciding and applying a PTE (copy_pte_range()
     * holds it across its batch, so the kernel never unmaps a PTE fork has read and not yet copied).
     */
    @Override
    public boolean isBlocked() {
        return waitsFor() != null;
    }

    /** While blocked: the PTE table lock a stepped fork holds. */
    @Override
    public String waitsFor() {
        return phase == Phase.UNMAP && nextMapping() && nextMm.ptlHeldByFork(nextVpn) ? nextMm.ptlId(nextVpn) : null;
    }

    /**
     * What the next step touches (see {@link io.pinsim.runtime.Footprint}): try_to_unmap_one() of an
     * anonymous page's PTE writes that PTE, the frame (its mapping, AnonExclusive, the pin it
     * checks) and the page lock it may drop; anything else - the checks and add_to_swap(), a file
     * page's zap, pageout() and the free - touches everything, and so does any step while the
     * kernel has pending operations or the mm has mmu notifier subscribers (their callbacks may do
     * anything).
     */
    @Override
    public io.pinsim.runtime.Footprint nextFootprint() {
        if (phase == Phase.DONE) {
            return io.pinsim.runtime.Footprint.NONE;
        }
        if (phase != Phase.UNMAP || !f.isAnon() || k.hasPendingOps() || !nextMapping() || nextMm.hasNotifierSubscribers()) {
            return io.pinsim.runtime.Footprint.ALL;
        }
        return io.pinsim.runtime.Footprint.builder().write(nextMm.pteId(nextVpn)).read(nextMm.ptlId(nextVpn)).write(Page.objectId(f.pfn()))
                .write(PageLocks.id(f.pfn())).build();
    }

    @Override
    public List<String> holds() {
        return f != null && k.pageLocks.owner(f.pfn()) == this ? List.of(PageLocks.id(f.pfn())) : List.of();
    }

    @Override
    public String nextStep() {
        return switch (phase) {
            case CHECK -> "reclaim " + Kernel.hex(addr) + " in " + mm.objectId() + ": trylock_page(), the checks, add_to_swap()";
            case UNMAP -> nextMapping() ? "try_to_unmap_one() of the PTE at " + Kernel.hex(nextVpn << Kernel.PAGE_SHIFT) + " in " + nextMm.objectId() + " (under its PTL)"
                    : "try_to_unmap() of frame #" + f.pfn() + ": no PTE maps it any more";
            case PAGEOUT -> "pageout() and __remove_mapping() of frame #" + f.pfn() + ", unlock_page()";
            case DONE -> "done";
        };
    }

    @Override
    public void step() {
        if (isDone()) {
            throw new IllegalStateException("reclaim of " + Kernel.hex(addr) + " is already done");
        }
        if (isBlocked()) {
            return; // spins on the PTL: no progress (see isBlocked())
        }
        k.run(ACTOR, nextStep(), addr, () -> {
            switch (phase) {
                case CHECK -> check();
                case UNMAP -> unmapOne();
                case PAGEOUT -> pageout();
                default -> throw new IllegalStateException(phase.name());
            }
        });
    }

    private void keep(String why) {
        k.trace().record(ACTOR, TraceKind.RECLAIM, addr, f == null ? -1 : f.pfn(), why);
        if (f != null && k.pageLocks.owner(f.pfn()) == this) {
            k.pageLocks.unlock(f.pfn(), this);
        }
        phase = Phase.DONE;
        if (isolation != null) {
            KernelRefs.put(k, f, isolation); // folio_putback_lru()
            isolation = null;
        }
    }

    private void check() {
        long pte = mm.pt.get(vpn);
        if (!Pte.isPresent(pte) || Pte.pfn(pte) == 0) {
            keep("nothing to reclaim at " + Kernel.hex(addr) + ": " + Pte.describe(pte));
            return;
        }
        Page page = k.frameOfPte(pte);
        if (page.isCompound()) {
            keep("frame #" + page.pfn() + " is part of THP #" + page.compoundHead().pfn() + ": THP swap-out is not modelled, the page stays mapped");
            return;
        }
        if (!page.isAnon()) {
            AddressSpace.Host inode = page.mapping != null ? page.mapping.inode : null;
            if (inode == null || inode.kind() != FsKind.EXT4) {
                keep("frame #" + page.pfn() + " is " + (page.isDax() ? "an fs-DAX block" : "shmem or orphaned") + "; the model does not reclaim it");
                return;
            }
            if (page.isDirty()) {
                keep("frame #" + page.pfn() + " is dirty: left to writeback (shrink_page_list: activate)");
                return;
            }
        }
        if (k.pageLocks.owner(page.pfn()) != null || k.pageLocks.writeback(page.pfn()) != null) {
            keep("frame #" + page.pfn() + (k.pageLocks.owner(page.pfn()) != null ? " is locked (trylock_page fails)" : " is under writeback (PageWriteback)")
                    + ": kept (shrink_page_list)");
            return;
        }
        f = page;
        k.pageLocks.lock(f.pfn(), this);
        isolation = KernelRefs.get(k, f, "shrink_folio_list() of kernel");
        if (f.isAnon()) {
            if (f.swapSlot == null && k.model().get(PinnedAnonReclaim.class) == PinnedAnonReclaim.SKIP_PINNED && f.pageMaybeDmaPinned()) {
                keep("frame #" + f.pfn() + " may be pinned: kept mapped, not added to the swap cache (shrink_page_list, feb889fb40fa)");
                return;
            }
            if (f.isAnonExclusive() && f.pageMaybeDmaPinned()) {
                keep("frame #" + f.pfn() + " is exclusive and may be pinned: try_to_unmap_one() keeps it mapped (page_try_share_anon_rmap: -EBUSY)");
                return;
            }
            slot = f.swapSlot;
            if (slot == null) {
                slot = k.swap.allocate();
                slot.cache = f;
                f.swapSlot = slot;
            }
        }
        phase = nextMapping() ? Phase.UNMAP : Phase.PAGEOUT;
    }

    /**
     * rmap_walk() as try_to_unmap() runs it, now: the first present PTE that maps the page, in
     * {@link #nextMm}/{@link #nextVpn}; false if none is left. A device-exclusive entry is not
     * unmapped here (the page then stays mapped, and pageout keeps it).
     */
    private boolean nextMapping() {
        nextMm = null;
        k.rmap().walkWhile(f, (m, vma, v) -> {
            long pte = m.pt.get(v);
            if (Pte.isPresent(pte) && Pte.pfn(pte) == f.pfn()) {
                nextMm = m;
                nextVpn = v;
                return false;
            }
            return true;
        });
        return nextMm != null;
    }

    /** try_to_unmap_one() of the next PTE that maps the page, found by walking the rmap again. */
    private void unmapOne() {
        if (nextMapping()) {
            Mm m = nextMm;
            long v = nextVpn;
            long old = m.pt.get(v);
            unmappedPtes++;
            if (!f.isAnon()) {
                new Zap(k).zapRange(m, v, v + 1, MmuNotifierEvent.CLEAR);
            } else if (f.isAnonExclusive() && f.pageMaybeDmaPinned()) {
                // ptep_clear_flush(), then page_try_share_anon_rmap() sees the pin taken since the first step: the PTE is restored.
                keep("frame #" + f.pfn() + " is exclusive and was pinned after the check: try_to_unmap_one() restores the PTE and keeps it mapped"
                        + " (page_try_share_anon_rmap: -EBUSY, 6c287605fd56); it stays in swap slot " + slot.id + "'s cache");
                return;
            } else {
                // try_to_unmap_one() reads PageAnonExclusive per PTE, when it runs: a fork since the check
                // (page_try_dup_anon_rmap()) may have made the page shared; page_try_share_anon_rmap() clears it
                boolean exclusive = f.isAnonExclusive();
                m.notifyStart(MmuNotifierEvent.CLEAR, v, v + 1, true);
                long swp = Pte.swap(slot.id) | (old & Pte.SOFT_DIRTY) | (exclusive ? Pte.SWP_EXCLUSIVE : 0);
                m.pt.set(v, swp);
                slot.count++;
                if (exclusive) {
                    f.clearAnonExclusive();
                }
                m.notifyEnd(MmuNotifierEvent.CLEAR, v, v + 1);
            }
        }
        if (!nextMapping()) {
            phase = Phase.PAGEOUT;
        }
    }

    private void pageout() {
        if (f.mapcount() > 0) {
            // shrink_folio_list(): try_to_unmap(); if (folio_mapped(folio)) goto activate_locked - the page stays (and stays in the swap cache)
            keep("frame #" + f.pfn() + " is mapped again (" + f.mapcount() + " mapping(s)) after try_to_unmap(): kept"
                    + (slot != null ? " in swap slot " + slot.id + "'s cache" : "") + " (shrink_folio_list: activate_locked)");
            return;
        }
        unmapped = true;
        phase = Phase.DONE;
        k.pageLocks.unlock(f.pfn(), this);
        // __remove_mapping()'s refcount freeze counts the isolation reference among its expected ones: drop it first
        f.removeRef(isolation);
        isolation = null;
        if (!f.isAnon()) {
            AddressSpace.Host inode = f.mapping.inode;
            f.flags &= ~Page.BUFFERS;
            k.touch(f);
            int rc = f.refcount();
            if (rc == 1) {
                inode.removePages(f.index, f.index + 1, ACTOR, false);
                k.trace().record(ACTOR, TraceKind.RECLAIM, addr, f.pfn(), "page " + f.index + " of " + inode.name() + " (frame #" + f.pfn() + ") reclaimed");
            } else {
                k.trace().record(ACTOR, TraceKind.RECLAIM, addr, f.pfn(), "page " + f.index + " of " + inode.name() + " (frame #" + f.pfn() + ") unmapped from "
                        + unmappedPtes + " process(es) and its buffers released (try_to_release_page), but not freed: refcount " + rc + Faults.extraRefs(f));
                k.maybeFree(f);
            }
            return;
        }
        // no clearAnonExclusive() here: try_to_unmap_one() cleared it for each PTE it unmapped (page_try_share_anon_rmap());
        // a page a zap unmapped meanwhile (munmap, exit) keeps it, as in the kernel, and a pin on it stays legitimate
        slot.content = Content.copyOf(f.content());
        f.flags &= ~Page.DIRTY;
        k.touch(f);
        int rc = f.refcount();
        // freed only if the swap cache alone holds it (the refcount freeze); the page lock keeps a zap from taking it out
        // of the swap cache between the steps (folio_trylock() in free_swap_cache()/free_swap_and_cache(), see Zap)
        if (rc == 1 && f.swapSlot == slot) {
            // __remove_mapping(): __delete_from_swap_cache(), then put_swap_folio() drops SWAP_HAS_CACHE: the slot
            // goes too if no swap PTE refers to it any more (a zap dropped them while the page was locked, see Zap)
            f.swapSlot = null;
            slot.cache = null;
            k.swap.freeIfUnused(slot);
            k.freeFrame(f);
            k.trace().record(ACTOR, TraceKind.RECLAIM, addr, f.pfn(), "frame #" + f.pfn() + " swapped out to slot " + slot.id
                    + ", " + unmappedPtes + " PTE(s) now swap entries, frame freed (shrink_page_list)");
        } else {
            k.trace().record(ACTOR, TraceKind.RECLAIM, addr, f.pfn(), "frame #" + f.pfn() + " unmapped into swap slot " + slot.id + " (" + unmappedPtes
                    + " PTE(s) now swap entries) but not freed: refcount " + rc + Faults.extraRefs(f) + "; it stays in the swap cache (shrink_page_list)");
            k.maybeFree(f);
        }
    }

    @Override
    public boolean run() {
        while (!isDone()) {
            step();
        }
        return unmapped;
    }

    @Override
    public String toString() {
        return "reclaim of " + Kernel.hex(addr) + ", next: " + nextStep();
    }
}
