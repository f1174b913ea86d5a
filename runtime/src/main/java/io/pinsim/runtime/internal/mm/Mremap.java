package io.pinsim.runtime.internal.mm;

import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MmuNotifierEvent;
import io.pinsim.runtime.MremapFlags;
import io.pinsim.runtime.model.HugetlbMremap;
import io.pinsim.runtime.model.MremapDontunmap;
import io.pinsim.runtime.trace.TraceKind;
import java.util.ArrayList;
import java.util.List;

/**
 * mremap(2), mm/mremap.c: shrink a mapping in place, grow it in place when the addresses after it
 * are free, or move it (MREMAP_MAYMOVE, MREMAP_FIXED). A move moves the page-table entries, never
 * the pages (move_page_tables()): the frames keep their references, pins, swap entries and anon
 * rmap, a PMD-mapped THP whose whole 2 MiB moves to a 2 MiB aligned address moves as one PMD
 * (move_huge_pmd()), and one the range cuts or misaligns is split first (split_huge_pmd()). The
 * old range is invalidated with MMU_NOTIFY_UNMAP while its entries move, then unmapped
 * (do_munmap()), so mirrors drop it. Moved entries are marked soft-dirty (move_soft_dirty_pte()).
 *
 * <p>The checks and their order are do_mremap() / mremap_to() / vma_to_resize() of 5.16 - 6.6;
 * the EFAULT for an unmapped old address at entry is 550a7d60bd5e (5.16), before which a shrink of
 * an unmapped range succeeds ({@link HugetlbMremap#REFUSED}). MREMAP_DONTUNMAP follows the
 * model's {@link MremapDontunmap}. Not modelled: VM_DONTEXPAND/VM_PFNMAP mappings, RLIMIT_AS and overcommit accounting (no ENOMEM
 * from may_expand_vm()), vma_merge() of the new VMA with its neighbours (the model never merges
 * VMAs). Hugetlb VMAs follow the model's {@link HugetlbMremap}: refused by vma_to_resize() before
 * 5.16 (after the target and the shrunk tail are unmapped, as the kernel unmaps them), moved whole
 * huge page by huge page from 5.16 (move_hugetlb_page_tables(); PMD sharing is not modelled, so
 * there is nothing for huge_pmd_unshare() to do); a cut inside a huge page is EINVAL before
 * anything changes (hugetlb_vm_op_split()). A departure: clear_vma_resv_huge_pages() drops the
 * reservation map of the whole old VMA, so the parts a partial move leaves behind lose their
 * reservations in the kernel; the model clears it only on the moved part.
 */
public final class Mremap {
    private final MmOwner owner;
    private final MmCore k;
    private final Mm mm;
    private final String name;

    public Mremap(MmOwner owner) {
        this.owner = owner;
        this.mm = owner.mm();
        this.k = mm.kernel;
        this.name = owner.name();
    }

    /**
     * mremap(addr, oldLength, newLength, flags, newAddr); see {@link io.pinsim.runtime.Process#mremap}.
     *
     * @return the address of the mapping afterwards
     */
    public long mremap(long addr, long oldLength, long newLength, int flags, long newAddr) {
        owner.requireAlive();
        String call = "mremap(" + Kernel.hex(addr) + ", " + oldLength + ", " + newLength + ", " + MremapFlags.describe(flags)
                + ((flags & (MremapFlags.FIXED | MremapFlags.DONTUNMAP)) != 0 ? ", " + Kernel.hex(newAddr) : "") + ")";
        // mmap_write_lock_killable(): a stepped operation holding mmap_lock (a GUP slow path, a fork) makes it wait, as mmap() does
        MmapLockWait.forWrite(mm, call);
        return k.op(name, call, addr, () -> doMremap(addr, oldLength, newLength, flags, newAddr));
    }

    private long doMremap(long addr, long oldLength, long newLength, int flags, long newAddr) {
        // do_mremap(), in the kernel's order of checks; lengths and addresses are unsigned there.
        int known = MremapFlags.MAYMOVE | MremapFlags.FIXED | (k.model().get(MremapDontunmap.class) != MremapDontunmap.UNSUPPORTED ? MremapFlags.DONTUNMAP : 0);
        if ((flags & ~known) != 0) {
            throw einval("unknown flags " + MremapFlags.describe(flags & ~known) + ((flags & ~known & MremapFlags.DONTUNMAP) != 0
                    ? " (" + k.model().get(MremapDontunmap.class).source() + ")" : ""));
        }
        if ((flags & MremapFlags.FIXED) != 0 && (flags & MremapFlags.MAYMOVE) == 0) {
            throw einval("MREMAP_FIXED without MREMAP_MAYMOVE");
        }
        if ((flags & MremapFlags.DONTUNMAP) != 0 && ((flags & MremapFlags.MAYMOVE) == 0 || oldLength != newLength)) {
            throw einval("MREMAP_DONTUNMAP is always a move and does not resize: it needs MREMAP_MAYMOVE and equal lengths");
        }
        if ((addr & (Kernel.PAGE_SIZE - 1)) != 0) {
            throw einval("address " + Kernel.hex(addr) + " is not page aligned");
        }
        long oldLen = Mmap.pageAlign(oldLength);
        long newLen = Mmap.pageAlign(newLength);
        if (newLen == 0) {
            throw einval("new length " + newLength + " rounds to 0 (do_mremap: if (!new_len))");
        }
        if (k.model().get(HugetlbMremap.class) == HugetlbMremap.ALIGNED_MOVE) {
            if (addr < 0 || addr >= Kernel.TASK_SIZE || mm.findVma(addr >>> Kernel.PAGE_SHIFT) == null) {
                throw new ErrnoException(Errno.EFAULT, "mremap", "no mapping at " + Kernel.hex(addr) + " (do_mremap: vma_lookup(), 550a7d60bd5e)");
            }
            VmArea vma = mm.findVma(addr >>> Kernel.PAGE_SHIFT);
            if ((vma.flags & VmArea.VM_HUGETLB) != 0) {
                long[] lens = hugetlbLengths(vma, addr, oldLen, newLen, newAddr);
                oldLen = lens[0];
                newLen = lens[1];
            }
        }
        if ((flags & (MremapFlags.FIXED | MremapFlags.DONTUNMAP)) != 0) {
            return mremapTo(addr, oldLen, newLen, newAddr, flags);
        }
        if (Long.compareUnsigned(oldLen, newLen) >= 0) {
            // "Always allow a shrinking remap: that just unmaps the unnecessary pages."
            if (oldLen != newLen) {
                munmap(addr + newLen, oldLen - newLen);
            }
            return addr;
        }
        VmArea vma = vmaToResize(addr, oldLen, newLen, flags);
        long delta = newLen - oldLen;
        if (oldLen == vma.end() - addr && expandable(vma, delta)) {
            long oldEnd = vma.end();
            vma.endVpn += delta >>> Kernel.PAGE_SHIFT;
            k.trace().record(name, TraceKind.INFO, addr, -1, "grew " + vma + " in place by " + delta + " bytes from " + Kernel.hex(oldEnd) + " (vma_expandable, vma_adjust)");
            return addr;
        }
        if ((flags & MremapFlags.MAYMOVE) == 0) {
            throw new ErrnoException(Errno.ENOMEM, "mremap", "cannot grow " + vma + " in place (the addresses after it are taken or it does not end at "
                    + Kernel.hex(addr + oldLen) + ") and MREMAP_MAYMOVE was not given");
        }
        long newVpn = new Mmap(owner).findFreeRange(0, newLen >>> Kernel.PAGE_SHIFT);
        return moveVma(vma, addr >>> Kernel.PAGE_SHIFT, oldLen >>> Kernel.PAGE_SHIFT, newLen >>> Kernel.PAGE_SHIFT, newVpn, false);
    }

    /**
     * mremap_to(): MREMAP_FIXED (the target unmapped first) or MREMAP_DONTUNMAP (the new address a
     * hint without FIXED), a shrink done before the move.
     */
    private long mremapTo(long addr, long oldLen, long newLen, long newAddr, int flags) {
        if ((newAddr & (Kernel.PAGE_SIZE - 1)) != 0) {
            throw einval("new address " + Kernel.hex(newAddr) + " is not page aligned");
        }
        if (Long.compareUnsigned(newLen, Kernel.TASK_SIZE) > 0 || Long.compareUnsigned(newAddr, Kernel.TASK_SIZE - newLen) > 0) {
            throw einval("the new range " + Kernel.hex(newAddr) + "+" + newLen + " is outside the user address space (mremap_to)");
        }
        if (Long.compareUnsigned(addr + oldLen, newAddr) > 0 && Long.compareUnsigned(newAddr + newLen, addr) > 0) {
            throw einval("the old and new ranges overlap (mremap_to)");
        }
        long newVpn = newAddr >>> Kernel.PAGE_SHIFT;
        boolean fixed = (flags & MremapFlags.FIXED) != 0;
        if (fixed) {
            // do_munmap() of the target: __split_vma() -> hugetlb_vm_op_split() refuses a cut inside a huge page
            Hugetlb.checkSplit(mm, newVpn, newVpn + (newLen >>> Kernel.PAGE_SHIFT), "mremap");
            new Mmap(owner).unmapRange(newVpn, newVpn + (newLen >>> Kernel.PAGE_SHIFT));
        }
        if (Long.compareUnsigned(oldLen, newLen) > 0) {
            munmap(addr + newLen, oldLen - newLen);
            oldLen = newLen;
        }
        VmArea vma = vmaToResize(addr, oldLen, newLen, flags);
        if (!fixed) {
            // get_unmapped_area() with the new address as a hint
            newVpn = new Mmap(owner).findFreeRange(newVpn, newLen >>> Kernel.PAGE_SHIFT);
        }
        return moveVma(vma, addr >>> Kernel.PAGE_SHIFT, oldLen >>> Kernel.PAGE_SHIFT, newLen >>> Kernel.PAGE_SHIFT, newVpn, (flags & MremapFlags.DONTUNMAP) != 0);
    }

    /** do_munmap() of the tail a shrink drops, with its range checks (-EINVAL outside the user address space). */
    private void munmap(long start, long len) {
        if (Long.compareUnsigned(start, Kernel.TASK_SIZE) > 0 || Long.compareUnsigned(len, Kernel.TASK_SIZE - start) > 0) {
            throw einval("the range to unmap " + Kernel.hex(start) + "+" + Long.toUnsignedString(len) + " is outside the user address space (do_munmap)");
        }
        long vpn = start >>> Kernel.PAGE_SHIFT;
        // do_munmap(): __split_vma() -> hugetlb_vm_op_split() refuses a cut inside a huge page, before anything changes
        Hugetlb.checkSplit(mm, vpn, vpn + (len >>> Kernel.PAGE_SHIFT), "mremap");
        new Mmap(owner).unmapRange(vpn, vpn + (len >>> Kernel.PAGE_SHIFT));
    }

    /** vma_to_resize(): the VMA at addr, which must hold [addr, addr + oldLen). */
    private VmArea vmaToResize(long addr, long oldLen, long newLen, int flags) {
        VmArea vma = mm.findVma(addr >>> Kernel.PAGE_SHIFT);
        if (vma == null) {
            throw new ErrnoException(Errno.EFAULT, "mremap", "no mapping at " + Kernel.hex(addr) + " any more (vma_to_resize)");
        }
        if ((flags & MremapFlags.DONTUNMAP) != 0 && k.model().get(MremapDontunmap.class) == MremapDontunmap.PRIVATE_ANON
                && (vma.mapping != null || vma.isShared())) {
            throw einval("MREMAP_DONTUNMAP of " + vma + ": only private anonymous mappings (vma_to_resize, e346b3813067; any mapping from a4609387859f, 5.13)");
        }
        if ((vma.flags & VmArea.VM_HUGETLB) != 0 && k.model().get(HugetlbMremap.class) == HugetlbMremap.REFUSED) {
            throw einval("vma_to_resize() refuses to move or grow the hugetlb mapping " + vma + " (is_vm_hugetlb_page(); " + HugetlbMremap.ALIGNED_MOVE.source() + ")");
        }
        if ((vma.flags & VmArea.VM_HUGETLB) != 0 && (flags & MremapFlags.DONTUNMAP) != 0) {
            throw einval("MREMAP_DONTUNMAP of the hugetlb mapping " + vma + ": hugetlbfs_file_mmap() sets VM_DONTEXPAND (vma_to_resize)");
        }
        if (oldLen == 0 && (vma.flags & (VmArea.VM_SHARED | VmArea.VM_MAYSHARE)) == 0) {
            throw einval("old length 0 duplicates a mapping, which only a shared mapping may do (vma_to_resize, dba58d3b8c50)");
        }
        if (Long.compareUnsigned(oldLen, vma.end() - addr) > 0) {
            throw new ErrnoException(Errno.EFAULT, "mremap", "the range " + Kernel.hex(addr) + "+" + Long.toUnsignedString(oldLen) + " runs past the end of "
                    + vma + " (vma_to_resize: old_len > vma->vm_end - addr)");
        }
        return vma;
    }

    /**
     * do_mremap()'s hugetlb checks (550a7d60bd5e, 5.16): both lengths rounded up to the VMA's huge
     * page size; the old and the new address must be huge-page aligned (the new one even when it is
     * not used) and the mapping may not grow ("the underlying hugetlb reservation is not yet capable
     * to handle split reservation"), else EINVAL. Returns {oldLen, newLen}.
     */
    private static long[] hugetlbLengths(VmArea vma, long addr, long oldLen, long newLen, long newAddr) {
        long size = Hugetlb.hugePageSize(vma);
        long o = (oldLen + size - 1) & -size;
        long n = (newLen + size - 1) & -size;
        if ((addr & (size - 1)) != 0 || (newAddr & (size - 1)) != 0) {
            throw einval((addr & (size - 1)) != 0 ? "address " + Kernel.hex(addr) + " is not aligned to the " + (size >> 20) + " MiB pages of " + vma
                    : "new address " + Kernel.hex(newAddr) + " is not aligned to the " + (size >> 20) + " MiB pages of " + vma + " (do_mremap checks it even unused)");
        }
        if (Long.compareUnsigned(n, o) > 0) {
            throw einval("a hugetlb mapping may not grow (do_mremap: \"the underlying hugetlb reservation is not yet capable to handle split reservation\")");
        }
        return new long[] {o, n};
    }

    /** vma_expandable(): nothing mapped in the delta after the VMA, and still below TASK_SIZE. */
    private boolean expandable(VmArea vma, long delta) {
        long end = vma.end() + delta;
        return Long.compareUnsigned(end, vma.end()) > 0 && Long.compareUnsigned(end, Kernel.TASK_SIZE) <= 0
                && mm.vmasIn(vma.endVpn, end >>> Kernel.PAGE_SHIFT).isEmpty();
    }

    /**
     * move_vma(): copy_vma() makes the new VMA (same flags, file, file offset and anon_vma; its
     * anonymous linear index kept, see {@link VmArea#anonShift}), move_page_tables() moves the
     * entries, do_munmap() removes the old range.
     */
    private long moveVma(VmArea vma, long oldVpn, long oldPages, long newPages, long newVpn, boolean dontunmap) {
        VmArea nv = new VmArea(mm, newVpn, newVpn + newPages, vma.flags, vma.mapping, vma.indexOf(oldVpn), vma.file);
        nv.hasAnonVma = vma.hasAnonVma;
        nv.hugetlbResv = vma.hugetlbResv;
        nv.anonShift = vma.anonShift + (oldVpn - newVpn);
        mm.anonMoved |= nv.anonShift != 0;
        mm.addVma(nv);
        int[] moved = oldPages > 0 ? movePageTables(oldVpn, oldVpn + oldPages, newVpn) : new int[2];
        if (dontunmap) {
            // MREMAP_DONTUNMAP: the old VMA stays, empty; a whole one drops its anon_vma links (unlink_anon_vmas())
            if (vma.startVpn == oldVpn && vma.endVpn == oldVpn + oldPages) {
                vma.hasAnonVma = false;
            }
        } else if (oldPages > 0) {
            if (vma.hugetlbResv != null) {
                // clear_vma_resv_huge_pages(): the reservation map went with the new VMA; unmapping the old range releases nothing
                mm.splitAt(oldVpn);
                mm.splitAt(oldVpn + oldPages);
                mm.findVma(oldVpn).hugetlbResv = null;
            }
            new Mmap(owner).unmapRange(oldVpn, oldVpn + oldPages);
        }
        k.trace().record(name, TraceKind.INFO, newVpn << Kernel.PAGE_SHIFT, -1, "moved " + Kernel.hex(oldVpn << Kernel.PAGE_SHIFT) + "-"
                + Kernel.hex((oldVpn + oldPages) << Kernel.PAGE_SHIFT) + " to " + nv + ": " + moved[0] + " PTE(s) and " + moved[1]
                + " huge PMD(s) moved, the pages stay (move_vma, move_page_tables)");
        return newVpn << Kernel.PAGE_SHIFT;
    }

    /**
     * move_page_tables() of [oldVpn, oldEnd) to newVpn, inside one MMU_NOTIFY_UNMAP invalidation of
     * the old range: a huge PMD goes whole (move_huge_pmd()) when the range holds all of it and its
     * new place is 2 MiB aligned (get_extent() == HPAGE_PMD_SIZE), else it is split and its PTEs
     * move (split_huge_pmd(), move_ptes()); a hugetlb entry, 2 MiB or 1 GiB, always moves whole, as
     * do_mremap() made both ranges huge-page aligned. Returns {PTEs moved, PMDs moved}.
     */
    private int[] movePageTables(long oldVpn, long oldEnd, long newVpn) {
        long delta = newVpn - oldVpn;
        int[] moved = new int[2];
        mm.notifyStart(MmuNotifierEvent.UNMAP, oldVpn, oldEnd, true);
        HugeMemory huge = new HugeMemory(k);
        for (long h = mm.pt.nextPmd(oldVpn, oldEnd); h >= 0; h = mm.pt.nextPmd(h + Pte.leafPages(mm.pt.getPmd(h)), oldEnd)) {
            long to = h + delta;
            long pmd = mm.pt.getPmd(h);
            long nr = Pte.leafPages(pmd); // 512, or 262,144 for a 1 GiB hugetlb PUD entry
            if (h >= oldVpn && h + nr <= oldEnd && (to & (nr - 1)) == 0) {
                mm.pt.setPmd(h, Pte.NONE);
                // the destination's empty page table was released by free_pgtables(): pmd_none()
                mm.pt.clearEmptyLeaves(to, to + nr);
                mm.pt.setPmd(to, pmd | Pte.SOFT_DIRTY);
                k.touch(k.frameOfPte(pmd));
                moved[1]++;
            } else {
                huge.splitHugePmd(mm, h, name, "mremap() moves " + (h >= oldVpn && h + nr <= oldEnd ? "it to an address that is not 2 MiB aligned"
                        : "only part of it") + " (move_page_tables)");
            }
        }
        List<long[]> entries = new ArrayList<>();
        mm.pt.forEach(oldVpn, oldEnd, (vpn, pte) -> entries.add(new long[] {vpn, pte}));
        for (long[] e : entries) {
            mm.pt.set(e[0], Pte.NONE);
        }
        mm.pt.clearEmptyLeaves(oldVpn, oldEnd);
        for (long[] e : entries) {
            // move_ptes(): every kind of entry moves (present, swap, device-private/-exclusive), marked soft-dirty
            mm.pt.set(e[0] + delta, e[1] | Pte.SOFT_DIRTY);
            if (Pte.isPresent(e[1]) && Pte.pfn(e[1]) != 0) {
                k.touch(k.frameOfPte(e[1]));
            }
        }
        moved[0] = entries.size();
        mm.notifyEnd(MmuNotifierEvent.UNMAP, oldVpn, oldEnd);
        return moved;
    }

    private static ErrnoException einval(String why) {
        return new ErrnoException(Errno.EINVAL, "mremap", why);
    }
}
