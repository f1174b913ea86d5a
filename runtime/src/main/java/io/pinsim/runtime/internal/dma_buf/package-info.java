/**
 * Implementation: dma-fences, their lockdep annotations and reservation objects, mirroring
 * {@code drivers/dma-buf} (dma-fence.c, dma-resv.c).
 */
package io.pinsim.runtime.internal.dma_buf;
