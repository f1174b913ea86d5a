/**
 * The JUnit Jupiter extension (artifact {@code pinsim-junit}; works on JUnit 5.14 and 6.0, which
 * the user's build brings). {@link io.pinsim.junit.PinsimTest} gives a test a fresh
 * {@link io.pinsim.runtime.Kernel}, {@link io.pinsim.dsl.Scenario} or device as parameters;
 * {@link io.pinsim.junit.PinsimModels} runs a test once per kernel model (and per
 * {@link io.pinsim.junit.ModelVariant}); {@link io.pinsim.junit.KnownBug} declares on which
 * models the real kernel gets it wrong, so that a reproduced bug passes and a vanished one fails;
 * {@link io.pinsim.junit.InjectFault} injects device faults. A failing test gets the trace as a
 * table in its message, and {@code trace.txt} and {@code timeline.html} under
 * {@code target/pinsim/}. Outcomes are published as report entries ({@link io.pinsim.junit.ReportEntries}).
 */
package io.pinsim.junit;
