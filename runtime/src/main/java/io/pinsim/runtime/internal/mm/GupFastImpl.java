package io.pinsim.runtime.internal.mm;

import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Footprint;
import io.pinsim.runtime.Foll;
import io.pinsim.runtime.GupFast;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.Steppable;
import io.pinsim.runtime.model.GupFastVsFork;
import io.pinsim.runtime.model.GupReadOnShared;
import io.pinsim.runtime.trace.TraceKind;
import java.util.ArrayList;
import java.util.List;

/**
 * get_user_pages_fast() / pin_user_pages_fast() as a sequence of steps (gup_fast_fallback() in
 * mm/gup.c):
 * <ol>
 * <li>begin: set MMF_HAS_PINNED for FOLL_PIN; with {@link GupFastVsFork#WRITE_PROTECT_SEQ} read
 *     mm->write_protect_seq and give up on the fast path if a fork holds it odd;</li>
 * <li>one step per page: the lockless walk (gup_pte_range()): read the PTE, grab the page, re-check
 *     the PTE. It stops at the first PTE it cannot use: not present, not writable for FOLL_WRITE,
 *     special (the zero page), a R/O pin that must unshare, or - in 5.8 - any PTE that is not already
 *     writable;</li>
 * <li>finish: with write_protect_seq, if the sequence changed, unpin everything just pinned and
 *     send all pages to the slow path (57efa1fe5957);</li>
 * <li>slow path for the rest: it needs mmap_lock, so it waits while a fork holds it.</li>
 * </ol>
 */
public final class GupFastImpl implements Steppable, io.pinsim.runtime.GupFast {
    private enum Phase { BEGIN, WALK, FINISH, SLOW, DONE }

    private final MmCore k;
    private final Gup.Request r;
    private final Gup gup;
    private final List<Page> frames = new ArrayList<>();
    private final List<GupRef> refs = new ArrayList<>();
    private Phase phase = Phase.BEGIN;
    private int seq;
    private boolean seqChecked;
    private GupPagesImpl result;
    /** The errno the slow path failed with, if it did: {@link #result()} has no pages then. */
    private ErrnoException failure;

    public GupFastImpl(MmCore k, Gup.Request r) {
        this.k = k;
        this.r = r;
        this.gup = new Gup(k);
    }

    @Override
    public String actor() {
        return r.thread().actor();
    }

    @Override
    public boolean isDone() {
        return phase == Phase.DONE;
    }

    @Override
    public boolean isBlocked() {
        return phase == Phase.SLOW && (r.process().mm().mmapWriteLocker != null || faultLockHeld() != null);
    }

    /**
     * What a fault of the slow path on the rest of the range would sleep on ({@link FaultLocks}): a
     * file's invalidate lock that a truncate holds for write, or the page lock of a page a stepped
     * writeback or reclaim holds. Null if none.
     */
    private String faultLockHeld() {
        Mm mm = r.process().mm();
        long first = (r.start() >>> Kernel.PAGE_SHIFT) + frames.size();
        long end = (r.start() >>> Kernel.PAGE_SHIFT) + r.nrPages();
        boolean needWritable = (r.flags() & Foll.WRITE) != 0 || k.model().get(GupReadOnShared.class) == GupReadOnShared.FORCE_COW_BREAK;
        for (long vpn = first; vpn < end; vpn++) {
            long pte = mm.pt.get(vpn);
            if (!needWritable && Pte.isPresent(pte) && Pte.pfn(pte) != 0 && k.frameOfPte(pte).isAnon()) {
                continue; // a read of a present anonymous page takes it without a fault (FaultLocks' do_wp_page() case is a write's)
            }
            String id = FaultLocks.waitsFor(k, mm, vpn, this);
            if (id != null) {
                return id;
            }
        }
        return null;
    }

    @Override
    public String nextStep() {
        return switch (phase) {
            case BEGIN -> "begin " + r.call();
            case WALK -> "lockless walk of page " + frames.size() + " at " + Kernel.hex(r.start() + ((long) frames.size() << Kernel.PAGE_SHIFT));
            case FINISH -> "finish the fast walk" + (seqChecked ? " (check write_protect_seq)" : "");
            case SLOW -> "slow path for pages " + frames.size() + ".." + (r.nrPages() - 1) + (isBlocked() ? " (waits for " + FaultLocks.describe(waitsFor()) + ")" : "");
            case DONE -> "done";
        };
    }

    /**
     * What the next step touches (see {@link Footprint}): begin reads write_protect_seq and sets
     * MMF_HAS_PINNED; a lockless walk reads one PTE and the VMAs and grabs the frame the PTE maps
     * (it also reads whether a fork holds mmap_lock, which the invariant check after the step
     * consults); finish reads write_protect_seq and, if it moved, drops the pages it grabbed; the
     * slow path faults and may break COW anywhere in the range, so it touches everything; so does
     * any step while another operation waits, as the model retries it after every step.
     */
    @Override
    public Footprint nextFootprint() {
        if (k.hasPendingOps()) {
            return Footprint.ALL;
        }
        Mm mm = r.process().mm();
        String id = mm.objectId();
        return switch (phase) {
            case BEGIN -> {
                Footprint.Builder b = Footprint.builder();
                if (r.kind() == GupRef.Kind.PIN && k.pinsAreBiased()) {
                    b.write(id + ":has_pinned");
                }
                if (r.kind() == GupRef.Kind.PIN && k.model().get(GupFastVsFork.class) == GupFastVsFork.WRITE_PROTECT_SEQ) {
                    b.read(mm.writeProtectSeq.id());
                }
                yield b.build();
            }
            case WALK -> {
                long vpn = (r.start() >>> Kernel.PAGE_SHIFT) + frames.size();
                long pte = mm.pt.get(vpn);
                Footprint.Builder b = Footprint.builder().read(mm.pteId(vpn)).read(id + ":vmas").read(id + ":mmap_lock");
                if (Pte.isPresent(pte)) {
                    b.write(Page.objectId(Pte.pfn(pte)));
                }
                yield b.build();
            }
            case FINISH -> {
                Footprint.Builder b = Footprint.builder().read(mm.writeProtectSeq.id());
                if (seqChecked && mm.writeProtectSeq.retry(seq)) {
                    for (Page f : frames) {
                        b.write(Page.objectId(f.pfn()));
                    }
                    b.write("alloc");
                }
                yield b.build();
            }
            case SLOW -> Footprint.ALL;
            case DONE -> Footprint.NONE;
        };
    }

    /** While blocked: the mmap_lock a fork in progress holds for write, the invalidate lock a truncate holds, or a page lock. */
    @Override
    public String waitsFor() {
        if (!isBlocked()) {
            return null;
        }
        return r.process().mm().mmapWriteLocker != null ? r.process().mm().objectId() + ":mmap_lock" : faultLockHeld();
    }

    @Override
    public GupPagesImpl run() {
        if (phase == Phase.BEGIN) {
            // run as one call (vmsplice, io_submit's bio, plain GUP-fast): its slow path would sleep on mmap_lock or a fault's
            // lock that a stepped operation holds; refused before the lockless walk takes anything (fuzzer seed 2, sequence 4166)
            Mm mm = r.process().mm();
            MmapLockWait.forRead(mm, r.call());
            MmapLockWait.forAccess(mm, r.start(), (long) r.nrPages() << Kernel.PAGE_SHIFT, (r.flags() & io.pinsim.runtime.Foll.WRITE) != 0, r.call());
        }
        while (!isDone()) {
            if (isBlocked()) {
                throw new IllegalStateException(r.process().mm().mmapWriteLocker != null
                        ? r.call() + " waits for mmap_lock, which " + (r.process().mm().mmapWriteLocker instanceof ZapSteps ? "a stepped munmap in progress holds for write; step the munmap first"
                        : "a fork in progress holds; step the fork first")
                        : r.call() + " waits for " + waitsFor() + ", which a stepped operation in progress holds (a truncate's invalidate lock, a writeback's or"
                        + " reclaim's page lock); step it first");
            }
            step();
        }
        return result;
    }

    @Override
    public GupPagesImpl result() {
        if (!isDone()) {
            throw new IllegalStateException("GUP-fast is not done yet; next step: " + nextStep());
        }
        if (failure != null) {
            throw new IllegalStateException(r.call() + " failed (" + failure.getMessage() + "): it pinned nothing, so it has no pages", failure);
        }
        return result;
    }

    @Override
    public void step() {
        if (phase == Phase.DONE) {
            throw new IllegalStateException(r.call() + " is already done");
        }
        r.process().requireAlive();
        String what = nextStep();
        try {
            k.run(actor(), what, r.start(), () -> {
                switch (phase) {
                    case BEGIN -> begin();
                    case WALK -> gupFastPteRange();
                    case FINISH -> finish();
                    case SLOW -> gupFastFallback();
                    default -> throw new IllegalStateException(phase.name());
                }
            });
        } catch (ErrnoException e) {
            phase = Phase.DONE;
            failure = e;
            throw e;
        }
    }

    private void begin() {
        Mm mm = r.process().mm();
        if (r.kind() == GupRef.Kind.PIN && k.pinsAreBiased()) {
            mm.hasPinned = true;
        }
        if (r.nrPages() == 0) {
            finishWith();
            return;
        }
        if (r.kind() == GupRef.Kind.PIN && k.model().get(GupFastVsFork.class) == GupFastVsFork.WRITE_PROTECT_SEQ) {
            seqChecked = true;
            seq = mm.writeProtectSeq.tryBegin();
            if (seq < 0) {
                k.trace().record(actor(), TraceKind.STEP, r.start(), -1, "write_protect_seq is odd (" + mm.writeProtectSeq.read()
                        + "): a fork is write-protecting; no fast path (raw_seqcount_try_begin)");
                phase = Phase.SLOW;
                return;
            }
        }
        phase = Phase.WALK;
    }

    private void gupFastPteRange() {
        Mm mm = r.process().mm();
        long vpn = (r.start() >>> Kernel.PAGE_SHIFT) + frames.size();
        long addr = vpn << Kernel.PAGE_SHIFT;
        long pte = mm.pt.get(vpn);
        String stop = null;
        boolean needWritable = (r.flags() & Foll.WRITE) != 0 || k.model().get(GupReadOnShared.class) == GupReadOnShared.FORCE_COW_BREAK;
        VmArea pv = mm.findVma(vpn);
        if (!Pte.isPresent(pte)) {
            stop = "PTE not present";
        } else if (pv == null || (pv.flags & (VmArea.VM_READ | VmArea.VM_WRITE | VmArea.VM_EXEC)) == 0) {
            // gup_pte_range(): if (pte_protnone(pte)) goto pte_unmap; mprotect(PROT_NONE) makes every PTE of the VMA protnone.
            stop = "PROT_NONE PTE (pte_protnone)";
        } else if (needWritable && !Pte.isWrite(pte)) {
            stop = (r.flags() & Foll.WRITE) != 0 ? "PTE not writable" : "PTE not writable (5.8 GUP-fast needs FOLL_WRITE even for reads, 17839856fd58)";
        } else if ((pte & Pte.SPECIAL) != 0) {
            stop = "special PTE (the zero page)";
        } else {
            Page f = k.frameOfPte(pte);
            if (r.kind() == GupRef.Kind.PIN && (r.flags() & Foll.WRITE) == 0 && !Pte.isWrite(pte) && gup.gupMustUnshare(null, r.flags(), f)) {
                stop = "R/O pin of a page that must be unshared first (gup_must_unshare)";
            } else if ((r.flags() & Foll.LONGTERM) != 0 && f.isDax()) {
                stop = "FOLL_LONGTERM of a devmap (DAX) page goes to the slow path";
            } else if (gup.longtermWriteOfDirtyTrackedFile(pv, r)) {
                stop = "FOLL_LONGTERM|FOLL_WRITE pin of a file page goes to the slow path (gup_fast_folio_allowed, a6e79df92e4a)";
            } else {
                frames.add(f);
                refs.add(gup.tryGrabPage(r, f, vpn));
                if (frames.size() == r.nrPages()) {
                    phase = Phase.FINISH;
                }
                return;
            }
        }
        k.trace().record(actor(), TraceKind.STEP, addr, -1, "fast walk stops at " + Kernel.hex(addr) + ": " + stop);
        phase = Phase.FINISH;
    }

    private void finish() {
        Mm mm = r.process().mm();
        if (seqChecked && mm.writeProtectSeq.retry(seq)) {
            k.trace().record(actor(), TraceKind.STEP, r.start(), -1, "write_protect_seq changed (" + seq + " -> " + mm.writeProtectSeq.read()
                    + "): a fork ran; unpinning the " + frames.size() + " page(s) just pinned and retrying in the slow path (57efa1fe5957)");
            for (int i = 0; i < frames.size(); i++) {
                Page f = frames.get(i);
                if (refs.get(i) != null) {
                    f.removeRef(refs.get(i));
                    k.touch(f);
                    k.maybeFree(f);
                }
            }
            frames.clear();
            refs.clear();
        }
        if (frames.size() == r.nrPages()) {
            finishWith();
        } else {
            phase = Phase.SLOW;
        }
    }

    private void gupFastFallback() {
        Mm mm = r.process().mm();
        if (isBlocked()) {
            k.trace().record(actor(), TraceKind.STEP, r.start(), -1, "slow path waits: " + waitsFor() + " is held for write");
            return;
        }
        gup.getUserPagesFrom(r, frames.size(), frames, refs);
        finishWith();
    }

    private void finishWith() {
        result = new GupPagesImpl(k, r, frames, refs);
        phase = Phase.DONE;
    }

    @Override
    public String toString() {
        return "GUP-fast " + r.call() + ", next: " + nextStep();
    }
}
