package io.pinsim.runtime.internal.kernel;

import io.pinsim.runtime.Inode;
import io.pinsim.runtime.OpenFlags;
import io.pinsim.runtime.internal.fs.InodeImpl;
import io.pinsim.runtime.internal.fs.Memfd;
import io.pinsim.runtime.internal.fs.Open;
import io.pinsim.runtime.internal.fs.OpenFileImpl;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A process's open files, struct files_struct: the fd table that open() and memfd_create() fill
 * (fds from 3 on, in opening order) and the device files opened through drivers; exit_files()
 * closes them all after exit_mm(), so a device's -&gt;release() sees the address space gone.
 */
final class FilesStruct {
    private final ProcessImpl process;
    private int nextFd = 3;
    /** The open files (the fd table), in the order they were opened. */
    private final List<OpenFileImpl> files = new ArrayList<>();
    /** Open files of device character devices, in the order they were opened; released at exit after exit_mmap(). */
    final List<DeviceFileImpl> deviceFiles = new ArrayList<>();

    FilesStruct(ProcessImpl process) {
        this.process = process;
    }

    /** open(2) of an inode of this kernel: see {@link io.pinsim.runtime.Process#open}. */
    OpenFileImpl open(Inode file, int flags) {
        Objects.requireNonNull(file, "inode");
        process.requireAlive();
        if (!(file instanceof InodeImpl inode) || inode.kernel != process.kernel.core) {
            throw new IllegalArgumentException(file + " belongs to another kernel");
        }
        return process.kernel.core.op(process.name(), "open(" + inode.filesystem().name() + ":" + inode.name() + ", " + OpenFlags.describe(flags) + ")", -1, () -> {
            Open.check(inode, flags);
            return install(inode, flags);
        });
    }

    /** memfd_create(2): see {@link io.pinsim.runtime.Process#memfdCreate}. */
    OpenFileImpl memfdCreate(String memfdName, int flags) {
        Objects.requireNonNull(memfdName, "name");
        process.requireAlive();
        return process.kernel.core.op(process.name(), Memfd.describe(memfdName, flags), -1,
                () -> install(process.kernel.memfdInode(memfdName, flags), OpenFlags.RDWR));
    }

    /** fd_install() of a new file description at the next free fd. */
    private OpenFileImpl install(InodeImpl inode, int flags) {
        OpenFileImpl f = new OpenFileImpl(process, inode, flags, nextFd++);
        files.add(f);
        return f;
    }

    /** exit_files(), after exit_mm(): every open file is closed, every device file released. */
    void exitFiles() {
        for (OpenFileImpl f : files) {
            f.closeOnExit();
        }
        files.clear();
        for (DeviceFileImpl f : List.copyOf(deviceFiles)) {
            f.release("exit_files()");
        }
    }
}
