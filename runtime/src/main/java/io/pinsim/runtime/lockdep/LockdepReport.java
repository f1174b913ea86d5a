package io.pinsim.runtime.lockdep;

import java.util.List;

/**
 * A lockdep warning, printed once per dependency that first closed it.
 *
 * @param title   the kernel's words: {@code possible circular locking dependency detected} or
 *                {@code possible recursive locking detected}
 * @param step    the trace step of the acquisition that triggered it
 * @param actor   who made that acquisition
 * @param added   the new dependency (for a recursive-locking report, the lock held to the same lock)
 * @param chain   the existing chain that the new dependency closes, from {@code added.to()} back to
 *                {@code added.from()}; empty for a recursive-locking report
 * @param text    the whole report as the kernel log shows it
 */
public record LockdepReport(String title, int step, String actor, LockDependency added, List<LockDependency> chain, String text) {
    /** The report's record; the chain is copied. */
    public LockdepReport {
        chain = List.copyOf(chain);
    }

    /**
     * The lock classes around the cycle, starting and ending with the lock held at the new
     * dependency: {@code [dma_fence_map, fs_reclaim, mmu_notifier_invalidate_range_start, dma_fence_map]}.
     */
    public List<String> cycle() {
        java.util.ArrayList<String> c = new java.util.ArrayList<>();
        c.add(added.from());
        c.add(added.to());
        for (LockDependency d : chain) {
            c.add(d.to());
        }
        if (chain.isEmpty() && !added.from().equals(added.to())) {
            c.add(added.from());
        }
        return List.copyOf(c);
    }

    /** The report's text. */
    @Override
    public String toString() {
        return text;
    }
}
