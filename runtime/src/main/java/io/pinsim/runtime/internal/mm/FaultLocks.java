package io.pinsim.runtime.internal.mm;

import io.pinsim.runtime.internal.locking.PageLocks;

/**
 * The sleeping locks a page fault at one address would wait for, so that a stepped operation
 * whose next step faults (GUP's slow path) can report itself blocked instead of racing a stepped
 * truncate, writeback or reclaim:
 * <ul>
 * <li>a fault on a file page that is not mapped, or a write fault on a shared one: the mapping's
 *     invalidate lock, while a truncate or hole punch holds it for write (filemap_fault() and
 *     ext4_page_mkwrite() take it shared, since 5.15 / ext4's i_mmap_sem before);</li>
 * <li>the page lock of the page the fault maps: filemap_fault()'s lock_folio_maybe_drop_mmap() for
 *     a file page not mapped yet; do_page_mkwrite() / wp_page_shared() for a write to a
 *     write-protected shared file page; do_swap_page()'s folio_lock_or_retry() for a page found in
 *     the swap cache (reclaim holds it from trylock_page() to after __remove_mapping()).</li>
 * <li>before 09854ba94c6a (5.9, {@link io.pinsim.runtime.model.CowReuse#MAPCOUNT_PLUS_SWAPCOUNT}) a
 *     write fault on a write-protected anonymous page in the swap cache: do_wp_page() takes
 *     lock_page() when trylock_page() fails, before reuse_swap_page() (which may take the page out
 *     of the swap cache under a stepped reclaim; fuzzer seed 5, sequence 19236:
 *     swap-entry-dangling).</li>
 * </ul>
 * From 5.9 a write fault on a present anonymous page only trylocks (do_wp_page()'s
 * trylock_page() or wp_can_reuse_anon_folio()'s folio_trylock(), then it copies) and never waits.
 */
final class FaultLocks {
    private FaultLocks() {
    }

    /**
     * The footprint id of the lock a fault at {@code vpn} in {@code mm} would sleep on, held by
     * someone other than {@code self}, or null. The caller knows that the access faults (the PTE is
     * missing, or not writable for a write).
     */
    static String waitsFor(MmCore k, Mm mm, long vpn, Object self) {
        VmArea v = mm.findVma(vpn);
        if (v == null) {
            return null;
        }
        long pte = mm.pt.get(vpn);
        Page page = null;
        if (Pte.isSwapSlot(pte)) {
            SwapSpace.Slot slot = k.swap.get(Pte.pfn(pte));
            page = slot == null ? null : slot.cache;
        } else if (v.mapping != null && (!Pte.isPresent(pte) || v.isShared())) {
            // filemap_fault() for a missing page; ext4_page_mkwrite() for a write to a shared one: both take
            // the invalidate lock shared, then the page lock. A COW copy of a present private page takes neither.
            if (!v.mapping.invalidateLock.canRead(self)) {
                return v.mapping.invalidateLock.id();
            }
            page = v.mapping.pages.get(v.indexOf(vpn));
        } else if (Pte.isPresent(pte) && !Pte.isWrite(pte) && Pte.pfn(pte) != 0
                && k.model().get(io.pinsim.runtime.model.CowReuse.class) == io.pinsim.runtime.model.CowReuse.MAPCOUNT_PLUS_SWAPCOUNT) {
            Page p = k.frameOfPte(pte);
            if (p.isAnon() && p.swapSlot != null) {
                page = p; // do_wp_page(): lock_page() before reuse_swap_page()
            }
        }
        if (page != null) {
            Object owner = k.pageLocks.owner(page.pfn());
            if (owner != null && owner != self) {
                return PageLocks.id(page.pfn());
            }
        }
        return null;
    }

    /** What a lock id names, for a step's description: mmap_lock, the invalidate lock or the page lock. */
    static String describe(String id) {
        return id.endsWith(":mmap_lock") ? "mmap_lock" : id.endsWith(":invalidate_lock") ? "the invalidate lock" : id.endsWith(":PG_locked") ? "the page lock" : id;
    }
}
