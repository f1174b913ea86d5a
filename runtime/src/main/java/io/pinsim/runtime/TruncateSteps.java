package io.pinsim.runtime;

/**
 * ftruncate() that shrinks an ext4 or tmpfs file, from a thread, as the steps another CPU can
 * observe (do_truncate() -&gt; ext4_setattr() -&gt; truncate_pagecache(), mm/truncate.c):
 * <ol>
 * <li>inode_lock(): i_rwsem for write; it waits while an O_DIRECT read holds it shared;</li>
 * <li>inode_dio_wait(): waits while asynchronous direct I/O on the file is in flight;</li>
 * <li>filemap_invalidate_lock() (ext4's i_mmap_sem before 5.15), i_size_write(), then
 *     unmap_mapping_range() of everything past the new size, private COW copies included;</li>
 * <li>truncate_inode_pages(): the pages leave the page cache (a page something still holds stays
 *     with its holder, an orphan), the blocks are freed, unmap_mapping_range() again, and both locks
 *     are dropped.</li>
 * </ol>
 * A page fault on the file waits for the invalidate lock, so GUP's slow path cannot map a page
 * between the unmap and the removal; GUP-fast, which takes no lock, grabs what the page table maps
 * before the unmap. Growing the file is one step after the locks. Running every step in a row
 * truncates as {@link OpenFile#ftruncate} does when nothing makes it wait.
 */
public interface TruncateSteps extends Steppable {
    /** Runs every remaining step; {@link IllegalStateException} if a step would wait forever. */
    void run();
}
