package io.pinsim.runtime;

/**
 * Writeback of a file's dirty pages by the flusher (WB_SYNC_NONE), as the steps another CPU can
 * observe: write_cache_pages() / ext4_writepages() -&gt; mpage_prepare_extent_to_map() -&gt;
 * mpage_submit_page() -&gt; ext4_bio_write_page() (mm/page-writeback.c, fs/ext4/inode.c,
 * fs/ext4/page-io.c), per dirty page:
 * <ol>
 * <li>lock_page(): waits while another operation holds the page lock; a page that is no longer
 *     dirty or already under writeback is unlocked and skipped; ext4 then checks the page's buffers
 *     (a page dirtied without them oopses up to 5.17, or is cleaned and dropped from 5.18,
 *     cc5095747edf);</li>
 * <li>clear_page_dirty_for_io() -&gt; page_mkclean(): one step per shared PTE that maps the page,
 *     each page_mkclean_one() under the PTL between mmu_notifier_invalidate_range_start/end
 *     (MMU_NOTIFY_PROTECTION_PAGE): write-protect and clean it, so the next store faults;</li>
 * <li>TestClearPageDirty(), set_page_writeback(), unlock_page();</li>
 * <li>the I/O: the block gets the page's bytes as they are now (a device still writing the page
 *     through a pin changes it after this: the data on disk is whatever was there);</li>
 * <li>end_page_writeback() at I/O completion.</li>
 * </ol>
 * The writeback holds a reference on the page from lock_page() to end_page_writeback() (the
 * pagevec reference; the kernel also keeps a page under writeback from being freed). Running every
 * step in a row writes back as {@link OpenFile#writeback()} does.
 */
public interface WritebackSteps extends Steppable {
    /**
     * Runs every remaining step; {@link IllegalStateException} if a step would wait forever.
     *
     * @return the number of pages written
     */
    int run();
}
