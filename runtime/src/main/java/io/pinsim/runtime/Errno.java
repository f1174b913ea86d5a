package io.pinsim.runtime;

/**
 * The errno values the modelled syscalls return, with the numbers of
 * {@code include/uapi/asm-generic/errno-base.h} and {@code errno.h} on x86-64.
 */
public enum Errno {
    EPERM(1), ENOENT(2), EINTR(4), EIO(5), ENXIO(6), EBADF(9), EAGAIN(11), ENOMEM(12), EACCES(13), EFAULT(14),
    ENOTBLK(15), EBUSY(16), EEXIST(17), EINVAL(22), ETXTBSY(26), EFBIG(27), ENOSPC(28), ENOSYS(38), EOVERFLOW(75), EOPNOTSUPP(95);

    private final int number;

    Errno(int number) {
        this.number = number;
    }

    /** The positive errno number, as user space sees it in {@code errno}. */
    public int number() {
        return number;
    }
}
