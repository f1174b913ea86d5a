/**
 * block/: the bio a direct I/O submits ({@link io.pinsim.runtime.internal.block.BioImpl}); a
 * block device completes it. The devices themselves implement
 * {@link io.pinsim.runtime.BlockDevice} (for example {@link io.pinsim.runtime.SimpleDisk}).
 */
package io.pinsim.runtime.internal.block;
