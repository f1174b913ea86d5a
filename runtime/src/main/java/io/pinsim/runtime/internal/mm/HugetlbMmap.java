package io.pinsim.runtime.internal.mm;

import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MapFlags;
import io.pinsim.runtime.OpenFile;
import io.pinsim.runtime.Prot;
import io.pinsim.runtime.trace.TraceKind;

/**
 * mmap() of hugetlb memory (mm/mmap.c's ksys_mmap_pgoff(), fs/hugetlbfs/inode.c's
 * hugetlbfs_file_mmap() and hugetlb_get_unmapped_area(), mm/hugetlb.c's hugetlb_reserve_pages())
 * for both page sizes; the rest of a hugetlb mapping's life is {@link Hugetlb}'s.
 */
final class HugetlbMmap {
    private HugetlbMmap() {
    }

    /**
     * mmap(MAP_HUGETLB) of anonymous memory or mmap() of a hugetlbfs file: ksys_mmap_pgoff() (the
     * page size from the MAP_HUGE_* bits, hstate_sizelog(): 0 or 21 the 2 MiB pool, 30 the 1 GiB
     * one; a file's from its inode; the length rounded up to it), hugetlb_get_unmapped_area() (the
     * page size's alignment; EINVAL for an unaligned MAP_FIXED address, prepare_hugepage_range())
     * and hugetlb_reserve_pages() (the
     * whole range reserved at once, ENOMEM if the pool cannot promise it). The reservation is made
     * before MAP_FIXED removes what the range held, so a failing call changes nothing.
     */
    static long mmap(MmCore k, Mmap m, Mm mm, String actor, long addr, long length, int prot, int flags, OpenFile file, AddressSpace fileMapping, boolean fileWritable, long offset) {
        boolean hugetlbfs = Hugetlb.isHugetlbfs(fileMapping);
        if (file != null && !hugetlbfs) {
            throw new ErrnoException(Errno.EINVAL, "mmap", "MAP_HUGETLB on a file that is not on hugetlbfs (ksys_mmap_pgoff: !is_file_hugepages())");
        }
        int log = (flags & MapFlags.HUGE_SIZE_BITS) >>> MapFlags.HUGE_SHIFT;
        if (!hugetlbfs && log != 0 && log != 21 && log != 30) {
            throw new ErrnoException(Errno.EINVAL, "mmap", "no hugetlb pool of 2^" + log + " byte pages (hstate_sizelog() finds no hstate; x86-64 has 2 MiB and 1 GiB)");
        }
        HugetlbPool pool = HugetlbPool.of(k, hugetlbfs ? fileMapping.hugetlbResv.order : log == 30 ? HugetlbPool.ORDER_1G : HugetlbPool.ORDER_2M);
        final int nr = pool.nr;
        final long hpageSize = pool.size();
        String size = pool.shortSize();
        long len = (length + hpageSize - 1) & -hpageSize;
        if (len <= 0 || len > Kernel.TASK_SIZE) {
            throw new ErrnoException(Errno.ENOMEM, "mmap", "length " + length + " does not fit in the address space");
        }
        long pages = len >>> Kernel.PAGE_SHIFT;
        boolean fixed = (flags & MapFlags.FIXED) != 0;
        if (fixed && (Long.compareUnsigned(addr, Kernel.TASK_SIZE - len) > 0 || addr < Kernel.MMAP_MIN_ADDR)) {
            throw new ErrnoException(Errno.ENOMEM, "mmap", "MAP_FIXED range " + Kernel.hex(addr) + "+" + len + " is outside the user address space");
        }
        if (fixed && (addr & (hpageSize - 1)) != 0) {
            throw new ErrnoException(Errno.EINVAL, "mmap", "MAP_FIXED address " + Kernel.hex(addr) + " is not " + size + " aligned (prepare_hugepage_range)");
        }
        if (hugetlbfs) { // after get_unmapped_area(): mmap_region()'s mapping_map_writable(), then hugetlbfs_file_mmap()'s seal check, before its offset check
            FileSeals.checkMmap(k, fileMapping, true, (flags & (MapFlags.SHARED | MapFlags.PRIVATE)) == MapFlags.SHARED && fileWritable
                    ? VmArea.VM_SHARED | Mmap.vmFlagsFor(prot) : 0);
        }
        if (hugetlbfs && (offset & (hpageSize - 1)) != 0) {
            throw new ErrnoException(Errno.EINVAL, "mmap", "offset " + offset + " into a hugetlbfs file is not " + size + " aligned (hugetlbfs_file_mmap)");
        }
        long startVpn = fixed ? addr >>> Kernel.PAGE_SHIFT : alignedFreeRange(m, addr, pages, nr);
        boolean shared = (flags & (MapFlags.SHARED | MapFlags.PRIVATE)) == MapFlags.SHARED;
        long count = pages / nr;
        if (fixed) {
            Hugetlb.checkSplit(mm, startVpn, startVpn + pages, "mmap");
        }
        long pgoff = offset >>> Kernel.PAGE_SHIFT;
        java.util.List<Long> fileResv = new java.util.ArrayList<>();
        if (hugetlbfs && shared) {
            // region_chg() on the inode's resv_map: only the pages neither reserved nor in the page cache need a new reservation
            for (long i = pgoff; i < pgoff + pages; i += nr) {
                if (!fileMapping.hugetlbResv.reserved.contains(i) && !fileMapping.pages.containsKey(i)) {
                    fileResv.add(i);
                }
            }
            count = fileResv.size();
        }
        if (!pool.reserve(count)) {
            throw new ErrnoException(Errno.ENOMEM, "mmap", "cannot reserve " + count + " " + size + " hugetlb page(s): " + pool
                    + " (hugetlb_reserve_pages -> hugetlb_acct_memory)");
        }
        if (fixed) {
            m.unmapRange(startVpn, startVpn + pages);
        }
        int vmFlags = Mmap.vmFlagsFor(prot & (Prot.READ | Prot.WRITE | Prot.EXEC)) | VmArea.VM_MAYREAD | VmArea.VM_MAYWRITE | VmArea.VM_MAYEXEC
                | VmArea.VM_SOFTDIRTY | VmArea.VM_HUGETLB | (nr == Pte.PUD_NR ? VmArea.VM_HUGETLB_1G : 0);
        AddressSpace mapping = null;
        if (hugetlbfs) {
            if (shared) {
                vmFlags |= fileWritable ? VmArea.VM_SHARED | VmArea.VM_MAYSHARE : VmArea.VM_MAYSHARE;
                vmFlags = FileSeals.checkMmap(k, fileMapping, true, vmFlags);
                fileMapping.hugetlbResv.reserved.addAll(fileResv);
            }
            mapping = fileMapping;
        } else if (shared) {
            vmFlags |= VmArea.VM_SHARED | VmArea.VM_MAYSHARE;
            mapping = new AddressSpace("hugetlbfs \"anon_hugepage\" of " + actor, null);
            mapping.hugetlbResv = new Hugetlb.FileResv(pool.order);
            for (long i = 0; i < pages; i += nr) {
                mapping.hugetlbResv.reserved.add(i);
            }
        }
        VmArea v = new VmArea(mm, startVpn, startVpn + pages, vmFlags, mapping, hugetlbfs ? pgoff : 0, hugetlbfs ? file : null);
        if (!shared) {
            v.hugetlbResv = new Hugetlb.PrivateResv();
        }
        mm.addVma(v);
        if (hugetlbfs && (vmFlags & VmArea.VM_WRITE) != 0 && fileMapping.inode.size() < offset + len) {
            fileMapping.inode.extendSize(offset + len);
        }
        k.trace().record(actor, TraceKind.INFO, v.start(), -1, "mapped " + v + ": " + count + " " + size + " hugetlb page(s) reserved (hugetlb_reserve_pages); " + pool);
        if ((flags & MapFlags.POPULATE) != 0 && (vmFlags & (VmArea.VM_READ | VmArea.VM_WRITE)) != 0) {
            try {
                m.populate(v, startVpn, startVpn + pages, (vmFlags & (VmArea.VM_WRITE | VmArea.VM_SHARED)) == VmArea.VM_WRITE);
            } catch (ErrnoException e) {
                k.trace().record(actor, TraceKind.INFO, v.start(), -1, "MAP_POPULATE stopped early: " + e.reason());
            }
        }
        return v.start();
    }

    /** hugetlb_get_unmapped_area(): a free range of {@code pages} pages starting on a huge page boundary ({@code nr} pages). */
    private static long alignedFreeRange(Mmap m, long hint, long pages, int nr) {
        long hpageSize = (long) nr << Kernel.PAGE_SHIFT;
        long start = m.findFreeRange((((hint + hpageSize - 1) & -hpageSize)) >>> Kernel.PAGE_SHIFT, pages + nr - 1);
        return (start + nr - 1) & -(long) nr;
    }

}
