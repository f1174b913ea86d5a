package io.pinsim.runtime;

/**
 * An object the model allocated that nothing holds any more and that was not freed: what kmemleak
 * reports as an unreferenced object. Found by {@link Kernel#leaks()}.
 *
 * @param what        the object, e.g. {@code frame #12 (anon, refcount 0)} or {@code swap slot 3}
 * @param why         why nothing holds it, in kernel terms
 * @param step        the trace step that allocated it, or -1 if unknown
 * @param allocatedBy the call of that step as the trace shows it, e.g. {@code A: mmap(...)}, or
 *                    {@code ""} if unknown
 */
public record Leak(String what, String why, int step, String allocatedBy) {
    @Override
    public String toString() {
        return what + ": " + why + (step >= 0 ? " (allocated at step " + step + " by " + allocatedBy + ")" : "");
    }
}
