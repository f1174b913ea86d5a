/**
 * fs/ and mm/filemap.c, mm/truncate.c, mm/shmem.c: files and their page cache.
 * {@link io.pinsim.runtime.internal.fs.FilesystemImpl} (ext4, tmpfs, fs-DAX),
 * {@link io.pinsim.runtime.internal.fs.InodeImpl} (struct inode with its address_space: page cache,
 * page_mkwrite, writeback with page_mkclean, set_page_dirty),
 * {@link io.pinsim.runtime.internal.fs.OpenFileImpl} (struct file: read/write, fsync with errseq,
 * ftruncate, punch hole), {@link io.pinsim.runtime.internal.fs.TruncateOpImpl} (truncate_pagecache,
 * inode_dio_wait, the fs-DAX layout break), {@link io.pinsim.runtime.internal.fs.DirectIoImpl}
 * (fs/iomap/direct-io.c), {@link io.pinsim.runtime.internal.fs.PipeImpl} (fs/pipe.c, vmsplice from
 * fs/splice.c).
 */
package io.pinsim.runtime.internal.fs;
