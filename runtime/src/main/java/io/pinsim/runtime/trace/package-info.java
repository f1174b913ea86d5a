/**
 * What a kernel did, in order: the {@link io.pinsim.runtime.trace.Trace} of steps and decisions,
 * the {@link io.pinsim.runtime.trace.KernelLog} (dmesg, mirrored to SLF4J logger
 * {@code pinsim.kernel}) and the per-step {@link io.pinsim.runtime.trace.FrameSnapshot}s.
 */
package io.pinsim.runtime.trace;
