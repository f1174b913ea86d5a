package io.pinsim.runtime.internal.kernel;

import io.pinsim.runtime.spi.DeviceFile;
import io.pinsim.runtime.trace.TraceKind;

/** An open file of a device's character device in one process's fd table. */
final class DeviceFileImpl implements DeviceFile {
    private final KernelImpl kernel;
    private final ProcessImpl process;
    private final String device;
    private final String name;
    private final Runnable release;
    private boolean open = true;

    DeviceFileImpl(KernelImpl kernel, ProcessImpl process, String device, String name, Runnable release) {
        this.kernel = kernel;
        this.process = process;
        this.device = device;
        this.name = name;
        this.release = release;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public void close() {
        if (!open) {
            throw new IllegalStateException(name + " of \"" + process.name() + "\" is closed already; close it once");
        }
        kernel.core.run(process.name(), "close(" + name + ")", -1, () -> release("close()"));
    }

    /** The last fput(): -&gt;release() of the device. */
    void release(String why) {
        open = false;
        process.files.deviceFiles.remove(this);
        kernel.trace().record(device, TraceKind.INFO, -1, -1, why + ": " + name + " of \"" + process.name() + "\" released (->release)");
        release.run();
    }

    @Override
    public String toString() {
        return name + " of \"" + process.name() + "\"" + (open ? "" : " (closed)");
    }
}
