/**
 * mm/: memory management.
 * <ul>
 * <li>{@link io.pinsim.runtime.internal.mm.MmCore}: what every part shares - the page allocator
 *     (page_alloc.c), the zero page, swap, rmap, the model's switches, the trace, and the step
 *     wrapper that checks the invariants (the model's CONFIG_DEBUG_VM, debug.c) after each
 *     operation;</li>
 * <li>{@link io.pinsim.runtime.internal.mm.Page} (struct page / folio of order 0, with refcount,
 *     mapcount and pincount derived from the references that exist),
 *     {@link io.pinsim.runtime.internal.mm.Pte}, {@link io.pinsim.runtime.internal.mm.PageTable},
 *     {@link io.pinsim.runtime.internal.mm.VmArea} (vm_area_struct),
 *     {@link io.pinsim.runtime.internal.mm.Mm} (mm_struct),
 *     {@link io.pinsim.runtime.internal.mm.AnonVma}, {@link io.pinsim.runtime.internal.mm.AddressSpace};</li>
 * <li>memory.c: {@link io.pinsim.runtime.internal.mm.Faults} (handle_pte_fault, do_wp_page,
 *     do_swap_page, ...), {@link io.pinsim.runtime.internal.mm.CopyPageRange} (copy_page_range,
 *     copy_present_pte), {@link io.pinsim.runtime.internal.mm.Zap} (zap_pte_range),
 *     {@link io.pinsim.runtime.internal.mm.Uaccess} (the MMU walk, copy_from_user/copy_to_user);</li>
 * <li>gup.c: {@link io.pinsim.runtime.internal.mm.Gup} (__get_user_pages, follow_page_pte,
 *     try_grab_page), {@link io.pinsim.runtime.internal.mm.GupFastImpl} (gup_pte_range and the
 *     write_protect_seq check), {@link io.pinsim.runtime.internal.mm.GupPagesImpl} (what the caller
 *     holds, unpin_user_pages_dirty_lock);</li>
 * <li>mmap.c and mprotect.c: {@link io.pinsim.runtime.internal.mm.Mmap}; madvise.c:
 *     {@link io.pinsim.runtime.internal.mm.Madvise}; rmap.c: {@link io.pinsim.runtime.internal.mm.Rmap};
 *     vmscan.c: {@link io.pinsim.runtime.internal.mm.Reclaim}; swapfile.c:
 *     {@link io.pinsim.runtime.internal.mm.SwapSpace}; migrate_device.c:
 *     {@link io.pinsim.runtime.internal.mm.Migration}; mmu_notifier.c:
 *     {@link io.pinsim.runtime.internal.mm.MmuNotifierSubscriptions} and
 *     {@link io.pinsim.runtime.internal.mm.MmuIntervalNotifierImpl}; util.c's memlock accounting:
 *     {@link io.pinsim.runtime.internal.mm.Accounting}.</li>
 * </ul>
 * mm depends on no other implementation package.
 */
package io.pinsim.runtime.internal.mm;
