package io.pinsim.junit;

/**
 * When the extension writes a test's trace and timeline under {@code target/pinsim/} (or
 * {@code pinsim.reportDir}). The configuration parameter {@code pinsim.trace=ALWAYS} turns it on
 * for every test, as the samples catalogue does.
 */
public enum TraceMode {
    /** Only for a failing test (the default): passing tests leave nothing behind. */
    ON_FAILURE,
    /** For every test. */
    ALWAYS
}
