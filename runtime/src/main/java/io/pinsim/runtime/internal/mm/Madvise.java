package io.pinsim.runtime.internal.mm;

import io.pinsim.runtime.Advice;
import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MmuNotifierEvent;
import io.pinsim.runtime.model.MadvCollapse;
import io.pinsim.runtime.model.MadvPageout;
import io.pinsim.runtime.model.MadvPopulate;

/**
 * madvise() as mm/madvise.c does it (read in 4.19 and 5.10): validate the advice, then the start
 * address; a zero length succeeds; walk the VMAs of the range, apply the advice to each mapped
 * part, and return ENOMEM at the end if the range had holes ("just ignore them, but return -ENOMEM
 * at the end").
 */
public final class Madvise {
    private final MmOwner p;
    private final MmCore k;
    private final Mm mm;

    public Madvise(MmOwner p) {
        this.p = p;
        this.k = p.mm().kernel;
        this.mm = p.mm();
    }

    public void madvise(long addr, long length, Advice advice) {
        if (!supported(advice)) {
            throw new ErrnoException(Errno.EINVAL, "madvise", advice.kernelName() + " is unknown to this kernel ("
                    + (advice == Advice.PAGEOUT ? k.model().get(MadvPageout.class).source() : advice == Advice.COLLAPSE
                    ? k.model().get(MadvCollapse.class).source() : k.model().get(MadvPopulate.class).source()) + ")");
        }
        if ((addr & (Kernel.PAGE_SIZE - 1)) != 0) {
            throw new ErrnoException(Errno.EINVAL, "madvise", "address " + Kernel.hex(addr) + " is not page aligned");
        }
        // madvise(): len = PAGE_ALIGN(len_in); if (len_in && !len) return -EINVAL; end = start + len; if (end < start)
        // return -EINVAL; if (end == start) return 0. start and len are unsigned: a negative long is a huge value.
        long len = Mmap.pageAlign(length);
        if (length != 0 && len == 0) {
            throw new ErrnoException(Errno.EINVAL, "madvise", "length " + length + " wraps to 0 when rounded up to a page (madvise: len_in && !len)");
        }
        long endAddr = addr + len;
        if (Long.compareUnsigned(endAddr, addr) < 0) {
            throw new ErrnoException(Errno.EINVAL, "madvise", "the range " + Kernel.hex(addr) + "+" + length + " wraps: its end lies below its start (madvise: end < start)");
        }
        if (endAddr == addr) {
            return;
        }
        long start = addr >>> Kernel.PAGE_SHIFT;
        long end = endAddr >>> Kernel.PAGE_SHIFT;
        if (mm.vmasIn(start, end).isEmpty()) {
            throw new ErrnoException(Errno.ENOMEM, "madvise", "no mapping in " + Kernel.hex(addr) + "+" + length);
        }
        if (advice != Advice.DONTNEED && advice != Advice.PAGEOUT && advice != Advice.POPULATE_READ && advice != Advice.POPULATE_WRITE) {
            // madvise_update_vma() splits the VMAs at the range's ends; a hugetlb VMA refuses inside a huge page
            Hugetlb.checkSplit(mm, start, end, "madvise");
        }
        if (advice == Advice.COLLAPSE) {
            new Collapse(k).mergeRange(mm, start, end);
        }
        boolean hole = false;
        long cursor = start;
        for (VmArea v : mm.vmasIn(start, end)) {
            if (v.startVpn > cursor) {
                hole = true;
            }
            long from = Math.max(v.startVpn, start);
            long to = Math.min(v.endVpn, end);
            // As in madvise_walk_vmas(): a VMA that refuses stops the walk; earlier VMAs keep the advice.
            validate(v, advice);
            apply(v, from, (v.flags & VmArea.VM_HUGETLB) != 0 ? Hugetlb.madviseEnd(k, v, from, to, advice) : to, advice);
            cursor = to;
        }
        if (cursor < end || hole) {
            throw new ErrnoException(Errno.ENOMEM, "madvise", "the range has unmapped parts; the advice was applied to the mapped parts (madvise: \"return -ENOMEM at the end\")");
        }
    }

    private boolean supported(Advice a) {
        return switch (a) {
            case PAGEOUT -> k.model().get(MadvPageout.class) == MadvPageout.SUPPORTED;
            case POPULATE_READ, POPULATE_WRITE -> k.model().get(MadvPopulate.class) == MadvPopulate.SUPPORTED;
            case COLLAPSE -> k.model().get(MadvCollapse.class) == MadvCollapse.SUPPORTED;
            default -> true;
        };
    }

    private void validate(VmArea v, Advice a) {
        switch (a) {
            case WIPEONFORK -> {
                if (v.mapping != null || v.isShared()) {
                    throw new ErrnoException(Errno.EINVAL, "madvise", "MADV_WIPEONFORK needs private anonymous memory; " + v + " is not (madvise_behavior: vm_file || VM_SHARED)");
                }
            }
            case POPULATE_READ -> {
                if ((v.flags & VmArea.VM_READ) == 0) {
                    throw new ErrnoException(Errno.EINVAL, "madvise", "MADV_POPULATE_READ of " + v + ": check_vma_flags() refuses reading without VM_READ (no FOLL_FORCE)");
                }
            }
            case POPULATE_WRITE -> {
                if ((v.flags & VmArea.VM_WRITE) == 0) {
                    throw new ErrnoException(Errno.EINVAL, "madvise", "MADV_POPULATE_WRITE of " + v + ": check_vma_flags() refuses writing without VM_WRITE");
                }
            }
            default -> {
            }
        }
    }

    private void apply(VmArea whole, long from, long to, Advice a) {
        switch (a) {
            case DONTNEED -> new Zap(k).zapRange(mm, from, to, MmuNotifierEvent.CLEAR);
            case DONTFORK -> setFlag(from, to, VmArea.VM_DONTCOPY, true);
            case DOFORK -> setFlag(from, to, VmArea.VM_DONTCOPY, false);
            case WIPEONFORK -> setFlag(from, to, VmArea.VM_WIPEONFORK, true);
            case KEEPONFORK -> setFlag(from, to, VmArea.VM_WIPEONFORK, false);
            case HUGEPAGE -> {
                setFlag(from, to, VmArea.VM_NOHUGEPAGE, false);
                setFlag(from, to, VmArea.VM_HUGEPAGE, true);
            }
            case NOHUGEPAGE -> {
                setFlag(from, to, VmArea.VM_HUGEPAGE, false);
                setFlag(from, to, VmArea.VM_NOHUGEPAGE, true);
            }
            case PAGEOUT -> new ThpReclaim(k).pageout(mm, from, to);
            case POPULATE_READ -> new Mmap(p).populate(whole, from, to, false);
            case POPULATE_WRITE -> new Mmap(p).populate(whole, from, to, true);
            case COLLAPSE -> new Collapse(k).madviseCollapse(mm, whole, from, to);
            default -> throw new IllegalStateException("unhandled advice " + a);
        }
    }

    private void setFlag(long from, long to, int flag, boolean set) {
        mm.splitAt(from);
        mm.splitAt(to);
        for (VmArea v : mm.vmasIn(from, to)) {
            v.flags = set ? v.flags | flag : v.flags & ~flag;
        }
    }
}
