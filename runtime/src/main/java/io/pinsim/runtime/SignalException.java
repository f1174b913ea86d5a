package io.pinsim.runtime;

/**
 * A CPU access that the MMU could not satisfy: the kernel delivered {@link #signal()} to the process
 * and, since the model installs no handlers, the process was killed. Thrown by the access itself.
 */
public final class SignalException extends PinsimException {
    private static final long serialVersionUID = 1L;

    private final Signal signal;
    private final long address;
    private final String process;

    /**
     * @param signal the signal
     * @param process the process it killed
     * @param address the faulting address
     * @param reason why, in the kernel's terms
     */
    public SignalException(Signal signal, String process, long address, String reason) {
        super(signal + " in process \"" + process + "\" at " + Kernel.hex(address) + ": " + reason);
        this.signal = signal;
        this.address = address;
        this.process = process;
    }

    /** @return the signal delivered */
    public Signal signal() {
        return signal;
    }

    /** The faulting address ({@code si_addr}). */
    public long address() {
        return address;
    }

    /** The name of the process that was killed. */
    public String processName() {
        return process;
    }
}
