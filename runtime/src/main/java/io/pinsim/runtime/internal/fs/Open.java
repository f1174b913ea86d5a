package io.pinsim.runtime.internal.fs;

import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.FsKind;
import io.pinsim.runtime.OpenFlags;

/** The checks open() makes on its flags (build_open_flags(), do_dentry_open()), before a descriptor is taken. */
public final class Open {
    private Open() {
    }

    /**
     * Unknown flags (or O_ACCMODE) are EINVAL; so is O_DIRECT on a filesystem without direct I/O in
     * the model (do_dentry_open() refuses a mapping without -&gt;direct_IO).
     */
    public static void check(InodeImpl inode, int flags) {
        if ((flags & ~OpenFlags.KNOWN) != 0 || (flags & OpenFlags.ACCMODE) == OpenFlags.ACCMODE) {
            throw new ErrnoException(Errno.EINVAL, "open", "flags 0x" + Integer.toHexString(flags) + " are not known to the model");
        }
        if ((flags & OpenFlags.DIRECT) != 0 && inode.kind() != FsKind.EXT4) {
            throw new ErrnoException(Errno.EINVAL, "open", "O_DIRECT on " + inode.kind().label() + " is not modelled (the model's direct I/O goes through ext4's block device)");
        }
    }
}
