package io.pinsim.runtime.internal.mm;

import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.TransparentHugepage;
import io.pinsim.runtime.internal.locking.DmaResvLockdep;
import io.pinsim.runtime.internal.locking.LockdepImpl;
import io.pinsim.runtime.internal.locking.Mutexes;
import io.pinsim.runtime.internal.locking.PageLocks;
import io.pinsim.runtime.model.DmaResvLockdepPriming;
import io.pinsim.runtime.model.MmuNotifierLockdep;
import io.pinsim.runtime.KernelBugException;
import io.pinsim.runtime.Leak;
import io.pinsim.runtime.model.CowReuse;
import io.pinsim.runtime.model.ForkPinned;
import io.pinsim.runtime.model.GupFastVsFork;
import io.pinsim.runtime.model.GupReadOnShared;
import io.pinsim.runtime.model.KernelModel;
import io.pinsim.runtime.model.PinAccounting;
import io.pinsim.runtime.trace.FrameSnapshot;
import io.pinsim.runtime.trace.KernelLog;
import io.pinsim.runtime.trace.Trace;
import io.pinsim.runtime.trace.TraceKind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * What every part of the model shares: physical memory and the page allocator (mm/page_alloc.c),
 * the shared zero page, swap space, reverse mapping, the model's switches, the trace and the kernel
 * log, and the step wrapper that runs each top-level operation and checks the invariants over the
 * frames it touched (the model's CONFIG_DEBUG_VM). One per simulated kernel; nothing is static.
 */
public final class MmCore {
    private final KernelModel model;
    private final long seed;
    private final long memoryFrames;
    /** The model's CONFIG_DEBUG_VM bookkeeping: what each operation touched, for the invariants and snapshots. */
    private final DebugVm debug;
    private final String name;
    private final Trace trace;
    private final KernelLog log;
    private final LockdepImpl lockdep;
    /** The sleeping locks (drivers' mutexes) and who holds them. */
    public final Mutexes mutexes = new Mutexes();
    /** PG_locked of every frame, with the stepped operation that holds it (lock_page()). */
    public final PageLocks pageLocks = new PageLocks();
    private final DmaResvLockdepPriming priming;
    /** The model's {@link MmuNotifierLockdep}: where the mmu notifier lockdep map is taken. */
    public final MmuNotifierLockdep notifierLockdep;
    private String actor;
    private final Rmap rmap = new Rmap();
    /** The swap device. */
    public final SwapSpace swap = new SwapSpace();
    private final SplittableRandom random;

    private final FrameTable frames = new FrameTable();
    private long nextPfn = 1;
    private long[] freePfns = new long[16];
    private int freeCount;
    private long used;
    private final Page zeroPage;

    /** Every address space ever created, live or not (exit_mmap() leaves an empty one), for the full invariant check. */
    private final List<Mm> mms = new ArrayList<>();
    private final List<Pending> pending = new ArrayList<>();
    /** Device-private memory (ZONE_DEVICE): every device's pool. */
    public final DeviceMemory deviceMemory = new DeviceMemory(this);
    private final int[] ids = new int[IdKind.values().length];
    private int staleWarnings;
    /** user->locked_vm of the one user every process runs as (io_uring's accounting). */
    public final UserLockedVm userLockedVm = new UserLockedVm();
    private int depth;

    private final boolean biasedPins;
    private final boolean anonExclusiveEra;
    private final boolean pinnedAnonExclusive;
    /** /sys/kernel/mm/transparent_hugepage/enabled, writable at run time. */
    public TransparentHugepage thp;
    /** /sys/kernel/mm/transparent_hugepage/use_zero_page (1 by default): read faults map the huge zero page. */
    public boolean thpUseZeroPage = true;
    /** The huge zero page, allocated on first use. */
    public final HugeZeroPage hugeZero = new HugeZeroPage(this);
    /** The deferred split queue of partly unmapped THPs and its shrinker. */
    public final DeferredSplit deferredSplit = new DeferredSplit(this);
    /** The 2 MiB hugetlb pool (nr_hugepages, the default hstate). */
    public final HugetlbPool hugetlb;
    /** The 1 GiB hugetlb pool (hugepages-1048576kB/nr_hugepages, the gigantic hstate). */
    public final HugetlbPool hugetlb1g;

    /** An operation that waits (a truncate waiting for direct I/O or a pin); retried after every step. */
    public interface Pending {
        /** Tries to finish; true when done. */
        boolean tryRun();
    }

    private final PinRevocation pinRevocation = new PinRevocation(this);

    /** Revoke callbacks and dummy pages (TruncatePinnedPage.PROPOSAL_NOTIFY_THEN_DUMMY_PAGE). */
    public PinRevocation pinRevocation() {
        return pinRevocation;
    }

    /** The state of a new kernel built from this configuration. */
    public MmCore(Kernel.Config config) {
        this.model = config.model();
        this.seed = config.seed();
        this.memoryFrames = config.memoryFrames();
        this.trace = new Trace(config.trace());
        this.debug = new DebugVm(this, config.invariants(), config.fullInvariantChecks(), config.frameSnapshots());
        this.name = config.name() != null ? config.name() : model.name();
        this.log = new KernelLog(this.name);
        this.random = new SplittableRandom(seed);
        this.biasedPins = model.get(PinAccounting.class) == PinAccounting.PIN_COUNTING_BIAS;
        this.anonExclusiveEra = model.get(CowReuse.class) == CowReuse.ANON_EXCLUSIVE;
        this.pinnedAnonExclusive = anonExclusiveEra
                && model.get(GupReadOnShared.class) != GupReadOnShared.RETURN_SHARED
                && model.get(ForkPinned.class) != ForkPinned.SHARE_WRPROTECT
                && model.get(io.pinsim.runtime.model.HugetlbForkPinned.class) != io.pinsim.runtime.model.HugetlbForkPinned.SHARE_WRPROTECT
                && model.get(GupFastVsFork.class) == GupFastVsFork.WRITE_PROTECT_SEQ;
        this.thp = config.thp();
        this.lockdep = new LockdepImpl(config.lockdep(), trace, log);
        this.priming = model.get(DmaResvLockdepPriming.class);
        this.notifierLockdep = model.get(MmuNotifierLockdep.class);
        DmaResvLockdep.prime(lockdep, priming);
        this.zeroPage = new Page(this, 0, new Content());
        zeroPage.flags = Page.ZERO_PAGE;
        frames.set(0, zeroPage);
        this.hugetlb = new HugetlbPool(this, HugetlbPool.ORDER_2M, config.hugetlbPages());
        this.hugetlb1g = new HugetlbPool(this, HugetlbPool.ORDER_1G, config.hugetlbPages1g());
    }

    public KernelModel model() {
        return model;
    }

    /** The kernel's lockdep. */
    public LockdepImpl lockdep() {
        return lockdep;
    }

    /**
     * The actor of the step running now, or null between steps: the outermost caller, since a
     * nested call (a device's GUP on a process) runs in the caller's task and holds its locks.
     */
    public String currentActor() {
        return actor;
    }

    public long seed() {
        return seed;
    }

    public SplittableRandom random() {
        return random;
    }

    public Trace trace() {
        return trace;
    }

    public KernelLog log() {
        return log;
    }

    public String name() {
        return name;
    }

    /** ZERO_PAGE(0). */
    public Page zeroPage() {
        return zeroPage;
    }

    /** The frame with this pfn if it is allocated, or null. */
    public Page frame(long pfn) {
        return frames.get(pfn);
    }

    public long usedFrames() {
        return used;
    }

    public long freeFrames() {
        return memoryFrames - used;
    }

    public long memoryFrames() {
        return memoryFrames;
    }

    public Rmap rmap() {
        return rmap;
    }

    /** Whether FOLL_PIN adds GUP_PIN_COUNTING_BIAS (PinAccounting.PIN_COUNTING_BIAS). */
    public boolean pinsAreBiased() {
        return biasedPins;
    }

    /**
     * Whether PG_anon_exclusive exists: under {@link CowReuse#ANON_EXCLUSIVE} only. 6c287605fd56
     * (5.19) brought the flag together with do_wp_page()'s rule that trusts and re-sets it; a write
     * fault that ignored it would leave no way to make a page exclusive again after fork, so no other
     * switch value can bring the flag on its own. The values that read the flag require this one
     * (see {@link io.pinsim.runtime.model.Switch.Requires}); {@link Page#setAnonExclusive()} and
     * {@link Page#clearAnonExclusive()} are no-ops without it.
     */
    public boolean anonExclusiveEra() {
        return anonExclusiveEra;
    }

    /**
     * Whether every pinned anonymous page is PageAnonExclusive, the guarantee
     * sanity_check_pinned_pages() checks (5.19). Four mechanisms give it together: the flag itself,
     * GUP taking pins only on exclusive pages (R/O pins unshare, a7f226604170, or break COW,
     * 17839856fd58), fork never sharing a page that may be pinned (page_try_dup_anon_rmap(), or the
     * early copy of 70e806e4e645) and GUP-fast backing off while fork clears the flag
     * (write_protect_seq, 57efa1fe5957), for hugetlb folios too (HugetlbForkPinned). A variant without one of them runs, and its pins can go
     * stale exactly as the kernel's would; the invariant is only checked where it holds.
     */
    public boolean pinnedAnonPagesExclusive() {
        return pinnedAnonExclusive;
    }

    /** Registers a new address space for the full invariant check. */
    void registerMm(Mm mm) {
        mms.add(mm);
    }

    /**
     * The next id of an object of this kind (1, 2, ...: a direct I/O, a bio, a pipe, an io_uring),
     * for names in traces and messages.
     */
    public int nextId(IdKind kind) {
        return ++ids[kind.ordinal()];
    }

    /** What {@link #nextId} numbers, each kind from 1. */
    public enum IdKind { DIO, BIO, PIPE, RING }

    /**
     * dio_warn_stale_pagecache()'s ratelimit: true for the first ten warnings (a burst of 10 per
     * 86400 s; the model has no clock).
     */
    public boolean staleWarningAllowed() {
        return staleWarnings++ < 10;
    }

    /**
     * Runs one top-level operation: opens a trace step, records an ERRNO event if it fails, retries
     * the waiting operations and checks the invariants over the frames it touched when the
     * outermost operation ends.
     */
    public <T> T op(String actor, String call, long address, Supplier<T> body) {
        int step = trace.begin(actor, call, address);
        String outer = this.actor;
        if (outer == null) {
            this.actor = actor;
        }
        depth++;
        boolean ok = false;
        try {
            T r = body.get();
            ok = true;
            return r;
        } catch (ErrnoException e) {
            trace.record(actor, TraceKind.ERRNO, address, -1, e.getMessage());
            throw e;
        } finally {
            depth--;
            this.actor = outer;
            trace.end();
            if (depth == 0) {
                retryPending();
                debug.endOp(step, ok);
            }
        }
    }

    /** {@link #op} for a body without a result. */
    public void run(String actor, String call, long address, Runnable body) {
        op(actor, call, address, () -> {
            body.run();
            return null;
        });
    }

    /**
     * Whether an operation waits (see {@link #startPending}): it is retried after every step, so
     * any step may then touch what it touches; step footprints say "everything".
     */
    public boolean hasPendingOps() {
        return !pending.isEmpty();
    }

    /** Starts an operation that may wait; it is retried after every step until it is done. */
    public <P extends Pending> P startPending(P op) {
        if (!op.tryRun()) {
            pending.add(op);
        }
        return op;
    }

    /**
     * Retries each waiting operation once, oldest first. One pass is enough: they wait only for
     * direct I/O and for page references, and finishing one releases neither.
     */
    private void retryPending() {
        if (pending.isEmpty()) {
            return;
        }
        depth++;
        try {
            pending.removeIf(Pending::tryRun);
        } finally {
            depth--;
        }
    }

    /** What kmemleak would report now: see {@link Kmemleak}. */
    public List<Leak> leaks() {
        List<Leak> out = new Kmemleak(this, frames, mms).scan();
        deviceMemory.leaks(out);
        return out;
    }

    /** Whether an operation is running (the bookkeeping of {@link DebugVm} counts only inside one). */
    boolean inOp() {
        return depth > 0;
    }

    /** The CONFIG_DEBUG_VM bookkeeping of this kernel. */
    DebugVm debug() {
        return debug;
    }

    /** Checks every invariant over every allocated frame and every address space. */
    public void checkInvariants() {
        List<Page> all = new ArrayList<>();
        frames.forEach(all::add);
        new Invariants(this).checkAll(all, mms);
    }

    /** The snapshots recorded at the end of each step, oldest first; empty when snapshots are off. */
    public List<FrameSnapshot> frameSnapshots() {
        return debug.frameSnapshots();
    }

    /** Notes that an operation wrote the frame's content (see {@link DebugVm#wrote}). */
    public void wrote(Page f) {
        debug.wrote(f);
    }

    /** Notes that an operation changed this frame, for the invariant check and the snapshot at its end. */
    public void touch(Page f) {
        debug.touch(f);
    }

    /** Notes that a page leaves the page cache {@code from} (see {@link DebugVm#leftPageCache}). */
    public void leftPageCache(Page f, AddressSpace from) {
        debug.leftPageCache(f, from);
    }

    /**
     * alloc_page(): a new frame, or null if physical memory is exhausted. User pages are
     * GFP_HIGHUSER_MOVABLE, which may reclaim: fs_reclaim_acquire() annotates it for lockdep when the
     * actor holds a modelled lock (without one no edge can arise, so the check stays one lookup).
     */
    public Page allocFrame(Content content) {
        if (actor != null && lockdep.holdsAny(actor)) {
            DmaResvLockdep.mayReclaim(lockdep, actor, true, true, notifierLockdep);
        }
        if (used >= memoryFrames) {
            return null;
        }
        long pfn = freeCount > 0 ? freePfns[--freeCount] : nextPfn++;
        Page f = new Page(this, pfn, content);
        f.allocStep = trace.step();
        frames.set(pfn, f);
        used++;
        touch(f);
        return f;
    }

    /** Reserves nr contiguous, nr-aligned pfns for a compound page; -1 if fewer than nr frames are free. */
    long reservePfns(long nr) {
        if (used + nr > memoryFrames) {
            return -1;
        }
        long pfn = (nextPfn + nr - 1) & -nr;
        nextPfn = pfn + nr;
        used += nr;
        return pfn;
    }

    /** Gives nr frames from pfn on back to the page allocator (a hugetlb pool that shrinks). */
    void releasePfns(long pfn, long nr) {
        for (long i = 0; i < nr; i++) {
            freePfns = freeCount == freePfns.length ? Arrays.copyOf(freePfns, freeCount * 2) : freePfns;
            freePfns[freeCount++] = pfn + i;
        }
        used -= nr;
    }

    /** Enters a compound head, or a tail created on first use ({@link Page#subpage}), in the frame table. */
    void setFrame(Page p) {
        frames.set(p.pfn(), p);
        touch(p);
    }

    /** Frees the frame if nothing references it any more (put_page() reaching zero). */
    public void maybeFree(Page f) {
        if (f.isFree() || f.isZeroPage()) {
            return;
        }
        if (HugeZeroPage.is(f)) {
            hugeZero.maybeRelease();
            return;
        }
        if (f.refcount() == 0) {
            freeFrame(f);
        }
    }

    /** __free_page(); for a compound page, every subpage of the folio (free_compound_page()). */
    public void freeFrame(Page f) {
        Page h = f.compoundHead();
        deferredSplit.remove(h);
        for (Page p : h.createdSubpages()) {
            p.flags |= Page.FREE;
            touch(p);
        }
        if (h.isHugetlb()) {
            // free_huge_folio(): back to the hugetlb pool, not to the page allocator
            for (Page p : h.createdSubpages()) {
                frames.set(p.pfn(), null);
            }
            HugetlbPool.of(this, h.order()).release(h);
            return;
        }
        for (int i = 0; i < h.nrPages(); i++) {
            frames.set(h.pfn() + i, null);
            freePfns = freeCount == freePfns.length ? Arrays.copyOf(freePfns, freeCount * 2) : freePfns;
            freePfns[freeCount++] = h.pfn() + i;
            used--;
        }
    }

    /** The frame a present PTE maps; a KernelBugException if it is free. */
    public Page frameOfPte(long pte) {
        Page f = frames.get(Pte.pfn(pte));
        Page h = f == null ? frames.headCovering(Pte.pfn(pte)) : null;
        if (h != null) {
            return h.subpage((int) (Pte.pfn(pte) - h.pfn()));
        }
        if (f == null) {
            throw new KernelBugException("pte-maps-free-frame", "a present PTE maps pfn " + Pte.pfn(pte) + " which is free", trace.render());
        }
        return f;
    }

    /** Removes an exiting address space from its anon_vma family. */
    public void removeFromFamilies(Mm mm) {
        if (mm.anonVma != null) {
            mm.anonVma.mms.remove(mm);
        }
    }

    /** The number of pages that cover {@code length} bytes. */
    public static long pages(long length) {
        return (length + Kernel.PAGE_SIZE - 1) >>> Kernel.PAGE_SHIFT;
    }

    /** A byte as the trace shows it: {@code 'A'} or {@code 0x00}. */
    public static String describeByte(byte b) {
        return b >= 0x20 && b < 0x7f ? "'" + (char) b + "'" : String.format("0x%02x", b & 0xff);
    }

    /** Up to len bytes as the trace shows them. */
    public static String describeBytes(byte[] b, int off, int len) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = off; i < off + Math.min(len, b.length - off); i++) {
            sb.append(b[i] >= 0x20 && b[i] < 0x7f ? Character.toString((char) b[i]) : String.format("\\x%02x", b[i] & 0xff));
        }
        return sb.append("...\"").toString();
    }

    /** Checks that [offset, offset + length) lies within one page. */
    public static void checkRange(int offset, int length) {
        if (offset < 0 || length < 0 || length > Kernel.PAGE_SIZE - offset) {
            throw new IllegalArgumentException("offset " + offset + " and length " + length + " must lie within one page of " + Kernel.PAGE_SIZE + " bytes");
        }
    }
}
