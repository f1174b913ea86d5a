package io.pinsim.runtime.internal.mm;

import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MapFlags;
import io.pinsim.runtime.MmuNotifierEvent;
import io.pinsim.runtime.OpenFile;
import io.pinsim.runtime.Prot;
import io.pinsim.runtime.internal.fs.OpenFileImpl;
import io.pinsim.runtime.internal.kernel.KernelImpl;
import io.pinsim.runtime.model.MprotectWrite;
import io.pinsim.runtime.model.SoftDirtyPinned;
import io.pinsim.runtime.trace.TraceKind;

/**
 * The mapping syscalls on one address space (mm/mmap.c, mm/mprotect.c, fs/proc/task_mmu.c's
 * clear_refs): placing, replacing, splitting and removing VMAs, changing their protection, and
 * populating them.
 */
public final class Mmap {
    private final MmOwner owner;
    private final MmCore kernel;
    private final Mm mm;
    private final String name;

    public Mmap(MmOwner owner) {
        this.owner = owner;
        this.mm = owner.mm();
        this.kernel = mm.kernel;
        this.name = owner.name();
    }

    private void requireAlive() {
        owner.requireAlive();
    }

    /**
     * mmap(addr, length, prot, flags, -1, 0) of anonymous memory, private or shared (shmem-backed).
     * {@code addr} is a hint unless MAP_FIXED, which replaces whatever was mapped there.
     * MAP_POPULATE faults the range in (write faults for a private writable mapping, as
     * populate_vma_page_range() does).
     *
     * @return the address of the mapping
     * @throws ErrnoException EINVAL for a zero length, bad flags or an unaligned MAP_FIXED address;
     *                        ENOMEM when the address space is full; EBADF without MAP_ANONYMOUS (a
     *                        file mapping takes an {@link OpenFileImpl})
     */
    public long mmap(long addr, long length, int prot, int flags) {
        requireAlive();
        String call = "mmap(" + (addr == 0 ? "NULL" : Kernel.hex(addr)) + ", " + length + ", " + Prot.describe(prot) + ", " + MapFlags.describe(flags) + ")";
        MmapLockWait.forWrite(mm, call);
        return kernel.op(name, call, addr, () -> {
            return mmapRegion(addr, length, prot, flags, null, null, false, 0);
        });
    }

    /** mmap_region(): place the VMA, replace what MAP_FIXED covers, populate if asked. */
    public long mmapRegion(long addr, long length, int prot, int flags, OpenFile file, AddressSpace fileMapping, boolean fileWritable, long offset) {
        if (file == null && (flags & MapFlags.ANONYMOUS) == 0) {
            throw new ErrnoException(Errno.EBADF, "mmap", "no MAP_ANONYMOUS and no file: use mmap(addr, length, prot, flags, file, offset) for a file");
        }
        if (length == 0) {
            throw new ErrnoException(Errno.EINVAL, "mmap", "length is 0 (do_mmap: if (!len) return -EINVAL)");
        }
        if (length < 0 || length > Kernel.TASK_SIZE) {
            throw new ErrnoException(Errno.ENOMEM, "mmap", "length " + length + " does not fit in the address space");
        }
        int type = flags & (MapFlags.SHARED | MapFlags.PRIVATE);
        if (type != MapFlags.SHARED && type != MapFlags.PRIVATE) {
            throw new ErrnoException(Errno.EINVAL, "mmap", "exactly one of MAP_SHARED and MAP_PRIVATE is required");
        }
        if ((flags & ~MapFlags.KNOWN) != 0 || (prot & ~(Prot.READ | Prot.WRITE | Prot.EXEC)) != 0) {
            // Legacy mmap() ignores flags and prot bits it does not know (hence MAP_SHARED_VALIDATE); so does the model, visibly.
            kernel.trace().record(name, TraceKind.INFO, addr, -1, "mmap ignores unknown " + ((flags & ~MapFlags.KNOWN) != 0
                    ? "flags " + MapFlags.describe(flags & ~MapFlags.KNOWN) : "prot bits 0x" + Integer.toHexString(prot & ~(Prot.READ | Prot.WRITE | Prot.EXEC)))
                    + ", as the kernel does");
        }
        if ((flags & MapFlags.HUGETLB) != 0 || Hugetlb.isHugetlbfs(fileMapping)) {
            return HugetlbMmap.mmap(kernel, this, mm, name, addr, length, prot, flags, file, fileMapping, fileWritable, offset);
        }
        long pages = MmCore.pages(length);
        long startVpn;
        if ((flags & MapFlags.FIXED) != 0) {
            // __get_unmapped_area(), in its order: addr > TASK_SIZE - len (unsigned: a negative address lies above
            // TASK_SIZE) is -ENOMEM, then offset_in_page(addr) -EINVAL, then security_mmap_addr() -EPERM.
            if (Long.compareUnsigned(addr, Kernel.TASK_SIZE - (pages << Kernel.PAGE_SHIFT)) > 0) {
                throw new ErrnoException(Errno.ENOMEM, "mmap", "MAP_FIXED range " + Kernel.hex(addr) + "+" + length
                        + " is outside the user address space (__get_unmapped_area: addr > TASK_SIZE - len)");
            }
            if ((addr & (Kernel.PAGE_SIZE - 1)) != 0) {
                throw new ErrnoException(Errno.EINVAL, "mmap", "MAP_FIXED address " + Kernel.hex(addr) + " is not page aligned");
            }
            if (addr < Kernel.MMAP_MIN_ADDR) {
                throw new ErrnoException(Errno.EPERM, "mmap", "MAP_FIXED address " + Kernel.hex(addr) + " is below vm.mmap_min_addr ("
                        + Kernel.MMAP_MIN_ADDR + ", security_mmap_addr)");
            }
        }
        int vmFlags = vmFlagsFor(prot & (Prot.READ | Prot.WRITE | Prot.EXEC)) | VmArea.VM_MAYREAD | VmArea.VM_MAYWRITE | VmArea.VM_MAYEXEC | VmArea.VM_SOFTDIRTY;
        if (type == MapFlags.SHARED) {
            vmFlags |= VmArea.VM_SHARED | VmArea.VM_MAYSHARE;
            if (file != null && !fileWritable) {
                // do_mmap(): a shared mapping of a file not open for writing can never be written.
                vmFlags &= ~(VmArea.VM_MAYWRITE | VmArea.VM_SHARED);
            }
        }
        if ((flags & MapFlags.FIXED) != 0) {
            startVpn = addr >>> Kernel.PAGE_SHIFT;
            Hugetlb.checkSplit(mm, startVpn, startVpn + pages, "mmap");
            vmFlags = FileSeals.checkMmap(kernel, fileMapping, false, vmFlags);
            unmapRange(startVpn, startVpn + pages);
        } else {
            startVpn = findFreeRange(addr >>> Kernel.PAGE_SHIFT, pages);
            vmFlags = FileSeals.checkMmap(kernel, fileMapping, false, vmFlags);
        }
        AddressSpace mapping = null;
        if (type == MapFlags.SHARED) {
            mapping = file != null ? fileMapping : new AddressSpace("shmem \"dev/zero\" of " + name, null);
        } else if (file != null) {
            mapping = fileMapping;
        }
        VmArea v = new VmArea(mm, startVpn, startVpn + pages, vmFlags, mapping, offset >>> Kernel.PAGE_SHIFT, file);
        mm.addVma(v);
        kernel.trace().record(name, TraceKind.INFO, startVpn << Kernel.PAGE_SHIFT, -1, "mapped " + v);
        if ((flags & MapFlags.POPULATE) != 0 && (vmFlags & (VmArea.VM_READ | VmArea.VM_WRITE | VmArea.VM_EXEC)) != 0) {
            // populate_vma_page_range(): a PROT_NONE mapping fails check_vma_flags() and __mm_populate() ignores it.
            boolean write = (vmFlags & (VmArea.VM_WRITE | VmArea.VM_SHARED)) == VmArea.VM_WRITE;
            try {
                populate(v, startVpn, startVpn + pages, write);
            } catch (ErrnoException e) {
                // do_mmap() ignores mm_populate() errors: the mapping stays, partly populated.
                kernel.trace().record(name, TraceKind.INFO, startVpn << Kernel.PAGE_SHIFT, -1, "MAP_POPULATE stopped early: " + e.reason());
            }
        }
        return startVpn << Kernel.PAGE_SHIFT;
    }


    /**
     * munmap(addr, length): removes the mappings in the range (MMU_NOTIFY_UNMAP). A pinned frame
     * survives, unmapped, until it is unpinned. A range with nothing mapped is not an error.
     *
     * @throws ErrnoException EINVAL for an unaligned address, a length that is not positive, or a
     *                        range outside the user address space
     */
    public void munmap(long addr, long length) {
        requireAlive();
        MmapLockWait.forWrite(mm, "munmap(" + Kernel.hex(addr) + ", " + length + ")");
        kernel.run(name, "munmap(" + Kernel.hex(addr) + ", " + length + ")", addr, () -> {
            if ((addr & (Kernel.PAGE_SIZE - 1)) != 0) {
                throw new ErrnoException(Errno.EINVAL, "munmap", "address " + Kernel.hex(addr) + " is not page aligned");
            }
            // __do_munmap(): start > TASK_SIZE || len > TASK_SIZE - start, with start unsigned: a negative address is above TASK_SIZE.
            if (length <= 0 || addr < 0 || addr > Kernel.TASK_SIZE || length > Kernel.TASK_SIZE - addr) {
                throw new ErrnoException(Errno.EINVAL, "munmap", length <= 0 ? "length is " + length : "range is outside the user address space");
            }
            long start = addr >>> Kernel.PAGE_SHIFT;
            Hugetlb.checkSplit(mm, start, start + MmCore.pages(length), "munmap");
            unmapRange(start, start + MmCore.pages(length));
        });
    }

    /**
     * mprotect(addr, length, prot). Removing PROT_WRITE write-protects the PTEs; adding it makes
     * PTEs writable only as the model's {@link MprotectWrite} switch says (change_pte_range()).
     * Raises MMU_NOTIFY_PROTECTION_VMA.
     *
     * @throws ErrnoException EINVAL for an unaligned address or unknown prot bits; ENOMEM if the
     *                        range is not fully mapped: as in do_mprotect_pkey(), the VMAs before
     *                        the hole have already been changed
     */
    public void mprotect(long addr, long length, int prot) {
        requireAlive();
        MmapLockWait.forWrite(mm, "mprotect(" + Kernel.hex(addr) + ", " + length + ", " + Prot.describe(prot) + ")");
        kernel.run(name, "mprotect(" + Kernel.hex(addr) + ", " + length + ", " + Prot.describe(prot) + ")", addr, () -> {
            // do_mprotect_pkey(), in the kernel's order of checks; start and len are unsigned there.
            if ((addr & (Kernel.PAGE_SIZE - 1)) != 0) {
                throw new ErrnoException(Errno.EINVAL, "mprotect", "address " + Kernel.hex(addr) + " is not page aligned");
            }
            if (length == 0) {
                return;
            }
            long endAddr = addr + pageAlign(length);
            if (Long.compareUnsigned(endAddr, addr) <= 0) {
                throw new ErrnoException(Errno.ENOMEM, "mprotect", "range end overflows: " + Kernel.hex(addr) + " + " + length
                        + " wraps (do_mprotect_pkey: end <= start)");
            }
            if ((prot & ~(Prot.READ | Prot.WRITE | Prot.EXEC)) != 0) {
                throw new ErrnoException(Errno.EINVAL, "mprotect", "unknown prot bits 0x" + Integer.toHexString(prot) + " (arch_validate_prot)");
            }
            long start = addr >>> Kernel.PAGE_SHIFT;
            long end = endAddr >>> Kernel.PAGE_SHIFT;
            if (mm.findVma(start) == null) {
                throw new ErrnoException(Errno.ENOMEM, "mprotect", "no mapping at " + Kernel.hex(addr));
            }
            Hugetlb.checkSplit(mm, start, end, "mprotect");
            long cursor = start;
            for (VmArea v : mm.vmasIn(start, end)) {
                if (v.startVpn > cursor) {
                    break;
                }
                int newFlags = (v.flags & ~(VmArea.VM_READ | VmArea.VM_WRITE | VmArea.VM_EXEC)) | vmFlagsFor(prot);
                if ((prot & Prot.WRITE) != 0 && (v.flags & VmArea.VM_MAYWRITE) == 0) {
                    throw new ErrnoException(Errno.EACCES, "mprotect", v + " may never be written (no VM_MAYWRITE): a shared mapping of a file not open for writing,"
                            + " or of a file sealed F_SEAL_FUTURE_WRITE (seal_check_future_write()) (mprotect_fixup)");
                }
                long to = Math.min(v.endVpn, end);
                if (newFlags != v.flags) {
                    // mprotect_fixup(): split off the part in the range, unless nothing changes (newflags == oldflags).
                    mm.splitAt(Math.max(start, v.startVpn));
                    mm.splitAt(to);
                    changeProtection(mm.findVma(Math.max(start, v.startVpn)), newFlags);
                }
                cursor = to;
            }
            if (cursor < end) {
                throw new ErrnoException(Errno.ENOMEM, "mprotect", "the range has a hole at " + Kernel.hex(cursor << Kernel.PAGE_SHIFT)
                        + " (do_mprotect_pkey; the VMAs before it were changed)");
            }
        });
    }

    /**
     * Writes "4" to /proc/pid/clear_refs: clears the soft-dirty bits and write-protects the PTEs so
     * the next write is noticed (clear_soft_dirty(), MMU_NOTIFY_SOFT_DIRTY over the whole address
     * space), except for pinned pages where the model's {@link SoftDirtyPinned} says so.
     */
    public void clearSoftDirty() {
        requireAlive();
        kernel.run(name, "write(/proc/" + owner.pid() + "/clear_refs, \"4\")", -1, () -> {
            boolean skipPinned = kernel.model().get(SoftDirtyPinned.class) == SoftDirtyPinned.SKIP_PINNED;
            long top = Kernel.TASK_SIZE >>> Kernel.PAGE_SHIFT;
            mm.notifyStart(MmuNotifierEvent.SOFT_DIRTY, 0, top, true);
            int[] skipped = new int[1];
            for (VmArea v : mm.vmas.values()) {
                v.flags &= ~VmArea.VM_SOFTDIRTY;
                for (long h = mm.pt.nextPmd(v.startVpn, v.endVpn); h >= 0; h = mm.pt.nextPmd(h + Pte.leafPages(mm.pt.getPmd(h)), v.endVpn)) {
                    // clear_soft_dirty_pmd(), with the same pinned-page exception as the PTEs.
                    long pmd = mm.pt.getPmd(h);
                    if (skipPinned && Pte.isWrite(pmd) && mm.hasPinned && kernel.frameOfPte(pmd).pageMaybeDmaPinned()) {
                        skipped[0]++;
                    } else {
                        mm.pt.setPmd(h, pmd & ~(Pte.WRITE | Pte.SOFT_DIRTY));
                    }
                }
                mm.pt.forEach(v.startVpn, v.endVpn, (vpn, pte) -> {
                    if (!Pte.isPresent(pte)) {
                        mm.pt.set(vpn, pte & ~Pte.SOFT_DIRTY);
                        return;
                    }
                    if (skipPinned && Pte.isWrite(pte) && v.isCowMapping() && mm.hasPinned && Pte.pfn(pte) != 0 && kernel.frameOfPte(pte).pageMaybeDmaPinned()) {
                        skipped[0]++;
                        return;
                    }
                    mm.pt.set(vpn, pte & ~(Pte.WRITE | Pte.SOFT_DIRTY));
                });
            }
            mm.notifyEnd(MmuNotifierEvent.SOFT_DIRTY, 0, top);
            kernel.trace().record(name, TraceKind.INFO, -1, -1, "soft-dirty cleared, PTEs write-protected" + (skipped[0] > 0
                    ? "; " + skipped[0] + " writable PTE(s) of maybe-pinned pages left alone (pte_is_pinned, 9348b73c2e1b)" : "") + " (clear_soft_dirty)");
        });
    }

    /** PAGE_ALIGN(len) on an unsigned length: a length within a page of 2^64 (a small negative long) wraps to 0. */
    static long pageAlign(long length) {
        return (length + Kernel.PAGE_SIZE - 1) & -Kernel.PAGE_SIZE;
    }

    static int vmFlagsFor(int prot) {
        int f = 0;
        if ((prot & Prot.READ) != 0) {
            f |= VmArea.VM_READ;
        }
        if ((prot & Prot.WRITE) != 0) {
            f |= VmArea.VM_WRITE;
        }
        if ((prot & Prot.EXEC) != 0) {
            f |= VmArea.VM_EXEC;
        }
        return f;
    }

    /** do_munmap(): zap and remove the VMAs in [start, end), splitting at the edges, inside one UNMAP invalidation (unmap_vmas()). */
    void unmapRange(long start, long end) {
        if (mm.vmasIn(start, end).isEmpty()) {
            return;
        }
        mm.splitAt(start);
        mm.splitAt(end);
        mm.notifyStart(MmuNotifierEvent.UNMAP, start, end, true);
        for (VmArea v : mm.vmasIn(start, end)) {
            new Zap(kernel).zapRange(mm, v.startVpn, v.endVpn, null);
            mm.removeVma(v);
        }
        mm.notifyEnd(MmuNotifierEvent.UNMAP, start, end);
    }

    /**
     * The lowest free range of {@code pages} pages at or above the hint (or {@link KernelImpl#MMAP_BASE});
     * if nothing fits up there, the lowest free range above {@link KernelImpl#MMAP_LOW}.
     */
    long findFreeRange(long hintVpn, long pages) {
        long top = Kernel.TASK_SIZE >>> Kernel.PAGE_SHIFT;
        long first = hintVpn >= (Kernel.MMAP_LOW >>> Kernel.PAGE_SHIFT) ? hintVpn : Kernel.MMAP_BASE >>> Kernel.PAGE_SHIFT;
        for (long candidate : new long[] {first, Kernel.MMAP_LOW >>> Kernel.PAGE_SHIFT}) {
            for (VmArea v : mm.vmas.values()) {
                if (v.endVpn <= candidate) {
                    continue;
                }
                if (v.startVpn >= candidate + pages) {
                    break;
                }
                candidate = v.endVpn;
            }
            if (candidate + pages <= top) {
                return candidate;
            }
        }
        throw new ErrnoException(Errno.ENOMEM, "mmap", "no free range of " + pages + " pages in the address space");
    }

    /** change_protection() for one whole VMA whose flags change to newFlags (MMU_NOTIFY_PROTECTION_VMA). */
    private void changeProtection(VmArea v, int newFlags) {
        v.flags = newFlags;
        boolean addWrite = (v.flags & VmArea.VM_WRITE) != 0;
        MprotectWrite rule = kernel.model().get(MprotectWrite.class);
        boolean softDirtyTracking = v.softDirtyEnabled();
        mm.notifyStart(MmuNotifierEvent.PROTECTION_VMA, v.startVpn, v.endVpn, true);
        new HugeMemory(kernel).changeHugePmds(mm, v.startVpn, v.endVpn, addWrite);
        int[] madeWritable = new int[1];
        mm.pt.forEach(v.startVpn, v.endVpn, (vpn, pte) -> {
            if (!Pte.isPresent(pte)) {
                // change_pte_range(): a writable device-private or device-exclusive entry becomes readable
                if ((Pte.isDevicePrivate(pte) || Pte.isDeviceExclusive(pte)) && Pte.isWrite(pte) && !addWrite) {
                    mm.pt.set(vpn, pte & ~Pte.WRITE);
                }
                return;
            }
            long n = pte;
            if (!addWrite) {
                n &= ~Pte.WRITE;
            } else if (!Pte.isWrite(pte)) {
                if (v.isShared()) {
                    // Without writenotify vm_page_prot is writable; with it only a dirty PTE (dirty_accountable, and
                    // can_change_pte_writable() for VM_SHARED from 6.0) that soft-dirty tracking does not need to see.
                    if (!v.wantsWritenotify() || (Pte.isDirty(pte) && (Pte.isSoftDirty(pte) || !softDirtyTracking))) {
                        n |= Pte.WRITE;
                    }
                } else if (canChangePteWritable(rule, softDirtyTracking, pte)) {
                    n |= Pte.WRITE;
                    madeWritable[0]++;
                }
            }
            mm.pt.set(vpn, n);
        });
        mm.notifyEnd(MmuNotifierEvent.PROTECTION_VMA, v.startVpn, v.endVpn);
        if (madeWritable[0] > 0) {
            kernel.trace().record(name, TraceKind.INFO, v.start(), -1, madeWritable[0] + " PTE(s) of exclusive anonymous pages made writable at once (can_change_pte_writable)");
        }
    }

    /**
     * can_change_pte_writable() for a private mapping (64fe24a3e05e, 6.0; clean pages from 6.2):
     * only PageAnonExclusive pages, and not while soft-dirty tracking wants the write fault
     * (vma_soft_dirty_enabled() && !pte_soft_dirty()).
     */
    private boolean canChangePteWritable(MprotectWrite rule, boolean softDirtyTracking, long pte) {
        if (rule == MprotectWrite.FAULT_ON_WRITE || Pte.pfn(pte) == 0) {
            return false;
        }
        if (rule == MprotectWrite.DIRTY_EXCLUSIVE_ANON_WRITABLE && !Pte.isDirty(pte)) {
            return false;
        }
        if (softDirtyTracking && !Pte.isSoftDirty(pte)) {
            return false;
        }
        Page f = kernel.frameOfPte(pte);
        return f.isAnon() && f.isAnonExclusive();
    }

    /** populate_vma_page_range() / faultin_vma_page_range(): fault every page in as a read or write would. */
    void populate(VmArea v, long start, long end, boolean write) {
        Faults faults = new Faults(kernel);
        for (long vpn = start; vpn < end; vpn++) {
            long pte = mm.pt.get(vpn);
            if (Pte.isPresent(pte) && (!write || Pte.isWrite(pte))) {
                continue;
            }
            Faults.Result r = faults.handlePteFault(mm, v, vpn, write ? Faults.WRITE : 0, name);
            if (r == Faults.Result.OOM) {
                throw new ErrnoException(Errno.ENOMEM, "populate", "out of memory at " + Kernel.hex(vpn << Kernel.PAGE_SHIFT));
            }
            if (r == Faults.Result.SIGBUS) {
                // eb2faa513c24: MADV_POPULATE_(READ|WRITE) report SIGBUS as -EFAULT.
                throw new ErrnoException(Errno.EFAULT, "populate", "SIGBUS at " + Kernel.hex(vpn << Kernel.PAGE_SHIFT) + (v.mapping != null && v.inode() != null ? ": beyond the end of " + v.mapping.name() : ": no page for " + v + " (hugetlb_no_page)"));
            }
        }
    }
}
