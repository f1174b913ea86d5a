package io.pinsim.junit;

/** When the extension writes a test's trace and timeline under {@code target/pinsim/}. */
public enum TraceMode {
    /** Only for a failing test (the default): passing tests leave nothing behind. */
    ON_FAILURE,
    /** For every test. */
    ALWAYS
}
