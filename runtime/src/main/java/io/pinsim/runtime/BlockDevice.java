package io.pinsim.runtime;

/**
 * A block device under a filesystem: it accepts bios (submit_bio()) and completes them later, when
 * the test or the device model says so. The runtime's own {@link SimpleDisk} just queues them; a
 * device model (an NVMe disk) implements this interface to add its own behaviour.
 */
public interface BlockDevice {
    /** The device's name, e.g. {@code sda} or {@code nvme0n1}. */
    String name();

    /** submit_bio(): the device takes the bio; it must eventually call {@link Bio#complete()}. */
    void submit(Bio bio);
}
