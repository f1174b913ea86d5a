package io.pinsim.runtime.internal.mm;

import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.KernelBugException;
import io.pinsim.runtime.model.HmmDevicePrivateOwner;
import io.pinsim.runtime.spi.HmmPfn;
import java.util.ArrayList;
import java.util.List;

/**
 * hmm_range_fault() with per-range request flags and a device-private owner (mm/hmm.c:
 * hmm_vma_walk_test(), hmm_vma_handle_pte(), hmm_pte_need_fault(), hmm_vma_fault()). Without
 * HMM_PFN_REQ_FAULT it is a snapshot: nothing is faulted, a VMA that cannot be read reports
 * HMM_PFN_ERROR and anything not mapped reports no flags. With it, a page that is not mapped well
 * enough is faulted in (handle_mm_fault(): a device-private page of another owner migrates back
 * through its migrate_to_ram, a device-exclusive entry is restored) and the walk restarts there;
 * mmu_interval_check_retry() ends it with EBUSY. Which device-private pages are returned as they
 * are follows {@link HmmDevicePrivateOwner}.
 */
public final class HmmWalk {
    private final MmCore k;
    private final HmmDevicePrivateOwner ownerRule;

    public HmmWalk(MmCore k) {
        this.k = k;
        this.ownerRule = k.model().get(HmmDevicePrivateOwner.class);
    }

    /**
     * Walks [startVpn, startVpn + nrPages) of mm.
     *
     * @param reqFlags {@link HmmPfn#REQ_FAULT}, {@link HmmPfn#REQ_WRITE} (range->default_flags)
     * @param owner    range->dev_private_owner
     */
    public List<HmmPfn> walk(Mm mm, MmuIntervalNotifierImpl sub, long notifierSeq, long startVpn, int nrPages, int reqFlags, Object owner, String actor) {
        if (nrPages <= 0) {
            throw new ErrnoException(Errno.EINVAL, "hmm_range_fault", nrPages + " pages: the range is empty (walk_page_range: start >= end)");
        }
        boolean fault = (reqFlags & HmmPfn.REQ_FAULT) != 0;
        boolean write = fault && (reqFlags & HmmPfn.REQ_WRITE) != 0;
        List<HmmPfn> out = new ArrayList<>(Math.min(nrPages, 512));
        for (int restarts = 0; restarts < 3 * nrPages + 4; restarts++) {
            if (sub.checkRetry(notifierSeq)) {
                throw new ErrnoException(Errno.EBUSY, "hmm_range_fault", "the interval was invalidated since read_begin (mmu_interval_check_retry): retry");
            }
            long faultAt = -1;
            while (out.size() < nrPages) {
                long vpn = startVpn + out.size();
                HmmPfn e = handle(mm, vpn, fault, write, owner);
                if (e != null) {
                    out.add(e);
                    continue;
                }
                faultAt = vpn;
                break;
            }
            if (faultAt < 0) {
                return out;
            }
            VmArea v = mm.findVma(faultAt);
            if (write && (v.flags & VmArea.VM_WRITE) == 0) {
                throw new ErrnoException(Errno.EPERM, "hmm_range_fault", "write fault on " + v + " which is not writable (hmm_vma_fault)");
            }
            Faults.Result r = new Faults(k).handlePteFault(mm, v, faultAt, write ? Faults.WRITE : 0, actor);
            if (r == Faults.Result.OOM) {
                throw new ErrnoException(Errno.ENOMEM, "hmm_range_fault", "out of memory faulting " + Kernel.hex(faultAt << Kernel.PAGE_SHIFT));
            }
            if (r == Faults.Result.SIGBUS) {
                throw new ErrnoException(Errno.EFAULT, "hmm_range_fault", "VM_FAULT_SIGBUS at " + Kernel.hex(faultAt << Kernel.PAGE_SHIFT));
            }
        }
        throw new KernelBugException("hmm-range-fault-loop", "hmm_range_fault(" + Kernel.hex(startVpn << Kernel.PAGE_SHIFT) + ") did not settle", k.trace().render());
    }

    /** One page: its entry, or null if it must be faulted. */
    private HmmPfn handle(Mm mm, long vpn, boolean fault, boolean write, Object owner) {
        VmArea v = mm.findVma(vpn);
        if (v == null || (v.flags & VmArea.VM_READ) == 0) {
            if (fault) {
                throw new ErrnoException(Errno.EFAULT, "hmm_range_fault", (v == null ? "no VMA" : v + " is not readable") + " at " + Kernel.hex(vpn << Kernel.PAGE_SHIFT));
            }
            return HmmPfn.ERROR;
        }
        long pte = mm.pt.get(vpn);
        if (Pte.isPresent(pte)) {
            if (write && !Pte.isWrite(pte)) {
                return null;
            }
            return new HmmPfn(Pte.pfn(pte) == 0 ? k.zeroPage() : k.frameOfPte(pte), true, Pte.isWrite(pte), false, false);
        }
        if (Pte.isDevicePrivate(pte)) {
            DevicePage d = k.deviceMemory.page(Pte.slot(pte));
            if (ownerRule == HmmDevicePrivateOwner.ANY_OWNER || d.pool().owner() == owner) {
                if (write && !Pte.isWrite(pte)) {
                    return null;
                }
                return new HmmPfn(d, true, Pte.isWrite(pte), false, true);
            }
            if (fault && ownerRule == HmmDevicePrivateOwner.OWNER_MATCH_OTHERS_EFAULT) {
                throw new ErrnoException(Errno.EFAULT, "hmm_range_fault", d + " at " + Kernel.hex(vpn << Kernel.PAGE_SHIFT)
                        + " belongs to another device: \"Report error for everything else\" (hmm_vma_handle_pte, 5.7 - 5.19; 8a295dbbaf72 faults it back)");
            }
        }
        return fault ? null : HmmPfn.NONE;
    }
}
