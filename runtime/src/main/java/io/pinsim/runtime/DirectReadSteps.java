package io.pinsim.runtime;

/**
 * A blocking read(2)/pread(2) of an O_DIRECT file from one thread, as the steps another CPU can
 * observe (ext4_dio_read_iter() -&gt; iomap_dio_rw(), fs/iomap/direct-io.c; the same for xfs):
 * <ol>
 * <li>take i_rwsem for read (inode_lock_shared()), check, flush the page cache
 *     (filemap_write_and_wait_range()): it waits while truncate holds i_rwsem for write;</li>
 * <li>the user pages, with the steps of {@link GupFast} (bio_iov_iter_get_pages() -&gt;
 *     get_user_pages_fast(), FOLL_GET, or from 6.5 pin_user_pages_fast(), FOLL_PIN): its slow
 *     path waits for mmap_lock while a fork holds it;</li>
 * <li>submit_bio(): the pages are dirtied (bio_set_pages_dirty()) and the request counts for
 *     inode_dio_wait();</li>
 * <li>the device's DMA into the frames held now (the device's step, in the reading thread's column:
 *     the thread sleeps in iomap_dio_rw() until the completion);</li>
 * <li>completion (iomap_dio_bio_end_io(), bio_release_pages(): put or unpin the pages), wake-up and
 *     inode_unlock_shared(); read() returns the bytes.</li>
 * </ol>
 * Running every step in a row ({@link #run()}) is {@link OpenFile#pread} of an O_DIRECT file.
 */
public interface DirectReadSteps extends Steppable {
    /** Runs every remaining step; {@link IllegalStateException} if a step would wait for a lock forever. */
    int run();

    /** The bytes read, once done. */
    int result();

    /** The request once its bio is built, else null. */
    DirectIo request();
}
