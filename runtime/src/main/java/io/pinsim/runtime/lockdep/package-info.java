/**
 * <b>API</b>: what the model's lockdep found (kernel/locking/lockdep.c): the lock dependencies it
 * recorded and the reports it printed, as {@code Kernel.lockdep()} returns them.
 */
package io.pinsim.runtime.lockdep;
