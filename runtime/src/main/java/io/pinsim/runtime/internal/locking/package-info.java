/**
 * Implementation: the model's lockdep, mirroring {@code kernel/locking/lockdep.c} (lock classes,
 * held-lock stacks, the dependency graph and its reports) and the boot-time priming of
 * {@code drivers/dma-buf/dma-resv.c: dma_resv_lockdep()}.
 */
package io.pinsim.runtime.internal.locking;
