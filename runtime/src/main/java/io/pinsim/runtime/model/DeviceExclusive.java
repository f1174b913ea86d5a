package io.pinsim.runtime.model;

/**
 * Whether make_device_exclusive() exists: a device takes exclusive access to a page for atomics and
 * the CPU faults until the device lets go.
 */
public enum DeviceExclusive implements Switch {
    /** No make_device_exclusive(): a driver cannot take pages for device atomics; the request is EINVAL (before 5.14) */
    @Switch.Doc(behaviour = "no make_device_exclusive(): a driver cannot take pages for device atomics; the request is EINVAL", source = "before 5.14")
    UNSUPPORTED,
    /** make_device_exclusive_range() replaces the PTEs by device-exclusive swap entries under an MMU_NOTIFY_EXCLUSIVE invalidation; a CPU access restores them (b756a3b5e7ea mm: device exclusive memory access, 5.14) */
    @Switch.Doc(behaviour = "make_device_exclusive_range() replaces the PTEs by device-exclusive swap entries under an MMU_NOTIFY_EXCLUSIVE invalidation; a CPU access restores them",
            source = "b756a3b5e7ea mm: device exclusive memory access, 5.14")
    EXCLUSIVE_ENTRY
}
