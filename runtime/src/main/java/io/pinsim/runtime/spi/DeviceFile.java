package io.pinsim.runtime.spi;

/**
 * An open file of a device's character device held by a process (a uacce queue's fd): its
 * ->release() runs when the process closes it, or at exit in exit_files(), which runs after the
 * address space went (exit_mm() before exit_files() in do_exit()). The model does not inherit it
 * across fork: a child that would hold the fd keeps no reference to it.
 */
public interface DeviceFile {
    /** Whether the file is still open. */
    boolean isOpen();

    /**
     * close(): runs ->release() now.
     *
     * @throws IllegalStateException if already released
     */
    void close();
}
