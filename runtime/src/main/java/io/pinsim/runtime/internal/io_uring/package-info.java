/**
 * io_uring/: rings and registered (fixed) buffers ({@link io.pinsim.runtime.internal.io_uring.IoUringImpl}:
 * io_uring_setup, io_sqe_buffers_register with its long-term pins and user-&gt;locked_vm
 * accounting, READ_FIXED/WRITE_FIXED).
 */
package io.pinsim.runtime.internal.io_uring;
