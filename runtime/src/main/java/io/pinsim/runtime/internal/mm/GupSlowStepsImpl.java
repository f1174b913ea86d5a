package io.pinsim.runtime.internal.mm;

import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Footprint;
import io.pinsim.runtime.GupSteps;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.Task;
import io.pinsim.runtime.trace.TraceKind;
import java.util.ArrayList;
import java.util.List;

/**
 * The GUP slow path as steps (see {@link GupSteps}): mmap_read_lock() in __get_user_pages_locked(),
 * then {@link GupSlowWalk}'s follow_page_pte() (under the PTL, inside one step) and faultin_page()
 * pieces, one per step, and mmap_read_unlock(). The locks behind the boundaries: mmap_lock (held
 * for read across the steps, {@link Mm#mmapReaders}); the PTL, taken and dropped inside one follow
 * or fault step, so it never blocks; the invalidate lock and the page lock, which a fault on a file
 * page waits for.
 */
public final class GupSlowStepsImpl implements GupSteps {
    private enum Phase { LOCK, FOLLOW, FAULT, UNLOCK, DONE }

    private final MmCore k;
    private final Gup.Request r;
    private final List<Page> frames = new ArrayList<>();
    private final List<GupRef> refs = new ArrayList<>();
    private final GupSlowWalk walk;
    private Phase phase = Phase.LOCK;
    private boolean locked;
    private GupPagesImpl result;

    private GupSlowStepsImpl(MmCore k, Gup.Request r) {
        this.k = k;
        this.r = r;
        this.walk = new GupSlowWalk(k, new Gup(k), r, 0, frames, refs);
    }

    /**
     * get_user_pages() / pin_user_pages() from {@code thread}, as steps; the arguments are checked now.
     *
     * @throws IllegalArgumentException if the thread is not one of the process's
     * @throws ErrnoException           EINVAL / EFAULT as the call refuses its arguments
     */
    public static GupSlowStepsImpl of(MmOwner p, Task thread, long address, int nrPages, int gupFlags, GupRef.Kind kind, String holder) {
        java.util.Objects.requireNonNull(thread, "thread");
        p.requireAlive();
        if (thread.process() != p) {
            throw new IllegalArgumentException(thread + " is not a thread of process \"" + p.name() + "\"");
        }
        return new GupSlowStepsImpl(p.mm().kernel, Gup.request(p, thread, address, nrPages, gupFlags, kind, holder, false));
    }

    private Mm mm() {
        return r.process().mm();
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
        return waitsFor() != null;
    }

    /**
     * While blocked: mmap_lock (a writer holds it) before the first step; during a fault, what the
     * fault sleeps on ({@link FaultLocks}): the invalidate lock of the file, or the page lock of the
     * page-cache or swap-cache page it maps.
     */
    @Override
    public String waitsFor() {
        Mm mm = mm();
        if (phase == Phase.LOCK) {
            return mm.mmapWriteLocker != null && mm.mmapWriteLocker != this ? mm.objectId() + ":mmap_lock" : null;
        }
        return phase == Phase.FAULT ? FaultLocks.waitsFor(k, mm, walk.vpn(), this) : null;
    }

    @Override
    public List<String> holds() {
        return locked ? List.of(mm().objectId() + ":mmap_lock") : List.of();
    }

    @Override
    public String nextStep() {
        String wait = isBlocked() ? " (waits for " + waitsFor() + ")" : "";
        return switch (phase) {
            case LOCK -> r.call() + ": mmap_read_lock()" + wait;
            case FOLLOW -> "follow_page_pte() of page " + walk.index() + " at " + Kernel.hex(walk.vpn() << Kernel.PAGE_SHIFT) + " under the PTL";
            case FAULT -> "faultin_page() at " + Kernel.hex(walk.vpn() << Kernel.PAGE_SHIFT) + wait;
            case UNLOCK -> "mmap_read_unlock()";
            case DONE -> "done";
        };
    }

    /**
     * What the next step touches (see {@link Footprint}): a follow reads the PTE, the VMAs and
     * mmap_lock and grabs the frame the PTE maps; taking or dropping mmap_lock, and a fault (which
     * may allocate, copy and map anything), touch everything; so does any step while another
     * operation waits, as the model retries it after every step.
     */
    @Override
    public Footprint nextFootprint() {
        if (phase == Phase.DONE) {
            return Footprint.NONE;
        }
        if (phase != Phase.FOLLOW || k.hasPendingOps()) {
            return Footprint.ALL;
        }
        Mm mm = mm();
        long vpn = walk.vpn();
        long pte = mm.pt.get(vpn);
        Footprint.Builder b = Footprint.builder().read(mm.pteId(vpn)).read(mm.objectId() + ":vmas").read(mm.objectId() + ":mmap_lock");
        if (Pte.isPresent(pte)) {
            b.write(Page.objectId(Pte.pfn(pte)));
        }
        return b.build();
    }

    @Override
    public void step() {
        if (isDone()) {
            throw new IllegalStateException(r.call() + " is already done");
        }
        if (isBlocked()) {
            throw new IllegalStateException(r.call() + " waits: " + nextStep() + "; step the operation that holds " + waitsFor() + " first");
        }
        r.process().requireAlive();
        try {
            k.run(actor(), nextStep(), r.start(), () -> {
                switch (phase) {
                    case LOCK -> lock();
                    case FOLLOW -> after(walk.follow());
                    case FAULT -> after(walk.fault());
                    case UNLOCK -> unlock();
                    default -> throw new IllegalStateException(phase.name());
                }
            });
        } catch (ErrnoException e) {
            phase = Phase.DONE;
            throw e;
        }
    }

    private void lock() {
        Mm mm = mm();
        if (r.kind() == GupRef.Kind.PIN && k.pinsAreBiased()) {
            mm.hasPinned = true;
        }
        mm.mmapReaders.add(this);
        locked = true;
        phase = r.nrPages() == 0 ? Phase.UNLOCK : Phase.FOLLOW;
    }

    private void after(GupSlowWalk.Next next) {
        phase = switch (next) {
            case FOLLOW -> Phase.FOLLOW;
            case FAULT -> Phase.FAULT;
            case STOP -> Phase.UNLOCK;
        };
    }

    private void unlock() {
        mm().mmapReaders.remove(this);
        locked = false;
        phase = Phase.DONE;
        k.trace().record(actor(), TraceKind.STEP, r.start(), -1, r.call() + ": mmap_read_unlock() after " + frames.size() + " of " + r.nrPages() + " page(s)");
        walk.finish();
        result = new GupPagesImpl(k, r, frames, refs);
    }

    @Override
    public GupPagesImpl run() {
        while (!isDone()) {
            step();
        }
        return result;
    }

    @Override
    public GupPagesImpl result() {
        if (!isDone() || result == null) {
            throw new IllegalStateException(r.call() + " is not done yet; next step: " + nextStep());
        }
        return result;
    }

    @Override
    public String toString() {
        return r.call() + " from " + actor() + ", next: " + nextStep();
    }
}
