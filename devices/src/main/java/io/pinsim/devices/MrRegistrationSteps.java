package io.pinsim.devices;

import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Footprint;
import io.pinsim.runtime.GupPages;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.Steppable;
import io.pinsim.runtime.spi.DriverContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * ibv_reg_mr() of a pinned MR as the steps another thread can observe ({@link RdmaNic#regMrSteps}):
 * <ol>
 * <li>libibverbs' ibv_dontfork_range() (MADV_DONTFORK, after ibv_fork_init(): it takes mmap_lock
 *     for write, so the step waits while another operation holds mmap_lock at all), then
 *     ib_umem_get() charges mm-&gt;pinned_vm against RLIMIT_MEMLOCK;</li>
 * <li>one step per chunk of at most {@code PAGE_SIZE / sizeof(struct page *)} = 512 pages, the
 *     pages one page-list page holds: ib_umem_get()'s loop pins each chunk with one GUP call
 *     (up to about 5.2 get_user_pages(.., FOLL_LONGTERM) under down_read(&amp;mm-&gt;mmap_sem) taken
 *     per chunk, since then pin_user_pages_fast(.., FOLL_LONGTERM), whose slow path takes
 *     mmap_read_lock; device-semantics §2.1), so a chunk waits while mmap_lock is held for write
 *     (a fork, a munmap) and another thread can run between two chunks. A chunk that comes back
 *     short goes on at the page it could not take, as the loop does ({@code cur_base += ret * PAGE_SIZE});
 *     an error unpins every chunk pinned so far and returns the charge
 *     ({@code umem_release: __ib_umem_release(); atomic64_sub(.., &mm->pinned_vm)}), and libibverbs
 *     undoes its MADV_DONTFORK;</li>
 * <li>the last chunk's step also creates the MR from the chunks' pins, merged into one set
 *     ({@link GupPages#merge}), as the umem's one scatterlist holds them.</li>
 * </ol>
 * If the process exits (a fatal signal) between two steps, the next step fails the registration
 * with EINTR, as GUP does when fatal_signal_pending() (__get_user_pages()), and unpins every chunk
 * pinned so far; until then {@link #isBlocked()} is false. Step it to the end after an exit, else
 * those chunks stay pinned and the kernel's leak check reports them.
 * Departure: a chunk is one step, so the lockless walk of pin_user_pages_fast() inside a chunk is
 * not interleaved here (the stepped GUP-fast, {@code Task.pinUserPagesFastSteps}, explores it).
 * A chunk's footprint is {@link Footprint#ALL}: it may fault anything in.
 */
public final class MrRegistrationSteps implements Steppable {
    private enum Phase { BEGIN, PIN, DONE }

    private final UmemPinning umem;
    private final IbvForkInit fork;
    private final DriverContext ctx;
    private final ProtectionDomain pd;
    private final int key;
    private final long address;
    private final long length;
    private final int access;
    private final long first;
    private final int npages;
    private final int flags;
    private final String call;
    private final List<GupPages> chunks = new ArrayList<>();
    private IbvForkInit.State forkState;
    private boolean charged;
    private int pinned;
    private Phase phase = Phase.BEGIN;
    private MemoryRegion result;
    private ErrnoException failure;

    MrRegistrationSteps(UmemPinning umem, IbvForkInit fork, ProtectionDomain pd, int key, long address, long length, int access, long npages) {
        this.umem = umem;
        this.fork = fork;
        this.ctx = umem.ctx();
        this.pd = pd;
        this.key = key;
        this.address = address;
        this.length = length;
        this.access = access;
        this.first = address & ~(Kernel.PAGE_SIZE - 1L);
        this.npages = (int) npages;
        this.flags = umem.gupFlags(access);
        this.call = "ibv_reg_mr(" + Kernel.hex(address) + ", " + length + ", " + IbAccess.describe(access) + ")";
    }

    /**
     * The registered MR.
     *
     * @throws IllegalStateException before the last step
     * @throws ErrnoException        the registration's error, if it failed (nothing stays pinned or charged)
     */
    public MemoryRegion result() {
        if (phase != Phase.DONE) {
            throw new IllegalStateException(call + " is not done: its next step is " + nextStep());
        }
        if (failure != null) {
            throw failure;
        }
        return result;
    }

    /** The error the registration failed with, once done (empty while it runs or if it succeeded). */
    public Optional<ErrnoException> failure() {
        return Optional.ofNullable(failure);
    }

    /** The number of chunks (GUP calls) pinned so far. */
    public int chunksPinned() {
        return chunks.size();
    }

    private Process process() {
        return pd.process();
    }

    @Override
    public String actor() {
        return ctx.deviceName();
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
     * mmap_lock: held at all by another operation before MADV_DONTFORK, held for write before a
     * chunk; and before a chunk the sleeping lock its pin_user_pages_fast() would sleep on in a page
     * fault ({@link DriverContext#gupFaultWaitsFor}): the page lock a stepped reclaim holds on a
     * swap-cache page (do_swap_page()'s folio_lock_or_retry()), a file's invalidate or page lock.
     */
    @Override
    public String waitsFor() {
        if (!process().isAlive()) {
            return null; // the next step fails the registration (EINTR)
        }
        String lock = "mm:" + process().pid() + ":mmap_lock";
        return switch (phase) {
            case BEGIN -> madvises() && (ctx.mmapLockedForWrite(process()) || ctx.mmapLockedForRead(process())) ? lock : null;
            case PIN -> ctx.mmapLockedForWrite(process()) ? lock
                    : ctx.gupFaultWaitsFor(process(), first + ((long) pinned << Kernel.PAGE_SHIFT), Math.min(npages - pinned, UmemPinning.CHUNK_PAGES),
                            (flags & io.pinsim.runtime.Foll.WRITE) != 0);
            case DONE -> null;
        };
    }

    /** Whether the first step will madvise: after ibv_fork_init() enabled MADV_DONTFORK. */
    private boolean madvises() {
        IbvForkInit.State s = fork.peek(process());
        return s != null && s.status == ForkStatus.ENABLED;
    }

    @Override
    public String nextStep() {
        return switch (phase) {
            case BEGIN -> call + ": " + (madvises() ? "ibv_dontfork_range(), " : "") + "ib_umem_get() charges pinned_vm";
            case PIN -> {
                int n = Math.min(npages - pinned, UmemPinning.CHUNK_PAGES);
                yield "ib_umem_get(): pin chunk " + (chunks.size() + 1) + " (" + n + " pages at " + Kernel.hex(first + ((long) pinned << Kernel.PAGE_SHIFT)) + ")"
                        + (pinned + n == npages ? ", create MR#" + key : "");
            }
            case DONE -> "done";
        };
    }

    /**
     * The first step without MADV_DONTFORK writes only mm-&gt;pinned_vm ({@code mm:<pid>:pinned_vm});
     * with it, and a chunk (GUP may fault anything in), everything.
     */
    @Override
    public Footprint nextFootprint() {
        if (phase == Phase.BEGIN && !madvises()) {
            return Footprint.writes("mm:" + process().pid() + ":pinned_vm");
        }
        return phase == Phase.DONE ? Footprint.NONE : Footprint.ALL;
    }

    @Override
    public void step() {
        if (isDone()) {
            throw new IllegalStateException(call + " is done");
        }
        if (isBlocked()) {
            throw new IllegalStateException(call + " waits for " + waitsFor() + ": its next step is " + nextStep());
        }
        if (!process().isAlive()) {
            // The thread in ibv_reg_mr() was killed: GUP sees fatal_signal_pending() and fails with
            // -EINTR (__get_user_pages(), gup_fast's fallback), ib_umem_get() releases the chunks it
            // pinned (umem_release). The charge and the MADV_DONTFORK went with the mm.
            ctx.call(call + " of \"" + process().name() + "\", which exited: fails with EINTR", () -> {
                undo(new ErrnoException(io.pinsim.runtime.Errno.EINTR, "ibv_reg_mr", "process \"" + process().name() + "\" exited (fatal_signal_pending) before chunk "
                        + (chunks.size() + 1)));
                return null;
            });
            return;
        }
        String what = nextStep();
        ctx.call(what, () -> {
            try {
                if (phase == Phase.BEGIN) {
                    begin();
                } else {
                    pinChunk();
                }
            } catch (ErrnoException e) {
                undo(e);
            }
            return null;
        });
    }

    private void begin() {
        Process p = process();
        IbvForkInit.State s = fork.of(p);
        fork.dontfork(p, s, first, npages); // a failed MADV_DONTFORK fails the call with nothing to undo
        forkState = s;
        ctx.accountPinnedVm(p, npages);
        charged = true;
        phase = Phase.PIN;
    }

    private void pinChunk() {
        long at = first + ((long) pinned << Kernel.PAGE_SHIFT);
        int n = Math.min(npages - pinned, UmemPinning.CHUNK_PAGES);
        GupPages got = ctx.pinUserPagesFast(process(), at, n, flags, "MR#" + key);
        if (got.count() == 0) {
            got.unpin(false);
            throw new ErrnoException(io.pinsim.runtime.Errno.EFAULT, "ibv_reg_mr", "no page could be pinned at " + Kernel.hex(at) + " (ib_umem_get)");
        }
        chunks.add(got);
        pinned += got.count();
        if (pinned == npages) {
            forkState.registered = true;
            result = new MemoryRegion(pd, key, address, length, access, GupPages.merge(chunks), null, null);
            phase = Phase.DONE;
        }
    }

    /** umem_release: unpin every chunk, return the charge; libibverbs undoes MADV_DONTFORK. */
    private void undo(ErrnoException e) {
        for (GupPages c : chunks) {
            c.unpin(false);
        }
        chunks.clear();
        boolean alive = process().isAlive();
        if (charged && alive) {
            ctx.unaccountPinnedVm(process(), npages);
        }
        if (forkState != null && alive) {
            fork.dofork(process(), forkState, first, npages);
        }
        ctx.trace(call + " failed (" + e.errno() + "): " + e.getMessage() + "; unpinned what it had pinned");
        failure = e;
        phase = Phase.DONE;
    }

    @Override
    public String toString() {
        return call + " on " + ctx.deviceName() + ", next: " + nextStep();
    }
}
