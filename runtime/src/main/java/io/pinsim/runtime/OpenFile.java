package io.pinsim.runtime;

/**
 * An open file description (struct file) of one process: its flags, its position, and the
 * errseq sample that fsync() compares with the file's writeback errors. Buffered I/O copies through
 * the page cache; with {@link OpenFlags#DIRECT} reads and writes go to the device through
 * {@link DirectIo} requests. The checks are the kernel's, in its order: EBADF for a closed file or
 * the wrong mode, EINVAL for a negative offset or count or one whose end overflows
 * (rw_verify_area()), EFAULT for a user buffer outside the address space (access_ok()), EFBIG for
 * a write, truncate or hole past the filesystem's {@link FsKind#maxBytes()}. Using the file of an
 * exited process throws {@link IllegalStateException}.
 */
public interface OpenFile {
    /** @return the open file */
    Inode inode();

    /** @return the process whose descriptor it is */
    Process process();

    /** The descriptor number in the process. */
    int fd();

    /** @return whether it was opened with O_DIRECT */
    boolean isDirect();

    /** @return whether close() has run */
    boolean isClosed();

    /**
     * fcntl(fd, F_SETLEASE, F_LAYOUT [| F_UNBREAKABLE]): a layout lease on the file, only in the
     * proposal {@link io.pinsim.runtime.model.DaxLongtermPin#PROPOSAL_LAYOUT_LEASE} (2019, never
     * merged), where a long-term pin of fs-DAX needs one. An unbreakable lease makes a truncate of a
     * pinned block fail with ETXTBSY; a breakable one is broken by it ({@link #isLayoutLeaseBroken()}),
     * and the truncate waits for the holder to drop its pins. close() releases it.
     *
     * @throws ErrnoException EINVAL on a kernel without layout leases (every shipped one); EAGAIN if
     *                        another process holds the file's lease; EBADF for a closed file
     */
    void setLayoutLease(boolean unbreakable);

    /** fcntl(fd, F_SETLEASE, F_UNLCK): releases this process's layout lease on the file, if any. EBADF for a closed file. */
    void releaseLayoutLease();

    /**
     * fcntl(fd, F_ADD_SEALS, seals) (mm/memfd.c memfd_add_seals()): adds {@link SealFlags} to a
     * tmpfs or hugetlbfs file; seals are never removed. Adding {@link SealFlags#WRITE} fails with
     * EBUSY while a shared mapping of the file open for writing exists (mapping_deny_writable()) or
     * while a page of the file has references besides its mappings and the page cache: a pin of an
     * RDMA MR or an io_uring fixed buffer, direct I/O in flight (memfd_wait_for_pins(), which the
     * kernel retries for about 150 ms; the model answers as its last scan does). Which seals exist
     * and what F_SEAL_EXEC implies follow the model ({@link io.pinsim.runtime.model.MemfdFutureWrite},
     * {@link io.pinsim.runtime.model.MemfdExec}).
     *
     * @throws ErrnoException EBADF for a closed file; EPERM for a file not open for writing or sealed
     *                        F_SEAL_SEAL; EINVAL for unknown seals or a file without seals (ext4,
     *                        fs-DAX); EBUSY as above
     */
    void addSeals(int seals);

    /**
     * fcntl(fd, F_GET_SEALS): the file's {@link SealFlags} ({@link SealFlags#SEAL} for a tmpfs file
     * that allows none).
     *
     * @throws ErrnoException EBADF for a closed file; EINVAL for a file without seals (ext4, fs-DAX)
     */
    int getSeals();

    /** Whether this process's layout lease on the file was broken by a truncate (the lease break it must honour by dropping its pins). */
    boolean isLayoutLeaseBroken();

    /** read(fd, userAddress, length) at the file position; O_DIRECT files read directly. Returns the bytes read (0 at EOF). */
    int read(long userAddress, int length);

    /** write(fd, userAddress, length) at the file position. */
    int write(long userAddress, int length);

    /**
     * pread(fd, userAddress, length, offset): copies from the page cache into the process's memory
     * (copy_to_user: a bad buffer is EFAULT; as in filemap_read(), the pages read before the copy
     * failed stay in the page cache). O_DIRECT files read directly and synchronously.
     */
    int pread(long userAddress, int length, long offset);

    /** pread into a buffer the model does not track: returns the bytes (up to EOF). */
    byte[] pread(long offset, int length);

    /**
     * pwrite(fd, userAddress, length, offset): copies from the process's memory into the page cache
     * (copy_from_user: a bad buffer is EFAULT), dirtying pages (ext4: allocating blocks and buffers,
     * write_begin) and extending the file. O_DIRECT files write directly and synchronously. A
     * hugetlbfs file ({@link FsKind#HUGETLBFS}) has no write: EINVAL (vfs_write(), no FMODE_CAN_WRITE).
     */
    int pwrite(long userAddress, int length, long offset);

    /** pwrite from a buffer the model does not track (EINVAL on hugetlbfs, as above). */
    int pwrite(byte[] data, long offset);

    /**
     * fsync(): writes back the file's dirty pages and waits (ext4), then reports a writeback error
     * recorded since this file description last looked (file_check_and_advance_wb_err(): each open
     * file sees the error once).
     *
     * @throws ErrnoException EIO if an error was recorded, e.g. by dio_warn_stale_pagecache()
     */
    void fsync();

    /**
     * Kernel-internal: the flusher writes back this file's dirty pages now (ext4; wb_workfn() -&gt;
     * __writeback_single_inode() -&gt; do_writepages()); returns how many.
     */
    int writeback();

    /**
     * The flusher's writeback of the file as steps: per dirty page lock_page(), page_mkclean() one
     * PTE per step, clear dirty + set_page_writeback() + unlock_page(), the I/O, end_page_writeback()
     * ({@link WritebackSteps}). Nothing to write on tmpfs or fs-DAX: the steps end at once.
     */
    WritebackSteps writebackSteps();

    /**
     * ftruncate(fd, size). If the kernel would sleep (direct I/O in flight; a held DAX page) this
     * throws {@link IllegalStateException} before anything happens: use {@link #startTruncate(long)}
     * to see the wait.
     *
     * @throws ErrnoException EINVAL for a negative size or a file not open for writing; EFBIG past
     *                        s_maxbytes (inode_newsize_ok()); EBADF for a closed file; EINVAL on
     *                        hugetlbfs for a size that is not a multiple of 2 MiB (hugetlbfs_setattr())
     */
    void ftruncate(long size);

    /** ftruncate(fd, size) as an operation that may wait; the kernel finishes it in the step that ends the wait. */
    TruncateOp startTruncate(long size);

    /**
     * fallocate(fd, mode, offset, length) with mode 0 (allocate) or {@link FallocFlags#KEEP_SIZE}:
     * tmpfs and memfd put zeroed pages into the page cache (shmem_fallocate()); hugetlbfs puts
     * zeroed 2 MiB folios from the pool there, rounded out to huge pages (hugetlbfs_fallocate());
     * ext4 allocates unwritten blocks, which read as zeros. Without KEEP_SIZE a range past EOF
     * extends i_size to offset + length. {@code FALLOC_FL_PUNCH_HOLE|FALLOC_FL_KEEP_SIZE} is
     * {@link #punchHole}. Refused with {@link IllegalStateException} before anything happens if
     * ext4 would wait for direct I/O in flight (inode_dio_wait()).
     *
     * @throws ErrnoException in vfs_fallocate()'s order: EBADF for a closed file; EINVAL for a
     *                        negative offset or a length that is not positive; EOPNOTSUPP for
     *                        unknown mode bits, PUNCH_HOLE with ZERO_RANGE or without KEEP_SIZE,
     *                        and on tmpfs and hugetlbfs for any mode but allocate and punch;
     *                        EINVAL for COLLAPSE_RANGE or INSERT_RANGE with other bits and
     *                        UNSHARE_RANGE with bits but KEEP_SIZE; EBADF for a file not open for writing;
     *                        EFBIG past s_maxbytes or on overflow; then ENOSPC when the hugetlb pool
     *                        has no free page (the folios added before stay, as hugetlbfs_fallocate()
     *                        has no undo) and ENOMEM when tmpfs finds no memory (nothing stays)
     * @throws IllegalArgumentException for a mode the kernel has but the model does not
     *                        (ZERO_RANGE, COLLAPSE_RANGE, INSERT_RANGE, UNSHARE_RANGE on ext4)
     */
    void fallocate(int mode, long offset, long length);

    /**
     * fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, length); refused with
     * {@link IllegalStateException} before anything happens if it would sleep (see {@link #startPunchHole}),
     * or on hugetlbfs, where hole punching (hugetlbfs_punch_hole()) is not modelled.
     *
     * @throws ErrnoException EINVAL for a negative offset or a length that is not positive; EBADF for
     *                        a file not open for writing; EFBIG for a range that ends past s_maxbytes
     *                        or overflows (vfs_fallocate())
     */
    void punchHole(long offset, long length);

    /**
     * fallocate(PUNCH_HOLE) as an operation that may wait: whole pages in the range leave the page
     * cache (pinned ones as orphans) and their blocks are freed; partial pages are zeroed. Private
     * COW copies are kept (unmap_mapping_range(.., even_cows = 0)).
     */
    TruncateOp startPunchHole(long offset, long length);

    /** close(fd). In-flight direct I/O keeps going. */
    void close();

    /**
     * pread(fd, userAddress, length, offset) of this O_DIRECT file from {@code thread}, blocking, as
     * steps to interleave with other threads ({@link DirectReadSteps}); running them all in a row
     * reads as {@link #pread} does. The checks of {@link #startDirectRead} run at the first step.
     *
     * @throws IllegalArgumentException if {@code thread} is not a thread of the file's process
     * @throws IllegalStateException    if the file is not open with O_DIRECT or the process exited
     */
    DirectReadSteps preadDirectSteps(Task thread, long userAddress, int length, long offset);

    /**
     * ftruncate(fd, size) from {@code thread} as steps to interleave with other threads
     * ({@link TruncateSteps}): i_rwsem, inode_dio_wait(), the invalidate lock and the unmap, the
     * removal from the page cache. The checks of {@link #ftruncate} run now.
     *
     * @throws IllegalArgumentException if {@code thread} is not a thread of the file's process
     * @throws IllegalStateException    for an fs-DAX file (use {@link #startTruncate}) or an exited process
     */
    TruncateSteps truncateSteps(Task thread, long size);

    /**
     * fallocate(PUNCH_HOLE) from a thread of the file's process, as steps to interleave with other
     * threads ({@link PunchHoleSteps}): i_rwsem, inode_dio_wait(), the invalidate lock and the
     * unmap, truncate_inode_pages_range(). The checks of fallocate() run now.
     *
     * @throws IllegalArgumentException if the thread is not one of the file's process
     * @throws IllegalStateException    for an fs-DAX file (use startPunchHole(), whose layout break waits for held blocks)
     * @throws ErrnoException           as {@link #punchHole} fails: EINVAL, EBADF, EFBIG
     */
    PunchHoleSteps punchHoleSteps(Task thread, long offset, long length);

    /** io_submit of an O_DIRECT read (IOCB_CMD_PREAD): the request stays in flight until completed. */
    DirectIo startDirectRead(long userAddress, int length, long offset);

    /** io_submit of an O_DIRECT write (IOCB_CMD_PWRITE): the request stays in flight until completed. */
    DirectIo startDirectWrite(long userAddress, int length, long offset);
}
