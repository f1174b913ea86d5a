package io.pinsim.runtime.internal.mm;

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
            if (!f.isAnon()) {
                continue;
            }
            int extra = f.nonMappingRefs() - (f.swapSlot != null ? 1 : 0);
            if (extra > 0) {
                k.trace().record(actor, TraceKind.INFO, vpn << Kernel.PAGE_SHIFT, f.pfn(), "frame #" + f.pfn() + " not migrated: refcount " + f.refcount()
                        + " > mapcount " + f.mapcount() + Faults.extraRefs(f) + " (migrate_vma_check_page)");
                continue;
            }
            Page n = k.allocFrame(Content.copyOf(f.content));
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
}
