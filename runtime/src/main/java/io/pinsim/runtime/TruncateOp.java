package io.pinsim.runtime;

/**
 * A truncate or hole punch that may have to sleep: ext4_setattr() / ext4_punch_hole() first wait
 * for the file's direct I/O (inode_dio_wait()); on fs-DAX the filesystem then breaks the layout
 * (xfs_break_dax_layouts() / ext4_break_layouts()): unmap every user mapping and wait, interruptibly,
 * until no page of the range is held (a pin of a DAX page is a pin of the block itself; 5fac7408d828).
 * The kernel retries a pending operation after every step, so it finishes in the step that drops
 * the last reference.
 */
public interface TruncateOp {
    /** Whether the truncate or punch has happened. */
    boolean isDone();

    /** What it waits for, or null when it does not wait. */
    String waitingFor();
}
