package io.pinsim.devices;

import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Footprint;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MmuIntervalNotifier;
import io.pinsim.runtime.Steppable;
import io.pinsim.runtime.spi.DevicePageTable;
import io.pinsim.runtime.spi.DriverContext;
import io.pinsim.runtime.spi.HmmRange;
import java.util.List;
import java.util.Optional;

/**
 * The device page faults of an ODP access ({@link RdmaNic#adviseSteps}), one page after the other,
 * as the steps of ib_umem_odp_map_dma_and_lock() and pagefault_real_mr() (mlx5,
 * {@link OdpFaultProtocol#MLX5}):
 * <ol>
 * <li>{@code mmu_interval_read_begin()}: waits while an invalidation of the MR has set its
 *     sequence and not ended (wait_event on subscriptions-&gt;wq);</li>
 * <li>{@code hmm_range_fault()} under mmap_read_lock: waits while mmap_lock is held for write;
 *     -EBUSY (the sequence moved) goes back to read_begin;</li>
 * <li>{@code mutex_lock(&umem_odp->umem_mutex)}: waits while another thread (an invalidation)
 *     holds it;</li>
 * <li>{@code mmu_interval_read_retry()}: if an invalidation ran since read_begin, unlock and go back
 *     to read_begin; else program the device page table (mlx5r_umr_update_xlt());</li>
 * <li>{@code mutex_unlock()}.</li>
 * </ol>
 * {@link OdpFaultProtocol#NO_READ_RETRY} maps without the check; {@link OdpFaultProtocol#LOCK_ACROSS_FAULT}
 * takes umem_mutex first and holds it across read_begin and hmm_range_fault(). Step footprints use
 * the ids {@code mm:<pid>:notifiers} (the sequence), {@code mm:<pid>:mmap_lock},
 * {@code dev:<nic>:MR#<key>.umem_mutex} and {@code dev:<nic>:MR#<key>} (the device page table).
 */
public final class OdpFaultSteps implements Steppable {
    private enum Phase { READ_BEGIN, FAULT, LOCK, COMMIT, UNLOCK, DONE }

    private final OdpPaging odp;
    private final DriverContext ctx;
    private final MemoryRegion mr;
    private final long end;
    private final boolean write;
    private final boolean lockFirst;
    private long page;
    private Phase phase;
    private long seq;
    private HmmRange range;
    private int attempts;
    private String failure;

    OdpFaultSteps(OdpPaging odp, MemoryRegion mr, long va, int length, boolean write) {
        this.odp = odp;
        this.ctx = odp.ctx();
        this.mr = mr;
        this.end = va + length;
        this.write = write;
        this.lockFirst = odp.protocol() == OdpFaultProtocol.LOCK_ACROSS_FAULT;
        this.page = (va & ~(Kernel.PAGE_SIZE - 1L)) - Kernel.PAGE_SIZE;
        nextPage();
    }

    /** Moves to the next page without a (writable enough) device entry, or to DONE. */
    private void nextPage() {
        attempts = 0;
        for (page += Kernel.PAGE_SIZE; page < end; page += Kernel.PAGE_SIZE) {
            DevicePageTable.Entry e = mr.deviceTable.lookup(page);
            if (e == null || (write && !e.writable())) {
                phase = lockFirst ? Phase.LOCK : Phase.READ_BEGIN;
                return;
            }
        }
        phase = Phase.DONE;
    }

    /** Why a fault failed (a range no longer mapped, HMM_RANGE_DEFAULT_TIMEOUT), if one did. */
    public Optional<String> failure() {
        return Optional.ofNullable(failure);
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

    private String mmId() {
        return "mm:" + mr.process().pid();
    }

    private String mutex() {
        return OdpPaging.umemMutex(mr.key);
    }

    private MmuIntervalNotifier sub() {
        return mr.notifier;
    }

    /** The invalidation in progress (read_begin), mmap_lock held for write (hmm_range_fault), umem_mutex held by another thread. */
    @Override
    public String waitsFor() {
        return switch (phase) {
            case READ_BEGIN -> sub().readBeginWaits() ? mmId() + ":notifiers" : null;
            case FAULT -> ctx.mmapLockedForWrite(mr.process()) ? mmId() + ":mmap_lock" : null;
            case LOCK -> {
                String holder = ctx.lockHolder(mutex());
                yield holder != null && !holder.equals(actor()) ? ctx.lockId(mutex()) : null;
            }
            default -> null;
        };
    }

    /** umem_mutex while the fault holds it. */
    @Override
    public List<String> holds() {
        return actor().equals(ctx.lockHolder(mutex())) ? List.of(ctx.lockId(mutex())) : List.of();
    }

    @Override
    public String nextStep() {
        String at = " at " + Kernel.hex(page);
        return switch (phase) {
            case READ_BEGIN -> "mmu_interval_read_begin()" + at;
            case FAULT -> "hmm_range_fault() under mmap_read_lock" + at;
            case LOCK -> "mutex_lock(umem_mutex)" + at;
            case COMMIT -> odp.protocol() == OdpFaultProtocol.NO_READ_RETRY ? "map the device page" + at + " (no read_retry)"
                    : "mmu_interval_read_retry(), map the device page" + at;
            case UNLOCK -> "mutex_unlock(umem_mutex)" + at;
            case DONE -> "done";
        };
    }

    /**
     * read_begin reads the sequence; hmm_range_fault() may fault anything in: everything; the lock
     * and unlock write umem_mutex; the commit reads the sequence and writes the device page table.
     */
    @Override
    public Footprint nextFootprint() {
        String dev = "dev:" + ctx.deviceName() + ":MR#" + mr.key;
        return switch (phase) {
            case READ_BEGIN -> Footprint.builder().read(mmId() + ":notifiers").build();
            case FAULT -> Footprint.ALL;
            case LOCK, UNLOCK -> Footprint.writes(ctx.lockId(mutex()));
            case COMMIT -> Footprint.builder().read(mmId() + ":notifiers").write(dev).build();
            case DONE -> Footprint.NONE;
        };
    }

    @Override
    public void step() {
        if (isDone()) {
            throw new IllegalStateException("the device faults of MR#" + mr.key + " are done");
        }
        if (isBlocked()) {
            throw new IllegalStateException("the device fault of MR#" + mr.key + " waits for " + waitsFor() + ": its next step is " + nextStep());
        }
        switch (phase) {
            case READ_BEGIN -> {
                seq = sub().readBegin();
                phase = Phase.FAULT;
            }
            case FAULT -> fault();
            case LOCK -> {
                ctx.lock(mutex());
                phase = lockFirst ? Phase.READ_BEGIN : Phase.COMMIT;
            }
            case COMMIT -> commit();
            case UNLOCK -> {
                ctx.unlock(mutex());
                nextPage();
            }
            default -> throw new IllegalStateException(phase.name());
        }
    }

    private void fault() {
        try {
            range = ctx.hmmRangeFault(sub(), seq, page, 1, write);
            phase = lockFirst ? Phase.COMMIT : Phase.LOCK;
        } catch (ErrnoException e) {
            if (e.errno() == Errno.EBUSY && ++attempts < OdpPaging.FAULT_RETRIES) {
                ctx.trace("MR#" + mr.key + ": hmm_range_fault -EBUSY at " + Kernel.hex(page) + ", retrying");
                phase = Phase.READ_BEGIN;
                return;
            }
            fail("device page fault at " + Kernel.hex(page) + " failed: " + e.getMessage());
        }
    }

    private void commit() {
        if (odp.protocol() != OdpFaultProtocol.NO_READ_RETRY && sub().readRetry(seq)) {
            ctx.trace("MR#" + mr.key + ": an invalidation ran during the fault at " + Kernel.hex(page) + " (mmu_interval_read_retry), retrying");
            if (++attempts >= OdpPaging.FAULT_RETRIES) {
                ctx.unlock(mutex());
                fail("device page fault at " + Kernel.hex(page) + " kept racing invalidations (HMM_RANGE_DEFAULT_TIMEOUT)");
                return;
            }
            if (lockFirst) {
                phase = Phase.READ_BEGIN;
            } else {
                ctx.unlock(mutex());
                phase = Phase.READ_BEGIN;
            }
            return;
        }
        odp.map(mr, page, range);
        phase = Phase.UNLOCK;
    }

    private void fail(String why) {
        if (actor().equals(ctx.lockHolder(mutex()))) {
            ctx.unlock(mutex());
        }
        failure = why;
        ctx.trace("MR#" + mr.key + ": " + why);
        phase = Phase.DONE;
    }

    @Override
    public String toString() {
        return "device faults of MR#" + mr.key + " on " + ctx.deviceName() + ", next: " + nextStep();
    }
}
