/**
 * The schedule explorer: runs a setup and several threads of kernel operations
 * ({@link io.pinsim.runtime.Steppable}s) under every interleaving that matters, checks properties of
 * the states they reach, and reports the smallest failing schedule as a replayable string with its
 * trace table. {@link io.pinsim.runtime.explore.Explorer} describes an exploration,
 * {@link io.pinsim.runtime.explore.Search} how to search (CHESS's preemption bounding with
 * sleep-set partial-order reduction, or PCT), {@link io.pinsim.runtime.explore.Report} what it
 * found, and {@link io.pinsim.runtime.explore.Explorer#replay} runs one schedule again.
 *
 * <p>This package is public API: it uses the runtime only through {@link io.pinsim.runtime}, never
 * its implementation.
 */
package io.pinsim.runtime.explore;
