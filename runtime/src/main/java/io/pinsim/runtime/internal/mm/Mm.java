package io.pinsim.runtime.internal.mm;

import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MmuIntervalNotifierOps;
import io.pinsim.runtime.MmuNotifierEvent;
import io.pinsim.runtime.MmuNotifierRange;
import io.pinsim.runtime.trace.TraceKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A process's address space (struct mm_struct): its VMAs, its page table, the anon_vma family of
 * its anonymous pages, and the state GUP and fork consult.
 */
public final class Mm {
    public final MmCore kernel;
    final MmOwner owner;
    public final PageTable pt;
    /** VMAs by start vpn. */
    public final NavigableMap<Long, VmArea> vmas = new TreeMap<>();
    public AnonVma anonVma;
    /** MMF_HAS_PINNED (mm->has_pinned in 5.9 - 5.13): set by the first FOLL_PIN, never cleared. */
    public boolean hasPinned;
    /** mm->write_protect_seq (57efa1fe5957): odd while fork write-protects a COW VMA; created with the mm's id. */
    public final io.pinsim.runtime.internal.locking.SeqCount writeProtectSeq;
    /** The operation that holds mmap_lock for write (a fork in progress), or null; set with {@link #setMmapWriteLocker}. */
    public Object mmapWriteLocker;
    /** The stepped operations that hold mmap_lock for read between their steps (a write fault in wp_page_copy(), a stepped MADV_DONTNEED). */
    public final java.util.List<Object> mmapReaders = new java.util.ArrayList<>(1);
    /**
     * A stepped fork's copy_pte_range() between deciding and applying a PTE of this (the parent's)
     * mm, or null: it holds the source PTE table's lock (pte_offset_map_lock(), held across its batch
     * of PTEs), so an rmap walker's try_to_unmap_one() on that table spins until it is applied.
     */
    CopyPageRange ptlHolder;
    /**
     * Some VMA of this mm has been moved by mremap() ({@link VmArea#anonShift} != 0): anonymous
     * pages may be mapped away from their index, so the rmap looks them up through the VMAs.
     * Never cleared (a conservative flag keeps the common case a single lookup).
     */
    public boolean anonMoved;
    /** MMF_HUGE_ZERO_PAGE: this mm holds a reference on the huge zero page (mm_get_huge_zero_page()). */
    public boolean hugeZeroPage;
    /** mm->pinned_vm, in pages. */
    public long pinnedVm;
    /** mm->locked_vm, in pages. */
    public long lockedVm;
    public final MmuNotifierSubscriptions subscriptions = new MmuNotifierSubscriptions(this);
    private String objectId;

    public Mm(MmCore kernel, MmOwner owner) {
        this.kernel = kernel;
        this.owner = owner;
        this.writeProtectSeq = new io.pinsim.runtime.internal.locking.SeqCount("mm:" + owner.pid() + ":write_protect_seq");
        this.pt = kernel.debug().tracksPtes() ? new PageTable(vpn -> kernel.debug().touchPte(this, vpn)) : new PageTable();
        kernel.registerMm(this);
    }

    /**
     * Takes (a locker) or releases (null) mmap_lock for write on behalf of a fork in progress; the
     * kernel counts such forks so the invariants can tell at once whether any page may be mid-fork.
     */
    public void setMmapWriteLocker(Object locker) {
        if ((mmapWriteLocker == null) != (locker == null)) {
            kernel.debug().forkLocked(locker != null);
        }
        mmapWriteLocker = locker;
    }

    /**
     * The id of this address space in step footprints ({@code mm:<pid>}); its parts are
     * {@code mm:<pid>:pte:<address>}, {@code :mmap_lock}, {@code :write_protect_seq}, ... (see
     * {@link io.pinsim.runtime.Footprint}).
     */
    public String objectId() {
        if (objectId == null) {
            objectId = "mm:" + owner.pid();
        }
        return objectId;
    }

    /** The footprint id of the PTE of one page: {@code mm:<pid>:pte:0x7f0000000000}. */
    /** The PTE table lock (split PTL, one per 512-entry table) that covers vpn, as a footprint id. */
    public String ptlId(long vpn) {
        return objectId() + ":ptl:" + Kernel.hex((vpn >>> 9) << (9 + Kernel.PAGE_SHIFT));
    }

    /** Whether a stepped fork holds the PTE table lock that covers vpn ({@link #ptlHolder}). */
    public boolean ptlHeldByFork(long vpn) {
        return ptlHolder != null && ptlHolder.holdsPtl(vpn);
    }

    public String pteId(long vpn) {
        return objectId() + ":pte:" + Kernel.hex(vpn << Kernel.PAGE_SHIFT);
    }

    /** Whether any mmu notifier (classic or interval) is subscribed to this mm: its invalidations call into drivers. */
    public boolean hasNotifierSubscribers() {
        return !subscriptions.isEmpty();
    }

    /** find_vma() for one page: the VMA that contains vpn, or null. */
    /**
     * The VMAs a munmap in progress has detached from the tree but not zapped yet (after
     * mmap_write_downgrade(), {@code MunmapLock.DOWNGRADED_FOR_ZAP}): faults and GUP no longer find
     * them, their PTEs are still there until the zap.
     */
    public final List<VmArea> detachedVmas = new ArrayList<>(0);

    /** The VMA that covers vpn, or a detached one whose PTEs a munmap in progress has yet to zap; null if none. */
    public VmArea findVmaOrDetached(long vpn) {
        VmArea v = findVma(vpn);
        if (v == null) {
            for (VmArea d : detachedVmas) {
                if (d.contains(vpn)) {
                    return d;
                }
            }
        }
        return v;
    }

    public VmArea findVma(long vpn) {
        Map.Entry<Long, VmArea> e = vmas.floorEntry(vpn);
        if (e == null) {
            return null;
        }
        VmArea v = e.getValue();
        return v.contains(vpn) ? v : null;
    }

    /** The VMAs that overlap [startVpn, endVpn), in address order. */
    public List<VmArea> vmasIn(long startVpn, long endVpn) {
        List<VmArea> out = new ArrayList<>();
        Map.Entry<Long, VmArea> first = vmas.floorEntry(startVpn);
        Long from = first != null && first.getValue().endVpn > startVpn ? first.getKey() : vmas.ceilingKey(startVpn);
        if (from == null) {
            return out;
        }
        for (VmArea v : vmas.tailMap(from, true).values()) {
            if (v.startVpn >= endVpn) {
                break;
            }
            out.add(v);
        }
        return out;
    }

    /** The anon_vma family, created on the first anonymous fault (anon_vma_prepare()). */
    public AnonVma anonVma() {
        if (anonVma == null) {
            anonVma = new AnonVma(this);
        }
        return anonVma;
    }

    /**
     * Splits the VMA that contains vpn so that a VMA starts exactly at vpn (__split_vma()). Does
     * nothing if vpn is already a boundary or is not mapped.
     */
    public void splitAt(long vpn) {
        VmArea v = findVma(vpn);
        if (v == null || v.startVpn == vpn) {
            return;
        }
        new HugeMemory(kernel).splitIfStraddled(this, vpn, "the VMA splits at " + Kernel.hex(vpn << Kernel.PAGE_SHIFT) + " (vma_adjust_trans_huge)");
        VmArea tail = new VmArea(this, vpn, v.endVpn, v.flags, v.mapping, v.indexOf(vpn), v.file);
        tail.hasAnonVma = v.hasAnonVma;
        tail.anonShift = v.anonShift;
        tail.hugetlbResv = v.hugetlbResv;
        tail.hugetlbUnmapped = v.hugetlbUnmapped;
        v.endVpn = vpn;
        vmas.put(vpn, tail);
        if (v.mapping != null) {
            v.mapping.vmas.add(tail);
        }
    }

    /**
     * Removes a VMA whose PTEs are already zapped. The shmem object of a shared anonymous mapping
     * is referenced only by its VMAs (vma->vm_file): when the last one goes, so does the object.
     */
    public void removeVma(VmArea v) {
        vmas.remove(v.startVpn);
        kernel.debug().vmaRemoved(this, v.startVpn, v.endVpn);
        if (v.mapping != null) {
            v.mapping.vmas.remove(v);
        }
        if ((v.flags & VmArea.VM_HUGETLB) != 0) {
            new Hugetlb(kernel).closeVma(v);
        }
        if (v.mapping != null) {
            if (v.mapping.inode == null && v.mapping.vmas.isEmpty()) {
                shmemEvictInode(v.mapping, v.start());
            } else if (v.mapping.vmas.isEmpty()) {
                v.mapping.inode.lastMappingGone();
            }
        }
    }

    /**
     * The last fput() of a shared anonymous mapping's shmem file: shmem_evict_inode() ->
     * shmem_truncate_range() takes every page out of the object and frees it. A page something
     * still holds (a pin, a GUP reference) is only dropped from the object; it is freed when the
     * holder lets go.
     */
    private void shmemEvictInode(AddressSpace shmem, long address) {
        if (shmem.pages.isEmpty()) {
            return;
        }
        int held = 0;
        int n = shmem.pages.size();
        for (Page f : List.copyOf(shmem.pages.values())) {
            shmem.pages.remove(f.index);
            for (Page p : f.createdSubpages()) {
                // a hugetlb folio's tails point at the page cache too
                p.mapping = null;
            }
            kernel.leftPageCache(f, shmem);
            kernel.maybeFree(f);
            held += f.isFree() ? 0 : 1;
        }
        kernel.trace().record(owner.name(), TraceKind.INFO, address, -1, shmem.name() + " has no mapping left: " + n + " page(s) removed (shmem_evict_inode)"
                + (held > 0 ? ", " + held + " still held by GUP references or pins, freed when they are released" : ", freed"));
    }

    public void addVma(VmArea v) {
        vmas.put(v.startVpn, v);
        if (v.mapping != null) {
            v.mapping.vmas.add(v);
        }
    }

    /** mmu_notifier_invalidate_range_start() on this mm. Returns false if a subscriber refused a non-blockable range. */
    public boolean notifyStart(MmuNotifierEvent event, long startVpn, long endVpn, boolean blockable) {
        return notifyStart(event, startVpn, endVpn, blockable, null);
    }

    /** mmu_notifier_invalidate_range_start() with the range's owner (MMU_NOTIFY_MIGRATE). */
    public boolean notifyStart(MmuNotifierEvent event, long startVpn, long endVpn, boolean blockable, Object owner) {
        if (subscriptions.isEmpty()) {
            return true;
        }
        return subscriptions.invalidateStart(new MmuNotifierRange(this.owner, event, startVpn << Kernel.PAGE_SHIFT, endVpn << Kernel.PAGE_SHIFT, blockable, owner));
    }

    /**
     * mmu_notifier_invalidate_range_start() of a blockable range for a caller that can still fail
     * (fork): false if a subscriber refused it and the model lets it
     * ({@link io.pinsim.runtime.model.NotifierFailure#PROPOSAL_MAY_FAIL}); the range is then closed.
     */
    public boolean notifyStartOrFail(MmuNotifierEvent event, long startVpn, long endVpn) {
        if (subscriptions.isEmpty()) {
            return true;
        }
        return subscriptions.invalidateStart(new MmuNotifierRange(this.owner, event, startVpn << Kernel.PAGE_SHIFT, endVpn << Kernel.PAGE_SHIFT, true, null), true);
    }

    /** mmu_notifier_invalidate_range_end() on this mm. */
    public void notifyEnd(MmuNotifierEvent event, long startVpn, long endVpn) {
        if (subscriptions.isEmpty()) {
            return;
        }
        subscriptions.invalidateEnd(new MmuNotifierRange(owner, event, startVpn << Kernel.PAGE_SHIFT, endVpn << Kernel.PAGE_SHIFT, true, null));
    }

    /**
     * mmu_interval_notifier_insert(): a driver subscribes to invalidations of [start, start+length)
     * of this process. Usually called through a device's {@code DriverContext}.
     */
    public MmuIntervalNotifierImpl insertIntervalNotifier(long start, long length, MmuIntervalNotifierOps ops, String name) {
        return insertIntervalNotifier(start, length, ops, name, null, name);
    }

    /**
     * {@link #insertIntervalNotifier(long, long, MmuIntervalNotifierOps, String)} for a driver
     * {@code actor} whose invalidate callback takes the lock {@code lockId} first (see
     * {@link io.pinsim.runtime.internal.locking.Mutexes}); null if it names none.
     */
    public MmuIntervalNotifierImpl insertIntervalNotifier(long start, long length, MmuIntervalNotifierOps ops, String name, String lockId, String actor) {
        Objects.requireNonNull(ops, "ops");
        Objects.requireNonNull(name, "name");
        // __mmu_interval_notifier_insert(): length == 0 || check_add_overflow(start, length - 1, &last) is -EOVERFLOW
        if (length == 0 || Long.compareUnsigned(start + (length - 1), start) < 0) {
            throw new ErrnoException(Errno.EOVERFLOW, "mmu_interval_notifier_insert", "range " + Kernel.hex(start) + "+" + length
                    + (length == 0 ? " is empty" : " wraps past 2^64") + " (__mmu_interval_notifier_insert)");
        }
        if (Long.compareUnsigned(start + (length - 1), Kernel.TASK_SIZE) >= 0) {
            // the kernel takes it, and nothing can ever be mapped there to invalidate
            throw new IllegalArgumentException("interval " + Kernel.hex(start) + "+" + length + " lies outside the user address space (TASK_SIZE "
                    + Kernel.hex(Kernel.TASK_SIZE) + "): it would never be invalidated; watch memory the process can map");
        }
        long s = start >>> Kernel.PAGE_SHIFT;
        long e = MmCore.pages(start + length);
        if (!subscriptions.isRegistered()) {
            // the mm's first notifier: mmu_interval_notifier_insert() -> mmu_notifier_register() -> mmap_write_lock(); while a
            // stepped MADV_DONTNEED held mmap_lock (its invalidate_range_start had found no subscriber) a driver inserted one,
            // faulted the page in and kept it after the zap (fuzzer seed 5, sequence 9109: dma-to-freed-frame)
            MmapLockWait.forWrite(this, "mmu_interval_notifier_insert()");
        }
        MmuIntervalNotifierImpl sub = subscriptions.insert(s, e, ops, name);
        sub.lockId = lockId;
        sub.actor = actor;
        kernel.trace().record(name, TraceKind.NOTIFIER, start, -1, "interval notifier inserted on \"" + owner.name() + "\" " + Kernel.hex(start) + "-" + Kernel.hex(start + length));
        return sub;
    }

    /**
     * exit_mmap(): mmu_notifier_release() (RELEASE to interval notifiers, -&gt;release to classic
     * subscribers, which go), then unmap every VMA (UNMAP, which interval notifiers still see), and
     * leave the anon_vma family.
     */
    public void exitMmap() {
        subscriptions.release();
        for (VmArea v : List.copyOf(detachedVmas)) { // a munmap in progress detached them (the kernel would exit after it)
            new Zap(kernel).zapRange(this, v.startVpn, v.endVpn, MmuNotifierEvent.UNMAP);
        }
        for (VmArea v : List.copyOf(vmas.values())) {
            new Zap(kernel).zapRange(this, v.startVpn, v.endVpn, MmuNotifierEvent.UNMAP);
            removeVma(v);
        }
        kernel.removeFromFamilies(this);
        kernel.hugeZero.mmExit(this);
    }

    /**
     * __oom_reap_task_mm(): unmaps the private memory with non-blockable MMU_NOTIFY_UNMAP
     * invalidations; a VMA whose notifier refuses is skipped.
     *
     * @return whether every VMA could be reaped
     */
    public boolean oomReapTaskMm() {
        boolean all = true;
        for (VmArea v : List.copyOf(vmas.values())) {
            if (v.isShared()) {
                // __oom_reap_task_mm(): only vma_is_anonymous(vma) || !(vma->vm_flags & VM_SHARED).
                continue;
            }
            if (!notifyStart(MmuNotifierEvent.UNMAP, v.startVpn, v.endVpn, false)) {
                all = false;
                kernel.trace().record("oom_reaper", TraceKind.INFO, v.start(), -1, "skipped " + v + ": an mmu notifier refused the non-blockable invalidation");
                continue;
            }
            new Zap(kernel).zapRange(this, v.startVpn, v.endVpn, null);
            notifyEnd(MmuNotifierEvent.UNMAP, v.startVpn, v.endVpn);
        }
        return all;
    }
}
