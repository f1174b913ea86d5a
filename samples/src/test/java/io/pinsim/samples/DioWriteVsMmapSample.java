package io.pinsim.samples;

import static io.pinsim.dsl.Pinsim.ext4;
import static io.pinsim.dsl.Pinsim.pages;

import io.pinsim.dsl.Scenario;
import io.pinsim.junit.PinsimModels;
import io.pinsim.runtime.Errno;

/**
 * A shared mapping dirties the page cache while an O_DIRECT write of the same range is in flight:
 * after the write the kernel cannot invalidate the stale page, prints its warning and records EIO
 * for the next fsync (dio_warn_stale_pagecache(), 5a9d929d6e13). Dave Chinner, "Re: [LSF/MM TOPIC]
 * Discuss least bad options for resolving longterm-GUP usage by RDMA", 2019-02-14.
 */
@Sample(id = "dio-write-vs-mmap", title = "O_DIRECT write while a shared mapping dirties the range",
        source = "Dave Chinner, \"Re: [LSF/MM TOPIC] Discuss least bad options for resolving longterm-GUP usage by RDMA\", linux-mm, 2019-02-14",
        story = "An O_DIRECT write of a file range is in flight; meanwhile the process writes the same range through a shared mapping, which "
                + "faults the page into the page cache and dirties it. When the write completes the kernel cannot invalidate the dirty page: "
                + "it prints \"Page cache invalidation failure on direct I/O.  Possible data corruption due to collision with buffered I/O!\" "
                + "and the next fsync() fails with EIO.")
class DioWriteVsMmapSample {
    @PinsimModels
    void theKernelWarnsAndFsyncFails(Scenario s) {
        s.file("data").on(ext4).process("A").malloc(pages(1)).write('D').startDirectWrite().mmapFile(pages(1)).write('M').dmaCompletes()
                .assertKernelLog("Page cache invalidation failure on direct I/O.  Possible data corruption due to collision with buffered I/O!")
                .assertKernelLog("File: /ext4/data PID: ")
                .fsync().assertFails(Errno.EIO);
    }
}
