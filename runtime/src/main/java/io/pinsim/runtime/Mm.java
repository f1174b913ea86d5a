package io.pinsim.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * A process's address space (struct mm_struct): its VMAs, its page table, the anon_vma family of
 * its anonymous pages, and the state GUP and fork consult.
 */
final class Mm {
    final Kernel kernel;
    final Process owner;
    final PageTable pt = new PageTable();
    /** VMAs by start vpn. */
    final NavigableMap<Long, Vma> vmas = new TreeMap<>();
    AnonVma anonVma;
    /** MMF_HAS_PINNED (mm->has_pinned in 5.9 - 5.13): set by the first FOLL_PIN, never cleared. */
    boolean hasPinned;
    /** mm->write_protect_seq (57efa1fe5957): odd while fork write-protects a COW VMA. */
    int writeProtectSeq;
    /** The operation that holds mmap_lock for write (a fork in progress), or null. */
    Object mmapWriteLocker;
    /** mm->pinned_vm, in pages. */
    long pinnedVm;
    /** mm->locked_vm, in pages. */
    long lockedVm;
    final MmuNotifierSubscriptions subscriptions = new MmuNotifierSubscriptions(this);

    Mm(Kernel kernel, Process owner) {
        this.kernel = kernel;
        this.owner = owner;
    }

    /** find_vma() for one page: the VMA that contains vpn, or null. */
    Vma findVma(long vpn) {
        Map.Entry<Long, Vma> e = vmas.floorEntry(vpn);
        if (e == null) {
            return null;
        }
        Vma v = e.getValue();
        return v.contains(vpn) ? v : null;
    }

    /** The VMAs that overlap [startVpn, endVpn), in address order. */
    List<Vma> vmasIn(long startVpn, long endVpn) {
        List<Vma> out = new ArrayList<>();
        Map.Entry<Long, Vma> first = vmas.floorEntry(startVpn);
        Long from = first != null && first.getValue().endVpn > startVpn ? first.getKey() : vmas.ceilingKey(startVpn);
        if (from == null) {
            return out;
        }
        for (Vma v : vmas.tailMap(from, true).values()) {
            if (v.startVpn >= endVpn) {
                break;
            }
            out.add(v);
        }
        return out;
    }

    /** The anon_vma family, created on the first anonymous fault (anon_vma_prepare()). */
    AnonVma anonVma() {
        if (anonVma == null) {
            anonVma = new AnonVma(this);
        }
        return anonVma;
    }

    /**
     * Splits the VMA that contains vpn so that a VMA starts exactly at vpn (__split_vma()). Does
     * nothing if vpn is already a boundary or is not mapped.
     */
    void splitAt(long vpn) {
        Vma v = findVma(vpn);
        if (v == null || v.startVpn == vpn) {
            return;
        }
        Vma tail = new Vma(this, vpn, v.endVpn, v.flags, v.mapping, v.indexOf(vpn), v.file);
        tail.hasAnonVma = v.hasAnonVma;
        v.endVpn = vpn;
        vmas.put(vpn, tail);
        if (v.mapping != null) {
            v.mapping.vmas.add(tail);
        }
    }

    void removeVma(Vma v) {
        vmas.remove(v.startVpn);
        if (v.mapping != null) {
            v.mapping.vmas.remove(v);
        }
    }

    void addVma(Vma v) {
        vmas.put(v.startVpn, v);
        if (v.mapping != null) {
            v.mapping.vmas.add(v);
        }
    }

    /** mmu_notifier_invalidate_range_start() on this mm. Returns false if a subscriber refused a non-blockable range. */
    boolean notifyStart(MmuNotifierEvent event, long startVpn, long endVpn, boolean blockable) {
        return notifyStart(event, startVpn, endVpn, blockable, null);
    }

    /** mmu_notifier_invalidate_range_start() with the range's owner (MMU_NOTIFY_MIGRATE). */
    boolean notifyStart(MmuNotifierEvent event, long startVpn, long endVpn, boolean blockable, Object owner) {
        if (subscriptions.isEmpty()) {
            return true;
        }
        return subscriptions.invalidateStart(new MmuNotifierRange(this.owner, event, startVpn << Kernel.PAGE_SHIFT, endVpn << Kernel.PAGE_SHIFT, blockable, owner));
    }

    /** mmu_notifier_invalidate_range_end() on this mm. */
    void notifyEnd(MmuNotifierEvent event, long startVpn, long endVpn) {
        if (subscriptions.isEmpty()) {
            return;
        }
        subscriptions.invalidateEnd(new MmuNotifierRange(owner, event, startVpn << Kernel.PAGE_SHIFT, endVpn << Kernel.PAGE_SHIFT, true, null));
    }
}
