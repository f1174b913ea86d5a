package io.pinsim.devices;

import io.pinsim.runtime.Advice;
import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.model.RdmaCopyOnFork;
import io.pinsim.runtime.spi.DriverContext;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The libibverbs half of {@link RdmaNic}'s fork handling (rdma-core libibverbs/memory.c):
 * ibv_fork_init() and the per-process, page-granular MADV_DONTFORK reference counts that
 * ibv_reg_mr() / ibv_dereg_mr() keep through ibv_dontfork_range() / ibv_dofork_range().
 */
final class IbvForkInit {
    private final Kernel kernel;
    private final DriverContext ctx;
    private final Map<Process, State> states = new IdentityHashMap<>();

    /** libibverbs' per-process fork state and its page-granular MADV_DONTFORK reference counts. */
    static final class State {
        ForkStatus status = ForkStatus.DISABLED;
        boolean registered;
        final NavigableMap<Long, Integer> dontfork = new TreeMap<>();
    }

    IbvForkInit(Kernel kernel, DriverContext ctx) {
        this.kernel = kernel;
        this.ctx = ctx;
    }

    /** The state of process p, created on first use. */
    State of(Process p) {
        return states.computeIfAbsent(p, x -> new State());
    }

    /** The state of process p, or null if it never called into libibverbs. */
    State peek(Process p) {
        return states.get(p);
    }

    /** ibv_fork_init(): see {@link RdmaNic#ibvForkInit}; runs inside the driver call. */
    ForkStatus init(Process process) {
        State s = of(process);
        if (s.registered && s.status == ForkStatus.DISABLED) {
            throw new ErrnoException(Errno.EINVAL, "ibv_fork_init", "a memory region was registered before ibv_fork_init() (libibverbs: too_late)");
        }
        s.status = kernel.model().get(RdmaCopyOnFork.class) == RdmaCopyOnFork.REPORTED ? ForkStatus.UNNEEDED : ForkStatus.ENABLED;
        ctx.trace("ibv_fork_init(): " + s.status + (s.status == ForkStatus.UNNEEDED ? " (the kernel reports copy-on-fork, 6cc9e215eb27)" : " (MADV_DONTFORK on registered ranges)"));
        return s.status;
    }

    /** libibverbs ibv_dontfork_range(): page-granular reference counts; MADV_DONTFORK on pages going from 0 to 1. */
    void dontfork(Process p, State fs, long first, int npages) {
        if (fs.status != ForkStatus.ENABLED) {
            return;
        }
        forRuns(p, fs, first, npages, +1, Advice.DONTFORK);
    }

    /** libibverbs ibv_dofork_range(): MADV_DOFORK on pages whose count drops to 0. */
    void dofork(Process p, State fs, long first, int npages) {
        if (fs.status != ForkStatus.ENABLED) {
            return;
        }
        forRuns(p, fs, first, npages, -1, Advice.DOFORK);
    }

    /** libibverbs ibv_madvise_range(): updates the per-page counts and madvise()s each run of pages whose count crossed zero. */
    private void forRuns(Process p, State fs, long first, int npages, int delta, Advice advice) {
        long runStart = -1;
        for (int i = 0; i <= npages; i++) {
            long page = first + ((long) i << Kernel.PAGE_SHIFT);
            boolean edge = false;
            if (i < npages) {
                int before = fs.dontfork.getOrDefault(page, 0);
                int after = before + delta;
                if (after <= 0) {
                    fs.dontfork.remove(page);
                } else {
                    fs.dontfork.put(page, after);
                }
                edge = delta > 0 ? before == 0 : after == 0;
            }
            if (edge && runStart < 0) {
                runStart = page;
            } else if (!edge && runStart >= 0) {
                doMadvise(p, runStart, page - runStart, advice);
                runStart = -1;
            }
        }
    }

    /**
     * libibverbs do_madvise(): a failed MADV_DONTFORK fails the call; a failed MADV_DOFORK (part of
     * the range is no longer mapped: ENOMEM) is retried page by page, ignoring each error, and
     * reported as success, so ibv_dofork_range() - whose result ibv_dereg_mr() ignores anyway -
     * never fails a deregistration.
     */
    private void doMadvise(Process p, long start, long length, Advice advice) {
        try {
            p.madvise(start, length, advice);
        } catch (ErrnoException e) {
            if (advice != Advice.DOFORK) {
                throw e;
            }
            ctx.trace("madvise(MADV_DOFORK) failed (" + e.errno() + "): retried page by page, errors ignored (libibverbs do_madvise)");
            for (long page = start; page < start + length; page += Kernel.PAGE_SIZE) {
                try {
                    p.madvise(page, Kernel.PAGE_SIZE, advice);
                } catch (ErrnoException ignored) {
                    // do_madvise() ignores the per-page result
                }
            }
        }
    }
}
