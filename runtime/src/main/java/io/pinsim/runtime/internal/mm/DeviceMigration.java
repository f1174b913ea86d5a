package io.pinsim.runtime.internal.mm;

import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MmuNotifierEvent;
import io.pinsim.runtime.model.DeviceExclusive;
import io.pinsim.runtime.trace.TraceKind;
import java.util.ArrayList;
import java.util.List;

/**
 * Migration to and from device-private memory (mm/migrate_device.c: migrate_vma_setup(),
 * migrate_vma_pages(), migrate_vma_finalize(); a7d1f22bb74f turned the 4.14 migrate_vma() into these
 * three steps in 5.4, with the same outcome), the CPU fault on a device-private entry
 * (do_swap_page() -> pgmap->ops->migrate_to_ram()), and make_device_exclusive() (b756a3b5e7ea, 5.14).
 */
public final class DeviceMigration {
    private final MmCore k;

    public DeviceMigration(MmCore k) {
        this.k = k;
    }

    /**
     * migrate_vma with MIGRATE_VMA_SELECT_SYSTEM into {@code pool}. migrate_vma_collect(): a
     * pte_none or the zero page in an anonymous VMA is collected as a hole (migrate_vma_collect_hole(),
     * is_zero_pfn()), a present anonymous page if migrate_vma_check_page() finds no reference beyond
     * its mappings (a pinned page stays: cpages &lt; npages); page-cache pages, swap entries and
     * device-private entries (of any device) are not selected. The driver allocates a device page per
     * collected page (dmirror_devmem_alloc_page(); a failed allocation leaves the page where it is)
     * and copies; migrate_vma_finalize() replaces every PTE of the page (try_to_migrate() unmaps all
     * of them, a forked child's too) by a device-private entry, writable where the PTE was
     * (remove_migration_pte()) and, for a hole, where the VMA is (migrate_vma_insert_page()).
     *
     * @return per page, the device page or null; {@code writable} gets whether its entry is writable
     */
    public List<DevicePage> migrateToDevice(Mm mm, long startVpn, int nrPages, DevicePool pool, List<Boolean> writable, String actor) {
        VmArea vma = Migration.migrateVmaSetupChecks(mm, startVpn, nrPages);
        long endVpn = startVpn + nrPages;
        List<DevicePage> out = new ArrayList<>(nrPages);
        mm.notifyStart(MmuNotifierEvent.MIGRATE, startVpn, endVpn, true, pool.owner());
        for (long vpn = startVpn; vpn < endVpn; vpn++) {
            long pte = mm.pt.get(vpn);
            boolean hole = Pte.isNone(pte) || (Pte.isPresent(pte) && Pte.pfn(pte) == 0);
            Page f = null;
            if (hole) {
                if (vma.mapping != null) {
                    out.add(null);
                    writable.add(false);
                    continue;
                }
            } else if (Pte.isPresent(pte)) {
                f = k.frameOfPte(pte);
                String refuse = !f.isAnon() ? "a page-cache page: only anonymous memory moves to device-private memory (migrate_vma_pages)" : checkPage(f);
                if (refuse != null) {
                    k.trace().record(actor, TraceKind.INFO, vpn << Kernel.PAGE_SHIFT, f.pfn(), "frame #" + f.pfn() + " not migrated to " + pool.name() + ": " + refuse);
                    out.add(null);
                    writable.add(false);
                    continue;
                }
            } else {
                out.add(null);
                writable.add(false);
                continue;
            }
            DevicePage d = pool.alloc();
            if (d == null) {
                k.trace().record(actor, TraceKind.INFO, vpn << Kernel.PAGE_SHIFT, -1, "no device page for " + Kernel.hex(vpn << Kernel.PAGE_SHIFT) + ": the driver's allocation failed, the page stays");
                out.add(null);
                writable.add(false);
                continue;
            }
            boolean w;
            if (f == null) {
                vma.hasAnonVma = true;
                d.anonVma = mm.anonVma();
                d.index = vma.anonIndex(vpn);
                w = (vma.flags & VmArea.VM_WRITE) != 0;
                mm.pt.set(vpn, Pte.devicePrivate(d.pfn(), w));
            } else {
                d.content.write(0, f.read(0, Kernel.PAGE_SIZE), 0, Kernel.PAGE_SIZE);
                d.anonVma = f.anonVma;
                d.index = f.index;
                w = Pte.isWrite(pte);
                List<Mm> mms = new ArrayList<>();
                List<Long> vpns = new ArrayList<>();
                k.rmap().walk(f, (m, v, at) -> {
                    mms.add(m);
                    vpns.add(at);
                });
                for (int i = 0; i < mms.size(); i++) {
                    long old = mms.get(i).pt.get(vpns.get(i));
                    mms.get(i).pt.set(vpns.get(i), Pte.devicePrivate(d.pfn(), Pte.isWrite(old)));
                }
                if (f.swapSlot != null) {
                    new Faults(k).deleteFromSwapCache(f);
                }
                k.touch(f);
                k.maybeFree(f);
            }
            out.add(d);
            writable.add(w);
            k.trace().record(actor, TraceKind.INFO, vpn << Kernel.PAGE_SHIFT, d.pfn(), (f == null ? "empty page" : "frame #" + f.pfn()) + " at " + Kernel.hex(vpn << Kernel.PAGE_SHIFT)
                    + " migrated to " + d + (w ? ", writable" : ", read-only") + " (migrate_vma_finalize: device-private entry)");
        }
        mm.notifyEnd(MmuNotifierEvent.MIGRATE, startVpn, endVpn);
        return out;
    }

    /** migrate_vma_check_page(): null if only mappings (and the swap cache) hold the page, else why not. */
    private static String checkPage(Page f) {
        int extra = f.nonMappingRefs() - (f.swapSlot != null ? 1 : 0);
        if (extra > 0) {
            return "refcount " + f.refcount() + " > mapcount " + f.mapcount() + Faults.extraRefs(f) + " (migrate_vma_check_page)";
        }
        return null;
    }

    /**
     * migrate_vma with MIGRATE_VMA_SELECT_DEVICE_PRIVATE and {@code pool}'s owner: each of its
     * pages in the range is copied into a new system page (an allocation failure leaves it), and
     * every device-private entry that refers to it, in any mm of its family, maps the copy:
     * writable where the entry was (maybe_mkwrite()), and exclusive then (RMAP_EXCLUSIVE for a
     * writable migration entry). The device page goes back to the pool. Returns the pages migrated.
     */
    public int migrateToRam(Mm mm, long startVpn, int nrPages, DevicePool pool, String actor) {
        Migration.migrateVmaSetupChecks(mm, startVpn, nrPages);
        long endVpn = startVpn + nrPages;
        mm.notifyStart(MmuNotifierEvent.MIGRATE, startVpn, endVpn, true, pool.owner());
        int migrated = 0;
        for (long vpn = startVpn; vpn < endVpn; vpn++) {
            long pte = mm.pt.get(vpn);
            if (!Pte.isDevicePrivate(pte)) {
                continue;
            }
            DevicePage d = k.deviceMemory.page(Pte.slot(pte));
            if (d.pool() != pool) {
                continue;
            }
            if (migratePageToRam(d, actor) != null) {
                migrated++;
            }
        }
        mm.notifyEnd(MmuNotifierEvent.MIGRATE, startVpn, endVpn);
        return migrated;
    }

    /** Copies one device page back to a new system page and remaps every entry of it; null if out of memory. */
    private Page migratePageToRam(DevicePage d, String actor) {
        Page n = k.allocFrame(Content.copyOf(d.content));
        if (n == null) {
            return null;
        }
        n.flags = Page.ANON | Page.DIRTY;
        n.anonVma = d.anonVma;
        n.index = d.index;
        boolean anyWritable = false;
        List<Mm> mms = new ArrayList<>(d.anonVma.mms);
        for (Mm m : mms) {
            long at = Rmap.devicePrivateVpn(m, d.index, d.pfn());
            if (at < 0) {
                continue;
            }
            long e = m.pt.get(at);
            VmArea v = m.findVma(at);
            boolean w = Pte.isWrite(e) && (v.flags & VmArea.VM_WRITE) != 0;
            anyWritable |= w;
            m.pt.set(at, Pte.present(n.pfn()) | Pte.YOUNG | (w ? Pte.WRITE | Pte.DIRTY | Pte.SOFT_DIRTY : 0));
        }
        if (anyWritable) {
            n.setAnonExclusive();
        }
        k.trace().record(actor, TraceKind.INFO, d.index << Kernel.PAGE_SHIFT, n.pfn(), d + " at " + Kernel.hex(d.index << Kernel.PAGE_SHIFT)
                + " migrated back to new frame #" + n.pfn() + (anyWritable ? "" : ", read-only") + " (migrate_vma_finalize)");
        d.pool().maybeFree(d);
        return n;
    }

    /**
     * do_swap_page() on a device-private entry: pgmap->ops->migrate_to_ram(vmf) of the page's
     * owner. The access then retries on what the driver left (the kernel returns to the CPU, which
     * faults again); a driver that leaves the entry in place gives VM_FAULT_SIGBUS, where the kernel
     * would fault forever.
     */
    Faults.Result doDevicePrivateFault(Mm mm, VmArea vma, long vpn, long pte, int flags, String actor) {
        DevicePage d = k.deviceMemory.page(Pte.slot(pte));
        k.trace().record(actor, TraceKind.FAULT, vpn << Kernel.PAGE_SHIFT, d.pfn(), ((flags & Faults.WRITE) != 0 ? "write" : "read") + " fault at "
                + Kernel.hex(vpn << Kernel.PAGE_SHIFT) + " on a device-private entry for " + d + ": pgmap->ops->migrate_to_ram (do_swap_page)");
        DevicePool.MigrateToRam ops = d.pool().ops();
        if (ops == null || !ops.migrateToRam(mm.owner, vpn, d)) {
            return Faults.Result.SIGBUS;
        }
        long now = mm.pt.get(vpn);
        if (Pte.isDevicePrivate(now)) {
            k.trace().record(actor, TraceKind.INFO, vpn << Kernel.PAGE_SHIFT, d.pfn(), "migrate_to_ram left the device-private entry: VM_FAULT_SIGBUS");
            return Faults.Result.SIGBUS;
        }
        return new Faults(k).handlePteFault(mm, vma, vpn, flags, actor);
    }

    /**
     * migrate_device_range() of one device page (eviction, 6.1+): every mapping of it is unmapped
     * by try_to_migrate(), inside an MMU_NOTIFY_CLEAR invalidation of its page in each mm, and
     * remapped to the new system page.
     */
    public boolean migrateOneToRam(DevicePage d, String actor) {
        if (d.isFree()) {
            return false;
        }
        List<Mm> mms = new ArrayList<>();
        List<Long> vpns = new ArrayList<>();
        for (Mm m : d.anonVma.mms) {
            long at = Rmap.devicePrivateVpn(m, d.index, d.pfn());
            if (at >= 0) {
                mms.add(m);
                vpns.add(at);
            }
        }
        for (int i = 0; i < mms.size(); i++) {
            mms.get(i).notifyStart(MmuNotifierEvent.CLEAR, vpns.get(i), vpns.get(i) + 1, true);
        }
        Page n = migratePageToRam(d, actor);
        for (int i = 0; i < mms.size(); i++) {
            mms.get(i).notifyEnd(MmuNotifierEvent.CLEAR, vpns.get(i), vpns.get(i) + 1);
        }
        return n != null;
    }

    /**
     * make_device_exclusive_range(): get_user_pages_remote(FOLL_GET | FOLL_WRITE) faults each page
     * in writable (breaking COW), then page_make_device_exclusive() replaces its PTE by a
     * device-exclusive entry inside an MMU_NOTIFY_EXCLUSIVE invalidation carrying the owner. The
     * page stays mapped. Returns, per page, the frame (null where GUP failed).
     *
     * @throws ErrnoException EINVAL on a kernel without make_device_exclusive (before 5.14)
     */
    public List<Page> makeDeviceExclusive(Mm mm, long startVpn, int nrPages, Object owner, String actor) {
        if (k.model().get(DeviceExclusive.class) == DeviceExclusive.UNSUPPORTED) {
            throw new ErrnoException(Errno.EINVAL, "make_device_exclusive", "this kernel has no make_device_exclusive() (b756a3b5e7ea, 5.14): device atomics need another path");
        }
        if (nrPages <= 0) {
            throw new ErrnoException(Errno.EINVAL, "make_device_exclusive", nrPages + " pages: nr_pages must be positive");
        }
        for (long vpn = startVpn; vpn < startVpn + nrPages; vpn++) {
            VmArea v = mm.findVma(vpn);
            if (v == null || (v.flags & VmArea.VM_WRITE) == 0) {
                throw new ErrnoException(Errno.EFAULT, "make_device_exclusive", (v == null ? "no VMA" : v + " is not writable") + " at "
                        + Kernel.hex(vpn << Kernel.PAGE_SHIFT) + " (get_user_pages_remote(FOLL_WRITE))");
            }
        }
        List<Page> out = new ArrayList<>(nrPages);
        for (long vpn = startVpn; vpn < startVpn + nrPages; vpn++) {
            VmArea v = mm.findVma(vpn);
            if (Hugetlb.isHugetlb(v)) {
                // page_make_device_exclusive() works on small anonymous pages; the model makes no hugetlb folio exclusive
                out.add(null);
                continue;
            }
            if (mm.pt.getPmd(vpn) != Pte.NONE) {
                // get_user_pages_remote(FOLL_SPLIT_PMD): a PMD-mapped THP is split first
                new HugeMemory(k).splitHugePmd(mm, vpn, actor, "make_device_exclusive (FOLL_SPLIT_PMD)");
            }
            long pte = mm.pt.get(vpn);
            if (!Pte.isPresent(pte) || !Pte.isWrite(pte)) {
                Faults.Result r = new Faults(k).handlePteFault(mm, v, vpn, Faults.WRITE, actor);
                pte = mm.pt.get(vpn);
                if (r != Faults.Result.OK || !Pte.isPresent(pte) || Pte.pfn(pte) == 0) {
                    out.add(null);
                    continue;
                }
            }
            Page f = k.frameOfPte(pte);
            mm.notifyStart(MmuNotifierEvent.EXCLUSIVE, vpn, vpn + 1, true, owner);
            mm.pt.set(vpn, Pte.deviceExclusive(f.pfn(), Pte.isWrite(pte)) | (pte & Pte.SOFT_DIRTY));
            mm.notifyEnd(MmuNotifierEvent.EXCLUSIVE, vpn, vpn + 1);
            k.touch(f);
            k.trace().record(actor, TraceKind.INFO, vpn << Kernel.PAGE_SHIFT, f.pfn(), "frame #" + f.pfn() + " at " + Kernel.hex(vpn << Kernel.PAGE_SHIFT)
                    + " is device-exclusive: CPU access faults until restored (page_make_device_exclusive)");
            out.add(f);
        }
        return out;
    }

    /**
     * do_swap_page() on a device-exclusive entry: remove_device_exclusive_entry() raises
     * MMU_NOTIFY_EXCLUSIVE (no owner) over the page, so the device loses its access, and
     * restore_exclusive_pte() maps the page again, writable if the entry was. Then the access retries.
     */
    Faults.Result removeDeviceExclusiveEntry(Mm mm, VmArea vma, long vpn, long pte, int flags, String actor) {
        restoreExclusivePte(mm, vpn, pte, true);
        k.trace().record(actor, TraceKind.FAULT, vpn << Kernel.PAGE_SHIFT, Pte.slot(pte), "fault at " + Kernel.hex(vpn << Kernel.PAGE_SHIFT)
                + " on a device-exclusive entry: the device's access revoked, PTE restored (remove_device_exclusive_entry)");
        return new Faults(k).handlePteFault(mm, vma, vpn, flags, actor);
    }

    /** restore_exclusive_pte(); with {@code notify}, inside an MMU_NOTIFY_EXCLUSIVE invalidation (fork's try_restore_exclusive_pte() runs in its own). */
    void restoreExclusivePte(Mm mm, long vpn, long pte, boolean notify) {
        if (notify) {
            mm.notifyStart(MmuNotifierEvent.EXCLUSIVE, vpn, vpn + 1, true);
        }
        long n = Pte.present(Pte.slot(pte)) | (pte & Pte.SOFT_DIRTY);
        if (Pte.isWrite(pte)) {
            n |= Pte.WRITE | Pte.DIRTY;
        }
        mm.pt.set(vpn, n);
        if (notify) {
            mm.notifyEnd(MmuNotifierEvent.EXCLUSIVE, vpn, vpn + 1);
        }
        k.touch(k.frame(Pte.slot(pte)));
    }
}
