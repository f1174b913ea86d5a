package io.pinsim.runtime.internal.mm;

import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.KernelBugException;
import io.pinsim.runtime.Signal;
import io.pinsim.runtime.trace.KernelLog;

/**
 * CPU accesses to user memory and the syscalls' user copies (copy_from_user(), copy_to_user(),
 * arch/x86/mm/fault.c): the MMU walk, the fault handler, and the signal or EFAULT for a bad address.
 */
public final class Uaccess {
    private final MmOwner owner;
    private final MmCore kernel;
    private final Mm mm;
    private final String name;

    public Uaccess(MmOwner owner) {
        this.owner = owner;
        this.mm = owner.mm();
        this.kernel = mm.kernel;
        this.name = owner.name();
    }

    private void requireAlive() {
        owner.requireAlive();
    }

    /** Fills {@code length} bytes with one value, as the CPU would (memset). */
    public void fill(long address, long length, byte value) {
        requireAlive();
        if (length < 0) {
            throw new IllegalArgumentException("length must not be negative, was " + length);
        }
        MmapLockWait.forAccess(owner.mm(), address, length, true, "fill " + Kernel.hex(address));
        kernel.run(name, "memset " + Kernel.hex(address) + " " + MmCore.describeByte(value) + " x " + length, address, () -> {
            long done = 0;
            while (done < length) {
                long a = address + done;
                int off = (int) (a & (Kernel.PAGE_SIZE - 1));
                int n = (int) Math.min(length - done, Kernel.PAGE_SIZE - off);
                Page f = access(a, true, null);
                f.content().fill(off, n, value);
                kernel.wrote(f);
                done += n;
            }
        });
    }

    /**
     * copy_from_user(): reads user memory for a syscall. A bad address makes the syscall fail with
     * EFAULT instead of delivering a signal, as the uaccess exception tables do; with a null
     * {@code call} it is a CPU access, and a bad address delivers the signal.
     */
    public byte[] copyFromUser(long address, int length, String call) {
        // The result is allocated only if the VMAs allow the whole range: a length beyond what is
        // mapped faults at the first bad address, as it would, without a huge array first.
        byte[] out = readableBytes(address, length) >= length ? new byte[length] : null;
        int done = 0;
        while (done < length) {
            long a = address + done;
            int off = (int) (a & (Kernel.PAGE_SIZE - 1));
            int n = Math.min(length - done, Kernel.PAGE_SIZE - off);
            Page f = access(a, false, call);
            if (out != null) {
                f.content().read(off, out, done, n);
            }
            done += n;
        }
        if (out == null) {
            throw new KernelBugException("uaccess-range", "a read of " + length + " bytes at " + Kernel.hex(address)
                    + " went past the VMAs that allow it without a fault", kernel.trace().render());
        }
        return out;
    }

    /**
     * How many bytes from address on the VMAs let a read reach, up to length: the contiguous VMAs
     * with any of VM_READ, VM_WRITE, VM_EXEC (the test access() makes). Costs one step per VMA.
     */
    private long readableBytes(long address, long length) {
        if (address < 0 || address >= Kernel.TASK_SIZE) {
            return 0;
        }
        long end = Math.min(address + length, Kernel.TASK_SIZE);
        long cursor = address;
        while (cursor < end) {
            VmArea v = mm.findVma(cursor >>> Kernel.PAGE_SHIFT);
            if (v == null || (v.flags & (VmArea.VM_READ | VmArea.VM_WRITE | VmArea.VM_EXEC)) == 0) {
                break;
            }
            cursor = v.end();
        }
        return Math.min(cursor, end) - address;
    }

    /** copy_to_user(): writes user memory for a syscall; EFAULT on a bad address (a CPU write, with its signal, when {@code call} is null). */
    public void copyToUser(long address, byte[] data, String call) {
        int done = 0;
        while (done < data.length) {
            long a = address + done;
            int off = (int) (a & (Kernel.PAGE_SIZE - 1));
            int n = Math.min(data.length - done, Kernel.PAGE_SIZE - off);
            Page f = access(a, true, call);
            f.content().write(off, data, done, n);
            kernel.wrote(f);
            done += n;
        }
    }

    /**
     * The model's debugger read (see {@code Process.peek}): what access_process_vm() with FOLL_FORCE
     * would copy, found without its fault. Per page: a present PTE's frame; a swap entry's swap-cache
     * page, else its slot; an empty PTE: the page cache or the file's block at the VMA's offset
     * (zeros for a hole), a shmem object's page (zeros if it has none), or zeros for private
     * anonymous memory (what do_anonymous_page() maps for a read). No PTE, page, flag, counter or
     * trace event changes. Every page is checked first: a hole in the VMAs, a VMA without
     * VM_MAYREAD (check_vma_flags()) or a page past a file's end fails the whole read with EIO, as
     * ptrace(PTRACE_PEEKDATA) does when access_process_vm() copies less than asked.
     */
    public byte[] peek(long address, int length) {
        requireAlive();
        if (length < 0) {
            throw new IllegalArgumentException("length must not be negative, was " + length);
        }
        if (length == 0) {
            return new byte[0];
        }
        long last = address + length - 1;
        if (address < 0 || last >= Kernel.TASK_SIZE) {
            throw new ErrnoException(Errno.EIO, "peek", Kernel.hex(address) + " +" + length + " is outside the user address space");
        }
        for (long vpn = address >>> Kernel.PAGE_SHIFT; vpn <= last >>> Kernel.PAGE_SHIFT; vpn++) {
            VmArea v = mm.findVma(vpn);
            String bad = v == null ? "nothing is mapped at " : (v.flags & VmArea.VM_MAYREAD) == 0 ? "the VMA does not allow reading (no VM_MAYREAD) at "
                    : Pte.isNone(mm.pt.get(vpn)) && v.inode() != null && (v.indexOf(vpn) << Kernel.PAGE_SHIFT) >= v.inode().size()
                            ? "the file ends before " : null;
            if (bad != null) {
                throw new ErrnoException(Errno.EIO, "peek", bad + Kernel.hex(Math.max(address, vpn << Kernel.PAGE_SHIFT)));
            }
        }
        byte[] out = new byte[length];
        int done = 0;
        while (done < length) {
            long a = address + done;
            int off = (int) (a & (Kernel.PAGE_SIZE - 1));
            int n = Math.min(length - done, Kernel.PAGE_SIZE - off);
            Content c = peekContent(a >>> Kernel.PAGE_SHIFT);
            if (c != null) {
                c.read(off, out, done, n);
            }
            done += n;
        }
        return out;
    }

    /** The content a read of the page would see, or null for zeros. */
    private Content peekContent(long vpn) {
        long pte = mm.pt.get(vpn);
        if (Pte.isPresent(pte)) {
            return Pte.pfn(pte) == 0 ? null : kernel.frameOfPte(pte).content();
        }
        if (Pte.isDevicePrivate(pte)) {
            return kernel.deviceMemory.page(Pte.slot(pte)).content;
        }
        if (Pte.isDeviceExclusive(pte)) {
            return kernel.frame(Pte.slot(pte)).content();
        }
        if (Pte.isSwap(pte)) {
            SwapSpace.Slot slot = kernel.swap.get(Pte.slot(pte));
            return slot.cache != null ? slot.cache.content() : slot.content;
        }
        VmArea v = mm.findVma(vpn);
        if (v.mapping == null) {
            return null;
        }
        long index = v.indexOf(vpn);
        if (v.inode() != null) {
            return v.inode().peekPage(index);
        }
        Page f = v.mapping.pages.get(index);
        return f == null ? null : f.content();
    }

    /** The MMU and the fault handler for one access; with {@code uaccessCall} failures are EFAULT for that call. */
    private Page access(long address, boolean write, String uaccessCall) {
        long vpn = address >>> Kernel.PAGE_SHIFT;
        if (address < 0 || address >= Kernel.TASK_SIZE) {
            throw fault(uaccessCall, Signal.SIGSEGV, address, "address outside the user address space (SEGV_MAPERR)");
        }
        VmArea v = mm.findVma(vpn);
        if (v == null) {
            throw fault(uaccessCall, Signal.SIGSEGV, address, (write ? "write" : "read") + " to an address with no mapping (SEGV_MAPERR)");
        }
        if (write ? (v.flags & VmArea.VM_WRITE) == 0 : (v.flags & (VmArea.VM_READ | VmArea.VM_WRITE | VmArea.VM_EXEC)) == 0) {
            throw fault(uaccessCall, Signal.SIGSEGV, address, (write ? "write" : "read") + " to " + v + " which does not allow it (SEGV_ACCERR)");
        }
        for (int tries = 0; tries < 3; tries++) {
            long pte = mm.pt.get(vpn);
            if (Pte.isPresent(pte) && (!write || Pte.isWrite(pte))) {
                if (Pte.isHuge(pte)) {
                    mm.pt.setPmd(vpn, mm.pt.getPmd(vpn) | Pte.YOUNG | (write ? Pte.DIRTY : 0));
                } else {
                    mm.pt.set(vpn, pte | Pte.YOUNG | (write ? Pte.DIRTY : 0));
                }
                Page f = Pte.pfn(pte) == 0 ? kernel.zeroPage() : kernel.frameOfPte(pte);
                if (write) {
                    f.flags |= Page.DIRTY;
                }
                return f;
            }
            Faults.Result r = new Faults(kernel).handlePteFault(mm, v, vpn, write ? Faults.WRITE : 0, name);
            if (r == Faults.Result.SIGBUS) {
                throw fault(uaccessCall, Signal.SIGBUS, address, v.mapping != null ? "access beyond the end of " + v.mapping.name() + " (filemap_fault: BUS_ADRERR)"
                        : "VM_FAULT_SIGBUS: the device's migrate_to_ram did not bring the page back (do_swap_page)");
            }
            if (r == Faults.Result.OOM) {
                if (uaccessCall != null) {
                    throw new ErrnoException(Errno.ENOMEM, uaccessCall, "out of memory faulting in the user buffer at " + Kernel.hex(address));
                }
                kernel.log().print(kernel.trace().step(), KernelLog.Level.CRIT, "Out of memory: Killed process " + owner.pid() + " (" + name + ")");
                throw owner.kill(Signal.SIGKILL, address, "the page fault could not allocate a page: the OOM killer killed the process");
            }
        }
        throw new KernelBugException("fault-loop", "the fault at " + Kernel.hex(address) + " did not resolve: " + Pte.describe(mm.pt.get(vpn)), kernel.trace().render());
    }

    /** A failed access: a signal for a CPU access, EFAULT for a syscall's user copy. */
    private RuntimeException fault(String uaccessCall, Signal sig, long address, String reason) {
        if (uaccessCall != null) {
            return new ErrnoException(Errno.EFAULT, uaccessCall, "bad user buffer at " + Kernel.hex(address) + ": " + reason);
        }
        return owner.kill(sig, address, reason);
    }
}
