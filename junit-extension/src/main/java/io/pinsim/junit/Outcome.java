package io.pinsim.junit;

/**
 * What the extension made of one test run, published as the report entry
 * {@link ReportEntries#OUTCOME} (its value is the constant's name), so that a listener such as the
 * samples' catalogue reads it as data.
 */
public enum Outcome {
    /** Passed on a model where no bug is declared. */
    OK,
    /** Failed on a model {@link KnownBug} names, with the assertion kind (and because fragment) it expects. */
    BUG_REPRODUCED,
    /** Passed on a model {@link KnownBug} names: {@link BugDidNotReproduceError}. */
    UNEXPECTED_PASS,
    /** Failed where no bug is declared, or not as the declared bug: {@link NotTheDocumentedBugError} on a known-bug model. */
    UNEXPECTED_FAILURE
}
