package io.pinsim.runtime;

/** struct mmu_interval_notifier_ops: what a driver does when its interval is invalidated. */
@FunctionalInterface
public interface MmuIntervalNotifierOps {
    /**
     * ->invalidate(): take the driver lock, call {@link MmuIntervalNotifier#setSeq(long)} with
     * {@code curSeq}, tear down the device's mappings of the range and finish the device update
     * before returning.
     *
     * @return true when done; false only if the range is not blockable and the driver would have
     *         to sleep (the kernel then returns -EAGAIN to the OOM reaper)
     */
    boolean invalidate(MmuIntervalNotifier sub, MmuNotifierRange range, long curSeq);
}
