package io.pinsim.runtime.internal.iommu;

import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.internal.mm.Mm;
import io.pinsim.runtime.internal.mm.MmCore;
import io.pinsim.runtime.internal.mm.MmOwner;
import io.pinsim.runtime.model.SvaMmExit;
import io.pinsim.runtime.spi.IommuSvaOps;
import io.pinsim.runtime.trace.TraceKind;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The machine's IOMMU as SVA sees it (drivers/iommu/iommu-sva.c): one PASID per bound address
 * space (mm->pasid, iommu_sva_alloc_pasid(), the lowest free one from 1, IOMMU_FIRST_GLOBAL_PASID),
 * shared by every device bound to that mm, and the bonds. The PASID is freed with the mm's last
 * bond (5.8 - 5.16; from 5.17 mm_pasid_drop() frees it at __mmdrop(), which the model does not
 * distinguish: both after unbind).
 */
public final class Iommu {
    final MmCore core;
    /** mm -> PASID; looked up only, never iterated. */
    private final Map<Mm, Integer> pasids = new IdentityHashMap<>();
    private final TreeSet<Integer> freed = new TreeSet<>();
    private int nextPasid = 1;
    /** Live bonds, in bind order. */
    final List<SvaBond> bonds = new ArrayList<>();

    public Iommu(MmCore core) {
        this.core = core;
    }

    /**
     * iommu_sva_bind_device(dev, mm): an existing bond of the same device and mm gets one more user
     * (iommu_sva_bind_device(): "handle->users++" since 5.13; the per-driver bind before).
     *
     * @throws ErrnoException ENODEV without the SVA API (the !CONFIG_IOMMU_SVA stub returns ERR_PTR(-ENODEV))
     */
    public SvaBond bind(String device, MmOwner process, IommuSvaOps ops) {
        if (core.model().get(SvaMmExit.class) == SvaMmExit.NO_SVA) {
            throw new ErrnoException(Errno.ENODEV, "iommu_sva_bind_device", "this kernel has no SVA API (26b25a2b98e4, 5.2; uacce in 5.7)");
        }
        Mm mm = process.mm();
        for (SvaBond b : bonds) {
            if (b.device.equals(device) && b.mm == mm) {
                b.users++;
                core.trace().record(device, TraceKind.INFO, -1, -1, "iommu_sva_bind_device: \"" + process.name() + "\" is bound already under PASID " + b.pasid
                        + ": " + b.users + " users");
                return b;
            }
        }
        Integer pasid = pasids.get(mm);
        if (pasid == null) {
            pasid = freed.isEmpty() ? nextPasid++ : freed.pollFirst();
            pasids.put(mm, pasid);
        }
        SvaBond b = new SvaBond(this, device, process, pasid, ops);
        bonds.add(b);
        mm.subscriptions.listeners.add(b);
        core.trace().record(device, TraceKind.INFO, -1, -1, "iommu_sva_bind_device: \"" + process.name() + "\" bound under PASID " + pasid
                + "; the IOMMU walks its page table and registers an mmu notifier on it");
        return b;
    }

    /** mm->pasid, or -1 (IOMMU_PASID_INVALID). */
    public int pasidOf(Mm mm) {
        Integer p = pasids.get(mm);
        return p == null ? -1 : p;
    }

    /** The bond went: the mm's PASID goes with its last bond. */
    void unbound(SvaBond b) {
        bonds.remove(b);
        for (SvaBond other : bonds) {
            if (other.mm == b.mm) {
                return;
            }
        }
        pasids.remove(b.mm);
        freed.add(b.pasid);
    }
}
