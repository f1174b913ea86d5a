/**
 * The implementation of the runtime, laid out like the kernel's tree so that a kernel developer
 * finds a behaviour under the kernel's file and function name. <strong>Not API:</strong> nothing
 * under {@code io.pinsim.runtime.internal} is for users or drivers, and it may change in any
 * release; use {@link io.pinsim.runtime} and {@link io.pinsim.runtime.spi}.
 *
 * <p>The packages are layered as the kernel's call graph is, with no cycle: {@code mm} (bottom)
 * &lt;- {@code block} &lt;- {@code fs} &lt;- {@code io_uring} &lt;- {@code kernel} (top). Where the
 * kernel calls upwards through a function pointer, the model does too: mm reaches a file through
 * {@link io.pinsim.runtime.internal.mm.AddressSpace.Host} (address_space-&gt;host and its
 * operations) and a process through {@link io.pinsim.runtime.internal.mm.MmOwner} (task-&gt;mm); a
 * bio reaches its request through {@link io.pinsim.runtime.internal.block.BioImpl.EndIo}
 * (bi_private, bi_end_io). Classes are named after the kernel's units and methods after its
 * functions ({@code handlePteFault}, {@code doWpPage}, {@code tryGrabPage},
 * {@code gupFastPteRange}, {@code copyPresentPte}); every behaviour's javadoc names the kernel
 * function or commit it follows.
 */
package io.pinsim.runtime.internal;
