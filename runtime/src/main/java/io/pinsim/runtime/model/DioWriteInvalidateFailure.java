package io.pinsim.runtime.model;

/**
 * What an O_DIRECT write does when the page cache over its range cannot be invalidated before the write
 * (a page is dirty again after writeback; reference S13).
 */
public enum DioWriteInvalidateFailure implements Switch {
    /** the write falls back to buffered I/O (generic_file_direct_write returns 0 on -EBUSY; iomap returns -ENOTBLK and ext4 retries buffered) (generic_file_direct_write() (4.19 ext4 via fs/direct-io.c); iomap -ENOTBLK fallback, 5.10) */
    FALL_BACK_TO_BUFFERED("the write falls back to buffered I/O (generic_file_direct_write returns 0 on -EBUSY; iomap returns -ENOTBLK and ext4 retries buffered)", "generic_file_direct_write() (4.19 ext4 via fs/direct-io.c); iomap -ENOTBLK fallback, 5.10"),
    /** iomap warns (dio_warn_stale_pagecache: -EIO in wb_err) and goes on with the direct write (__iomap_dio_rw() in 5.5 - 5.9 (ext4 on iomap since 5.5)) */
    WARN_AND_CONTINUE("iomap warns (dio_warn_stale_pagecache: -EIO in wb_err) and goes on with the direct write", "__iomap_dio_rw() in 5.5 - 5.9 (ext4 on iomap since 5.5)");

    private final String behaviour;
    private final String source;

    DioWriteInvalidateFailure(String behaviour, String source) {
        this.behaviour = behaviour;
        this.source = source;
    }

    @Override
    public String behaviour() {
        return behaviour;
    }

    @Override
    public String source() {
        return source;
    }
}
