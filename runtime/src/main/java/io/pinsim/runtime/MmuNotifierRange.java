package io.pinsim.runtime;

/**
 * struct mmu_notifier_range: what an invalidation covers and why.
 *
 * @param process   whose address space
 * @param event     why (the kernel operation that invalidates)
 * @param start     first address
 * @param end       address after the last byte
 * @param blockable whether callbacks may sleep (false only for the OOM reaper); a callback may
 *                  refuse only a non-blockable invalidation
 * @param owner     for {@link MmuNotifierEvent#MIGRATE}: the driver migrating, so it can skip its own; else null
 */
public record MmuNotifierRange(Process process, MmuNotifierEvent event, long start, long end, boolean blockable, Object owner) {

    /** Whether [start, end) overlaps this range. */
    public boolean overlaps(long otherStart, long otherEnd) {
        return otherStart < end && start < otherEnd;
    }

    @Override
    public String toString() {
        return event + " " + Kernel.hex(start) + "-" + Kernel.hex(end) + (blockable ? "" : " (non-blockable)");
    }
}
