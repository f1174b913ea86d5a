package io.pinsim.runtime.internal.fs;

import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.MemfdFlags;
import io.pinsim.runtime.model.MemfdExec;
import java.nio.charset.StandardCharsets;

/**
 * memfd_create() (mm/memfd.c, SYSCALL_DEFINE2(memfd_create)): the checks of the flags and the name
 * in the kernel's order, then a new unlinked inode "memfd:name" on the internal tmpfs mount
 * (shmem_file_setup()) or, for MFD_HUGETLB, on the internal hugetlbfs mount of the flags' page size
 * (hugetlb_file_setup() with VM_NORESERVE: nothing is reserved until a mapping is made).
 */
public final class Memfd {
    private Memfd() {
    }

    /** The call as the trace shows it. */
    public static String describe(String name, int flags) {
        return "memfd_create(\"" + name + "\", " + MemfdFlags.describe(flags) + ")";
    }

    /**
     * The checks of memfd_create() and hugetlb_file_setup(), before anything changes: unknown flags
     * (MFD_HUGE_* bits only with MFD_HUGETLB; MFD_NOEXEC_SEAL and MFD_EXEC per {@link MemfdExec}),
     * both MFD_EXEC and MFD_NOEXEC_SEAL, and a name longer than MFD_NAME_MAX_LEN are EINVAL; a
     * page size with no hstate is ENODEV (get_hstate_idx() &lt; 0: x86-64 has the 2 MiB and 1 GiB hstates).
     */
    public static void check(MemfdExec exec, String name, int flags) {
        String call = "memfd_create";
        int all = MemfdFlags.ALL | (exec != MemfdExec.UNKNOWN_FLAGS ? MemfdFlags.NOEXEC_SEAL | MemfdFlags.EXEC : 0);
        int allowed = (flags & MemfdFlags.HUGETLB) == 0 ? all : all | MemfdFlags.HUGE_SIZE_BITS;
        if ((flags & ~allowed) != 0) {
            throw new ErrnoException(Errno.EINVAL, call, "flags " + MemfdFlags.describe(flags) + ": "
                    + ((flags & MemfdFlags.HUGE_SIZE_BITS & ~allowed) != 0 ? "MFD_HUGE_* needs MFD_HUGETLB" : "unknown flags (MFD_ALL_FLAGS; " + exec.source() + ")"));
        }
        if ((flags & MemfdFlags.EXEC) != 0 && (flags & MemfdFlags.NOEXEC_SEAL) != 0) {
            throw new ErrnoException(Errno.EINVAL, call, "MFD_EXEC and MFD_NOEXEC_SEAL together (105ff5339f49)");
        }
        int len = name.getBytes(StandardCharsets.UTF_8).length;
        if (len > MemfdFlags.NAME_MAX_LEN) {
            throw new ErrnoException(Errno.EINVAL, call, "the name is " + len + " bytes, over MFD_NAME_MAX_LEN (" + MemfdFlags.NAME_MAX_LEN + ")");
        }
        int log = (flags & MemfdFlags.HUGE_SIZE_BITS) >>> MemfdFlags.HUGE_SHIFT;
        if (log != 0 && log != 21 && log != 30) {
            throw new ErrnoException(Errno.ENODEV, call, "no hugetlb pool of 2^" + log + " byte pages (hugetlb_file_setup: get_hstate_idx() finds no hstate;"
                    + " x86-64 has 2 MiB and 1 GiB)");
        }
    }

    /**
     * The new inode, on {@code shm} (tmpfs) or {@code hugetlbfs} per the flags, after {@link #check},
     * with its seals: F_SEAL_SEAL unless MFD_ALLOW_SEALING; MFD_NOEXEC_SEAL: mode 0666 and F_SEAL_EXEC
     * (check_sysctl_memfd_noexec() with vm.memfd_noexec = 0 turns no exec flag into MFD_EXEC, the
     * executable default). A hugetlbfs inode lives on the internal mount of the flags' hstate
     * (hugetlbfs_vfsmount[hstate_idx]).
     */
    public static InodeImpl create(MemfdExec exec, FilesystemImpl shm, FilesystemImpl hugetlbfs, String name, int flags) {
        check(exec, name, flags);
        InodeImpl inode;
        if ((flags & MemfdFlags.HUGETLB) == 0) {
            inode = shm.createUnlinked("memfd:" + name, 0);
        } else {
            boolean gigantic = (flags & MemfdFlags.HUGE_SIZE_BITS) == MemfdFlags.HUGE_1GB;
            inode = hugetlbfs.createUnlinked("memfd:" + name, gigantic ? io.pinsim.runtime.internal.mm.HugetlbPool.ORDER_1G : io.pinsim.runtime.internal.mm.HugetlbPool.ORDER_2M);
        }
        MemfdSeals.init(inode, flags);
        return inode;
    }
}
