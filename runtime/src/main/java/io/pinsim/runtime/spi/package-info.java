/**
 * The driver SPI: what a device model gets from the kernel it attaches to
 * ({@link io.pinsim.runtime.spi.DriverContext#attach}): GUP and pins with memlock accounting,
 * interval mmu notifiers, hmm_range_fault(), DMA into the frames it holds, and a
 * {@link io.pinsim.runtime.spi.DevicePageTable} to mirror CPU mappings. Every call is traced with
 * the device as the actor. The SPI depends on the public API, never the reverse.
 */
package io.pinsim.runtime.spi;
