package io.pinsim.runtime;

/**
 * fallocate(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE) of an ext4 or tmpfs file, from a thread,
 * as the steps another CPU can observe (ext4_punch_hole() in fs/ext4/inode.c, truncate_pagecache_range()
 * in mm/truncate.c), with {@link TruncateSteps} as the template:
 * <ol>
 * <li>inode_lock(): i_rwsem for write (waits while an O_DIRECT read holds it shared); the range is
 *     clamped to i_size ("No need to punch hole beyond i_size");</li>
 * <li>inode_dio_wait(): waits while asynchronous direct I/O on the file is in flight;</li>
 * <li>filemap_invalidate_lock() (ext4's i_mmap_sem before 5.15), then unmap_mapping_range() of the
 *     whole pages of the hole, without the private COW copies (even_cows = 0);</li>
 * <li>truncate_inode_pages_range(): waits for the page lock and PG_writeback of every page it
 *     removes (a stepped writeback holds them); the partial pages at both ends are zeroed, the
 *     whole ones leave the page cache (a page something still holds stays with its holder), the
 *     blocks are freed, and both locks are dropped.</li>
 * </ol>
 * A page fault in the hole waits for the invalidate lock, so GUP's slow path cannot map a page
 * between the unmap and the removal; GUP-fast, which takes no lock, grabs what the page table maps
 * before the unmap. Running every step in a row punches as {@link OpenFile#punchHole} does when
 * nothing makes it wait.
 */
public interface PunchHoleSteps extends Steppable {
    /** Runs every remaining step; {@link IllegalStateException} if a step would wait forever. */
    void run();
}
