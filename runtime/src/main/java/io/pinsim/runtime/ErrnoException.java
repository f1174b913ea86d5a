package io.pinsim.runtime;

import java.util.Objects;

/**
 * A syscall (or kernel-internal call such as GUP) that the kernel refuses. Carries the errno, the
 * call that refused, and the reason in kernel terms. The model guarantees that a call which throws
 * this changed nothing, unless its javadoc names the partial effect the real kernel leaves behind.
 */
public final class ErrnoException extends PinsimException {
    private static final long serialVersionUID = 1L;

    private final Errno errno;
    private final String call;
    private final String reason;

    /**
     * @param errno the error
     * @param call the syscall that failed
     * @param reason why, in the kernel's terms
     */
    public ErrnoException(Errno errno, String call, String reason) {
        super(call + ": " + Objects.requireNonNull(errno, "errno") + ": " + reason);
        this.errno = errno;
        this.call = call;
        this.reason = reason;
    }

    /** @return the error the syscall returned */
    public Errno errno() {
        return errno;
    }

    /** The call that failed, as the kernel names it, e.g. {@code pin_user_pages(FOLL_WRITE|FOLL_LONGTERM)}. */
    public String call() {
        return call;
    }

    /** Why the kernel refused, with the kernel function or commit that refuses. */
    public String reason() {
        return reason;
    }
}
