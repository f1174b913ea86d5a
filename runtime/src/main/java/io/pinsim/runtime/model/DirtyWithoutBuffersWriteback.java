package io.pinsim.runtime.model;

/**
 * What ext4 writeback does with a dirty page-cache page that has no buffers (reclaim stripped them while
 * a pin held the page, then the pin holder dirtied it: Jan Kara, 2018-01-03). Read in 4.19 fs/ext4/inode.c
 * and include/linux/buffer_head.h.
 */
public enum DirtyWithoutBuffersWriteback implements Switch {
    /** ext4_writepage() calls page_buffers(), whose BUG_ON(!PagePrivate(page)) oopses the kernel (ext4_writepage() up to 5.17) */
    @Switch.Doc(behaviour = "ext4_writepage() calls page_buffers(), whose BUG_ON(!PagePrivate(page)) oopses the kernel", source = "ext4_writepage() up to 5.17")
    BUG,
    /** ext4_warning_inode("page %lu does not have buffers attached"), the page is cleaned and skipped: its data never reaches the disk (cc5095747edf ext4: don't BUG if someone dirty pages without asking ext4 first, 5.18) */
    @Switch.Doc(behaviour = "ext4_warning_inode(\"page %lu does not have buffers attached\"), the page is cleaned and skipped: its data never reaches the disk", source = "cc5095747edf ext4: don't BUG if someone dirty pages without asking ext4 first, 5.18")
    WARN_AND_DROP
}
