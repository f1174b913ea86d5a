package io.pinsim.runtime;

/** The signals the model delivers, with their x86-64 numbers. */
public enum Signal {
    /** A bus error: an access to a page that cannot be backed (beyond EOF of a mapped file, a poisoned page). */
    SIGBUS(7),
    /** Killed, e.g. by the OOM killer. */
    SIGKILL(9),
    /** A segmentation fault: an access the mapping does not allow, or to no mapping. */
    SIGSEGV(11);

    private final int number;

    Signal(int number) {
        this.number = number;
    }

    /** @return the signal number on x86-64 */
    public int number() {
        return number;
    }
}
