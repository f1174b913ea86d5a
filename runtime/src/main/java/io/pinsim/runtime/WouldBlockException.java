package io.pinsim.runtime;

import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * A plain (unstepped) call needs a lock that an operation in progress holds between its steps (a
 * stepped fork, munmap, write fault, MR registration, ...): in the kernel the caller would sleep.
 * The call checks its locks before it changes anything, so nothing has happened when this is
 * thrown. Run as one step of the schedule explorer ({@code Op.atomic}, {@link Steppable#atomic}),
 * the call does not fail: its thread is blocked until the lock is free, then the call runs again,
 * and a state where every thread waits is reported as a deadlock. Called directly, step the
 * operation that holds the lock first, or use the call's {@code *Steps} variant to interleave it.
 */
public final class WouldBlockException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    private final String lockId;
    private final transient BooleanSupplier stillHeld;

    /**
     * @param message   what would sleep, on what, held by whom, and what to do instead
     * @param lockId    the lock as a {@link Footprint} id ({@code mm:1:mmap_lock})
     * @param stillHeld whether the call would still sleep now (the explorer asks it to wake the thread)
     */
    public WouldBlockException(String message, String lockId, BooleanSupplier stillHeld) {
        super(Objects.requireNonNull(message, "message"));
        this.lockId = Objects.requireNonNull(lockId, "lockId");
        this.stillHeld = Objects.requireNonNull(stillHeld, "stillHeld");
    }

    /** The lock the call would sleep on, as a {@link Footprint} id ({@code mm:1:mmap_lock}). */
    public String lockId() {
        return lockId;
    }

    /** Whether the call would still sleep now; false once the holder has released the lock. */
    public boolean stillHeld() {
        return stillHeld != null && stillHeld.getAsBoolean();
    }
}
