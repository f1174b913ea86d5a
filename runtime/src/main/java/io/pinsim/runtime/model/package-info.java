/**
 * The kernel models: {@link io.pinsim.runtime.model.KernelModel} is a name and one value for each
 * behaviour switch; every switch is an enum whose values say what the kernel does and which commit
 * introduced it. Code that behaves differently across kernels asks the model for a switch, never
 * for a version number.
 */
package io.pinsim.runtime.model;
