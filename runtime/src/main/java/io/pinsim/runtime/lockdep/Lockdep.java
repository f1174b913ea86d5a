package io.pinsim.runtime.lockdep;

import java.util.List;

/**
 * The kernel's lock dependency validator as the model runs it (CONFIG_PROVE_LOCKING): every
 * acquisition of a modelled lock records a dependency from the lock held before it, and a
 * dependency that closes a cycle is reported the first time, whether or not the schedule at hand
 * deadlocked. On by default; {@code Kernel.builder().lockdep(false)} turns it off.
 */
public interface Lockdep {
    /** Whether this kernel runs lockdep. */
    boolean enabled();

    /** The reports so far, oldest first (also in the kernel log as WARN and in the trace). */
    List<LockdepReport> reports();

    /** Every dependency recorded so far, in the order first seen, the primed ones first. */
    List<LockDependency> dependencies();
}
