package io.pinsim.runtime.internal.mm;

import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MmuNotifierEvent;
import io.pinsim.runtime.trace.TraceKind;
import java.util.ArrayList;
import java.util.List;

/** Page migration for migrate_vma (mm/migrate_device.c): unmap, copy, remap at a new frame. */
public final class Migration {
    private final MmCore k;

    public Migration(MmCore k) {
        this.k = k;
    }

    /**
     * migrate_vma_setup() (migrate_vma_collect(): present anonymous pages only, not the zero page;
     * migrate_vma_check_page(): no references beyond the mappings and the swap cache), then
     * migrate_vma_pages() and migrate_vma_finalize(): each collected page is copied to a new frame
     * and remapped there. Returns the number of pages migrated.
     */
    public int migrateVma(Mm mm, long startVpn, int nrPages, Object owner) {
        migrateVmaSetupChecks(mm, startVpn, nrPages);
        long endVpn = startVpn + nrPages;
        String actor = String.valueOf(owner);
        mm.notifyStart(MmuNotifierEvent.MIGRATE, startVpn, endVpn, true, owner);
        int migrated = 0;
        for (long vpn = startVpn; vpn < endVpn; vpn++) {
            long pte = mm.pt.get(vpn);
            if (!Pte.isPresent(pte) || Pte.pfn(pte) == 0) {
                continue;
            }
            Page f = k.frameOfPte(pte);
            if (!f.isAnon() || f.isCompound()) {
                // THP migration (migrate_vma_collect_pmd() splits or skips it) is not modelled.
                continue;
            }
            int extra = f.nonMappingRefs() - (f.swapSlot != null ? 1 : 0);
            if (extra > 0) {
                k.trace().record(actor, TraceKind.INFO, vpn << Kernel.PAGE_SHIFT, f.pfn(), "frame #" + f.pfn() + " not migrated: refcount " + f.refcount()
                        + " > mapcount " + f.mapcount() + Faults.extraRefs(f) + " (migrate_vma_check_page)");
                continue;
            }
            Page n = k.allocFrame(Content.copyOf(f.content()));
            if (n == null) {
                break;
            }
            n.flags = f.flags & (Page.ANON | Page.DIRTY);
            if (f.isAnonExclusive()) {
                n.setAnonExclusive();
            }
            n.anonVma = f.anonVma;
            n.index = f.index;
            List<Mm> mms = new ArrayList<>();
            List<Long> vpns = new ArrayList<>();
            k.rmap().walk(f, (m, vma, v) -> {
                mms.add(m);
                vpns.add(v);
            });
            for (int i = 0; i < mms.size(); i++) {
                Mm m = mms.get(i);
                long old = m.pt.get(vpns.get(i));
                m.pt.set(vpns.get(i), Pte.withPfn(old, n.pfn()));
            }
            if (f.swapSlot != null) {
                new Faults(k).deleteFromSwapCache(f);
            }
            k.touch(f);
            k.maybeFree(f);
            migrated++;
            k.trace().record(actor, TraceKind.INFO, vpn << Kernel.PAGE_SHIFT, n.pfn(), "migrated frame #" + f.pfn() + " to frame #" + n.pfn());
        }
        mm.notifyEnd(MmuNotifierEvent.MIGRATE, startVpn, endVpn);
        return migrated;
    }

    /**
     * migrate_vma_setup()'s argument checks, all -EINVAL: no pages (nr_pages <= 0), no VMA at the
     * start (args->vma; the driver finds it with find_vma()), a range that leaves that VMA
     * (args->end > vma->vm_end), an fs-DAX VMA (vma_is_dax()) or a hugetlb one. Nothing is invalidated then.
     * Returns the VMA; migrations to device memory ({@link DeviceMigration}) make the same checks.
     */
    static VmArea migrateVmaSetupChecks(Mm mm, long startVpn, int nrPages) {
        if (nrPages <= 0) {
            throw new ErrnoException(Errno.EINVAL, "migrate_vma_setup", nrPages + " pages: nr_pages must be positive");
        }
        VmArea v = mm.findVma(startVpn);
        if (v == null) {
            throw new ErrnoException(Errno.EINVAL, "migrate_vma_setup", "no VMA at " + Kernel.hex(startVpn << Kernel.PAGE_SHIFT) + " (args->start outside args->vma)");
        }
        if (startVpn + nrPages > v.endVpn) {
            throw new ErrnoException(Errno.EINVAL, "migrate_vma_setup", nrPages + " pages from " + Kernel.hex(startVpn << Kernel.PAGE_SHIFT)
                    + " run past the end of " + v + " (args->end > vma->vm_end)");
        }
        if (v.isFsDax()) {
            throw new ErrnoException(Errno.EINVAL, "migrate_vma_setup", v + " is fs-DAX (vma_is_dax)");
        }
        if (Hugetlb.isHugetlb(v)) {
            throw new ErrnoException(Errno.EINVAL, "migrate_vma_setup", v + " is a hugetlb mapping (is_vm_hugetlb_page)");
        }
        return v;
    }
}
