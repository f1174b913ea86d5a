package io.pinsim.runtime.internal.mm;

import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Footprint;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MmuNotifierEvent;
import io.pinsim.runtime.MmuNotifierRange;
import io.pinsim.runtime.Steppable;
import io.pinsim.runtime.model.MunmapLock;
import java.util.ArrayList;
import java.util.List;

/**
 * munmap() and madvise(MADV_DONTNEED) as the steps another thread can observe: both reach
 * zap_page_range() (unmap_vmas() for munmap, zap_page_range_single() for DONTNEED) between
 * mmu_notifier_invalidate_range_start() and _end(). The steps, and what cuts them:
 * <ol>
 * <li>take mmap_lock: for write in munmap (__do_munmap()), for read in DONTNEED
 *     (madvise_need_mmap_write() is false for it); blocked while another thread holds it for
 *     write (or, for write, for read);</li>
 * <li>invalidate_range_start: mn_itree_inv_start_range() makes the mm's invalidate_seq odd if an
 *     interval notifier overlaps (under subscriptions-&gt;lock, a spinlock: one step);</li>
 * <li>one step per overlapping interval notifier: its -&gt;invalidate(), which first takes the
 *     driver's lock (mlx5_ib_invalidate_range(): umem_mutex), so the step is blocked while another
 *     thread holds that lock; then the classic subscribers, and the notifier map is released;</li>
 * <li>one step per page table: zap_pte_range() under its PTE lock (pte_offset_map_lock());</li>
 * <li>invalidate_range_end: mn_itree_inv_end() makes invalidate_seq even and wakes the threads
 *     sleeping in mmu_interval_read_begin();</li>
 * <li>munmap removes the VMAs (remove_vma()); release mmap_lock.</li>
 * </ol>
 With {@link MunmapLock#DOWNGRADED_FOR_ZAP} (4.20+, dd2283f2605e; 6.x do_vmi_align_munmap()) munmap's
 * first step also detaches the VMAs from the mm and downgrades mmap_lock to read
 * (mmap_write_downgrade()), so a fault, GUP's slow path or a device's hmm_range_fault() runs
 * during the zap and finds no VMA; the VMAs are freed in the last step (remove_mt()).
 * {@link MunmapLock#HELD_FOR_WRITE} (4.19) keeps the write lock and the VMAs to the end.
 * Departure: DONTNEED of a range with holes is refused up front (ENOMEM) instead of zapping the
 * mapped parts and then returning ENOMEM.
 */
public final class ZapSteps implements Steppable {
    private enum Phase { LOCK, START, CALLBACK, ZAP, END, UNLOCK, DONE }

    private final MmCore k;
    private final Mm mm;
    private final String actor;
    private final boolean unmap;
    private final long startVpn;
    private long endVpn;
    private final String call;
    private Phase phase = Phase.LOCK;
    private MmuNotifierRange range;
    private boolean began;
    private List<MmuIntervalNotifierImpl> hits = List.of();
    private int hit;
    private long cursor;
    /** munmap with {@link MunmapLock#DOWNGRADED_FOR_ZAP}: the VMAs detached in the first step, freed in the last. */
    private List<VmArea> detached;

    /**
     * The steps of munmap ({@code unmap}) or MADV_DONTNEED of [startVpn, endVpn) of mm by
     * {@code actor}; the caller has checked the arguments.
     */
    public ZapSteps(Mm mm, String actor, boolean unmap, long startVpn, long endVpn, String call) {
        this.k = mm.kernel;
        this.mm = mm;
        this.actor = actor;
        this.unmap = unmap;
        this.startVpn = startVpn;
        this.endVpn = endVpn;
        this.call = call;
        this.cursor = startVpn;
    }

    /**
     * munmap(addr, length) as steps, its arguments checked as {@code Process.munmap} checks them.
     *
     * @throws ErrnoException EINVAL for an unaligned address, a length that is not positive or a
     *                        range outside the user address space
     */
    public static ZapSteps munmap(Mm mm, String actor, long addr, long length) {
        if ((addr & (Kernel.PAGE_SIZE - 1)) != 0) {
            throw new ErrnoException(Errno.EINVAL, "munmap", "address " + Kernel.hex(addr) + " is not page aligned");
        }
        if (length <= 0 || addr < 0 || addr > Kernel.TASK_SIZE || length > Kernel.TASK_SIZE - addr) {
            throw new ErrnoException(Errno.EINVAL, "munmap", length <= 0 ? "length is " + length : "range is outside the user address space");
        }
        long start = addr >>> Kernel.PAGE_SHIFT;
        // do_vmi_munmap() -> __split_vma() -> hugetlb_vm_op_split(): a cut inside a huge page is EINVAL before
        // anything changes, as the plain munmap() refuses it (without it the steps zapped part of a hugetlb folio's PMD: fuzzer seed 0, sequence 760)
        Hugetlb.checkSplit(mm, start, start + MmCore.pages(length), "munmap");
        return new ZapSteps(mm, actor, true, start, start + MmCore.pages(length), "munmap(" + Kernel.hex(addr) + ", " + length + ")");
    }

    /**
     * madvise(addr, length, MADV_DONTNEED) as steps.
     *
     * @throws ErrnoException EINVAL for an unaligned address or a length that is not positive;
     *                        ENOMEM if part of the range is not mapped (nothing is zapped)
     */
    public static ZapSteps dontneed(Mm mm, String actor, long addr, long length) {
        if ((addr & (Kernel.PAGE_SIZE - 1)) != 0 || length <= 0 || addr < 0 || length > Kernel.TASK_SIZE - addr) {
            throw new ErrnoException(Errno.EINVAL, "madvise", (addr & (Kernel.PAGE_SIZE - 1)) != 0 ? "address " + Kernel.hex(addr) + " is not page aligned"
                    : "length " + length + " is not a positive length inside the user address space");
        }
        long start = addr >>> Kernel.PAGE_SHIFT;
        long end = start + MmCore.pages(length);
        long zapEnd = end;
        for (long vpn = start; vpn < end;) {
            VmArea v = mm.findVma(vpn);
            if (v == null) {
                throw new ErrnoException(Errno.ENOMEM, "madvise", Kernel.hex(vpn << Kernel.PAGE_SHIFT) + " is not mapped: the stepped MADV_DONTNEED takes only a fully mapped range");
            }
            if ((v.flags & VmArea.VM_HUGETLB) != 0) {
                // as the plain madvise(): refused up to 5.17, else an aligned start and the end rounded down to the huge page
                // (madvise_dontneed_free_valid_vma()); without it the steps split the hugetlb PMD (fuzzer seed 0, sequence 112)
                long to = Math.min(v.endVpn, end);
                long rounded = Hugetlb.madviseEnd(mm.kernel, v, vpn, to, io.pinsim.runtime.Advice.DONTNEED);
                if (rounded < to) {
                    zapEnd = Math.max(vpn, rounded); // only the last VMA of the range can end inside a huge page
                }
            }
            vpn = v.endVpn;
        }
        return new ZapSteps(mm, actor, false, start, zapEnd, "madvise(" + Kernel.hex(addr) + ", " + length + ", MADV_DONTNEED)");
    }

    @Override
    public String actor() {
        return actor;
    }

    @Override
    public boolean isDone() {
        return phase == Phase.DONE;
    }

    private String lockId() {
        return mm.objectId() + ":mmap_lock";
    }

    private String notifiersId() {
        return mm.objectId() + ":notifiers";
    }

    @Override
    public boolean isBlocked() {
        return waitsFor() != null;
    }

    /** mmap_lock while another thread holds it (for write; for munmap also for read); a callback's driver lock while another actor holds it. */
    @Override
    public String waitsFor() {
        if (phase == Phase.LOCK) {
            boolean busy = (mm.mmapWriteLocker != null && mm.mmapWriteLocker != this) || (unmap && !mm.mmapReaders.isEmpty());
            return busy ? lockId() : null;
        }
        if (phase == Phase.CALLBACK) {
            String lock = hits.get(hit).lockId();
            String owner = lock == null ? null : k.mutexes.owner(lock);
            return owner != null && !owner.equals(actor) ? lock : null;
        }
        return null;
    }

    /** mmap_lock from the first step to the last; the open invalidation (what mmu_interval_read_begin() waits for) from start to end. */
    @Override
    public List<String> holds() {
        List<String> held = new ArrayList<>(2);
        if (phase != Phase.LOCK && phase != Phase.DONE) {
            held.add(lockId());
        }
        if (began && (phase == Phase.CALLBACK || phase == Phase.ZAP || phase == Phase.END)) {
            held.add(notifiersId());
        }
        return held;
    }

    @Override
    public String nextStep() {
        return switch (phase) {
            case LOCK -> call + ": mmap_" + (unmap ? "write" : "read") + "_lock" + (downgrades() ? ", detach the VMAs, mmap_write_downgrade()" : "");
            case START -> "mmu_notifier_invalidate_range_start(" + event() + ")";
            case CALLBACK -> "invalidate_range_start: " + hits.get(hit).name() + "->invalidate()"
                    + (hits.get(hit).lockId() != null ? " takes " + hits.get(hit).lockId() : "");
            case ZAP -> "zap_pte_range() under the PTL at " + Kernel.hex(nextTable() << Kernel.PAGE_SHIFT);
            case END -> "mmu_notifier_invalidate_range_end(" + event() + ")";
            case UNLOCK -> detached != null ? "remove_mt(), mmap_read_unlock" : unmap ? "remove_vma(), mmap_write_unlock" : "mmap_read_unlock";
            case DONE -> "done";
        };
    }

    /** Whether munmap's first step detaches the VMAs and downgrades mmap_lock ({@link MunmapLock#DOWNGRADED_FOR_ZAP}). */
    private boolean downgrades() {
        return unmap && k.model().get(MunmapLock.class) == MunmapLock.DOWNGRADED_FOR_ZAP;
    }

    private MmuNotifierEvent event() {
        return unmap ? MmuNotifierEvent.UNMAP : MmuNotifierEvent.CLEAR;
    }

    /** The first populated vpn at or after the cursor, or -1. */
    /**
     * The next page table with something to zap: a populated PTE, or a PMD entry (a PMD-mapped THP or
     * hugetlb folio, which zap_pmd_range() / __unmap_hugepage_range() zap). Without the PMD entries a
     * stepped munmap of a hugetlb mapping left the folio's PMD behind and removed the VMA: the
     * folio leaked (fuzzer seed 0, sequence 760).
     */
    private long nextTable() {
        long pte = mm.pt.nextPopulated(cursor, endVpn);
        long pmd = mm.pt.nextPmd(cursor, endVpn);
        if (pmd >= 0) {
            pmd = Math.max(pmd, cursor);
        }
        return pte < 0 ? pmd : pmd < 0 ? pte : Math.min(pte, pmd);
    }

    private static long tableEnd(long vpn) {
        return (vpn | 511) + 1;
    }

    /**
     * Taking and dropping mmap_lock writes it (and munmap the VMAs); start and end write the
     * notifier state; a callback runs a driver's code, and a classic subscriber anything:
     * everything; a zap writes the PTEs of its page table and the frames they map, which it may
     * free (the allocator, the swap slots). While another operation waits, everything.
     */
    @Override
    public Footprint nextFootprint() {
        if (k.hasPendingOps()) {
            return Footprint.ALL;
        }
        String id = mm.objectId();
        return switch (phase) {
            case LOCK, UNLOCK -> {
                Footprint.Builder b = Footprint.builder().write(lockId());
                if (unmap) {
                    b.write(id + ":vmas");
                }
                yield b.build();
            }
            case START, END -> mm.subscriptions.listeners.isEmpty() ? Footprint.writes(notifiersId()) : Footprint.ALL;
            case CALLBACK -> Footprint.ALL;
            case ZAP -> {
                long from = nextTable();
                if (from < 0) {
                    yield Footprint.NONE;
                }
                Footprint.Builder b = Footprint.builder().write(id + ":pte").write("alloc").write("swap");
                mm.pt.forEach(from, Math.min(endVpn, tableEnd(from)), (vpn, pte) -> {
                    if (Pte.isPresent(pte) && Pte.pfn(pte) != 0) {
                        b.write("frame:" + Pte.pfn(pte));
                    }
                });
                yield b.build();
            }
            case DONE -> Footprint.NONE;
        };
    }

    @Override
    public void step() {
        if (isDone()) {
            throw new IllegalStateException(call + " is already done");
        }
        if (isBlocked()) {
            throw new IllegalStateException(call + " is blocked: its next step (" + nextStep() + ") waits for " + waitsFor());
        }
        mm.owner.requireAlive();
        long address = phase == Phase.ZAP && nextTable() >= 0 ? nextTable() << Kernel.PAGE_SHIFT : startVpn << Kernel.PAGE_SHIFT;
        k.run(actor, nextStep(), address, this::advance);
    }

    private void advance() {
        switch (phase) {
            case LOCK -> lock();
            case START -> start();
            case CALLBACK -> callback();
            case ZAP -> zap();
            case END -> end();
            case UNLOCK -> unlock();
            default -> throw new IllegalStateException(phase.name());
        }
    }

    private void lock() {
        // The layout may have changed since the call (another operation ran between): the hugetlb checks run again under
        // mmap_lock, as the kernel makes them (fuzzer seed 2, sequence 2229: a DONTNEED checked over a shmem page found a
        // hugetlb folio there at its first step and split its PMD). A refusal ends the operation before anything changes.
        try {
            if (unmap) {
                Hugetlb.checkSplit(mm, startVpn, endVpn, "munmap");
            } else {
                for (VmArea v : mm.vmasIn(startVpn, endVpn)) {
                    if ((v.flags & VmArea.VM_HUGETLB) != 0) {
                        long from = Math.max(v.startVpn, startVpn);
                        long to = Math.min(v.endVpn, endVpn);
                        long rounded = Hugetlb.madviseEnd(k, v, from, to, io.pinsim.runtime.Advice.DONTNEED);
                        if (rounded < to) {
                            endVpn = Math.max(from, rounded);
                        }
                    }
                }
            }
        } catch (ErrnoException e) {
            phase = Phase.DONE;
            throw e;
        }
        if (unmap) {
            mm.mmapWriteLocker = this;
            if (mm.vmasIn(startVpn, endVpn).isEmpty()) {
                phase = Phase.UNLOCK;
                return;
            }
            mm.splitAt(startVpn);
            mm.splitAt(endVpn);
            if (downgrades()) {
                // detach_vmas_to_be_unmapped() / vma_iter_clear_gfp(), then mmap_write_downgrade()
                detached = mm.vmasIn(startVpn, endVpn);
                for (VmArea v : detached) {
                    mm.vmas.remove(v.startVpn);
                }
                mm.detachedVmas.addAll(detached);
                mm.mmapWriteLocker = null;
                mm.mmapReaders.add(this);
            }
        } else {
            mm.mmapReaders.add(this);
        }
        phase = Phase.START;
    }

    private void start() {
        if (startVpn >= endVpn) {
            // a hugetlb MADV_DONTNEED whose end was rounded down to its start: nothing to zap and no invalidation, as the plain
            // madvise() zaps nothing (madvise_dontneed_free() after madvise_dontneed_free_valid_vma()'s ALIGN_DOWN; from memory,
            // not checked in the source: it returns before zap_page_range_single()). An empty range reached the notifiers'
            // callbacks (HmmMirrorFile: IllegalArgumentException, fuzzer seed 1, sequence 5108)
            phase = Phase.END;
            return;
        }
        range = new MmuNotifierRange(mm.owner, event(), startVpn << Kernel.PAGE_SHIFT, endVpn << Kernel.PAGE_SHIFT, true, null);
        if (!mm.subscriptions.isEmpty()) {
            began = true;
            hits = mm.subscriptions.beginStepped(range, actor);
            if (hits.isEmpty()) {
                mm.subscriptions.listenersStepped(range, actor);
            }
        }
        phase = !hits.isEmpty() ? Phase.CALLBACK : nextTable() >= 0 ? Phase.ZAP : Phase.END;
    }

    private void callback() {
        mm.subscriptions.callStepped(hits.get(hit), range);
        hit++;
        if (hit == hits.size()) {
            mm.subscriptions.listenersStepped(range, actor);
            phase = nextTable() >= 0 ? Phase.ZAP : Phase.END;
        }
    }

    private void zap() {
        long from = nextTable();
        if (from >= 0) {
            long to = Math.min(endVpn, tableEnd(from));
            new Zap(k).zapRange(mm, from, to, null);
            cursor = to;
        }
        if (from < 0 || nextTable() < 0) {
            phase = Phase.END;
        }
    }

    private void end() {
        if (began) {
            mm.subscriptions.invalidateEnd(range);
        }
        phase = Phase.UNLOCK;
    }

    private void unlock() {
        if (detached != null) {
            mm.detachedVmas.removeAll(detached);
            for (VmArea v : detached) {
                mm.vmas.put(v.startVpn, v); // back for remove_vma()'s bookkeeping (the file's i_mmap, shmem), within this step
                mm.removeVma(v);
            }
            mm.mmapReaders.remove(this);
        } else if (unmap) {
            for (VmArea v : mm.vmasIn(startVpn, endVpn)) {
                mm.removeVma(v);
            }
            mm.mmapWriteLocker = null;
        } else {
            mm.mmapReaders.remove(this);
        }
        phase = Phase.DONE;
    }

    @Override
    public String toString() {
        return call + " by " + actor + ", next: " + nextStep();
    }
}
