package io.pinsim.runtime.trace;

/**
 * How much a kernel's {@link Trace} keeps (see {@code Kernel.Builder.trace(TraceLevel)}). Steps are
 * numbered the same way at every level, so step numbers in the kernel log, lockdep reports and
 * frame snapshots mean the same thing whatever the level.
 */
public enum TraceLevel {
    /** Every event: each call and every decision the kernel made inside it (the default). */
    ALL,
    /**
     * Only the {@link TraceKind#CALL} event that opens each step and the events that say why a step
     * failed ({@link TraceKind#ERRNO}, {@link TraceKind#SIGNAL}); the decisions inside a step are not
     * kept. For very large scenarios whose failures a step list explains.
     */
    STEPS,
    /** Nothing: steps are still counted, no event is kept. For benchmarks and huge fuzz runs. */
    OFF
}
