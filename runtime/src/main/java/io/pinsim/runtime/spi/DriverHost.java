package io.pinsim.runtime.spi;

/**
 * Implemented by a kernel that device drivers can attach to; {@link DriverContext#attach} is how
 * drivers use it. Not for users: the runtime's kernel implements it.
 */
public interface DriverHost {
    /** Attaches a device by name and returns the services its driver gets. */
    DriverContext attachDevice(String deviceName);
}
