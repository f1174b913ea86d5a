package io.pinsim.runtime.internal.fs;

import io.pinsim.runtime.BlockDevice;
import io.pinsim.runtime.Errno;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Filesystem;
import io.pinsim.runtime.FsKind;
import io.pinsim.runtime.Inode;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.internal.mm.MmCore;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/** A mounted filesystem of one {@link FsKind}, holding files by name. */
public final class FilesystemImpl implements io.pinsim.runtime.Filesystem {
    private final MmCore kernel;
    private final io.pinsim.runtime.Kernel publicKernel;
    private final FsKind kind;
    private final String name;
    private final Map<String, InodeImpl> files = new LinkedHashMap<>();
    private final BlockDevice device;
    private long nextIno = 12;

    public FilesystemImpl(io.pinsim.runtime.Kernel publicKernel, MmCore kernel, FsKind kind, String name, BlockDevice device) {
        this.publicKernel = publicKernel;
        this.kernel = kernel;
        this.kind = kind;
        this.name = name;
        this.device = device;
    }

    @Override
    public BlockDevice device() {
        if (device == null) {
            throw new IllegalStateException(name + " (" + kind + ") has no block device in the model");
        }
        return device;
    }

    @Override
    public FsKind kind() {
        return kind;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public io.pinsim.runtime.Kernel kernel() {
        return publicKernel;
    }

    @Override
    public InodeImpl create(String fileName) {
        return create(fileName, new byte[0]);
    }

    @Override
    public InodeImpl create(String fileName, byte[] content) {
        Objects.requireNonNull(fileName, "fileName");
        Objects.requireNonNull(content, "content");
        if (fileName.indexOf('/') >= 0) {
            throw new IllegalArgumentException("file name \"" + fileName + "\" contains '/': the model's filesystems have no directories; use a name without '/'");
        }
        return kernel.op("kernel", "create " + name + ":" + fileName + " (" + content.length + " bytes)", -1, () -> {
            if (fileName.isEmpty()) {
                throw new ErrnoException(Errno.ENOENT, "open(O_CREAT|O_EXCL)", "the file name is empty (getname: an empty pathname is -ENOENT)");
            }
            if (files.containsKey(fileName)) {
                throw new ErrnoException(Errno.EEXIST, "open(O_CREAT|O_EXCL)", name + ":" + fileName + " exists");
            }
            InodeImpl inode = new InodeImpl(kernel, this, nextIno++, fileName);
            files.put(fileName, inode);
            inode.initialContent(content);
            return inode;
        });
    }

    /**
     * An inode with no name in this filesystem (memfd_create()'s shmem_file_setup() /
     * hugetlb_file_setup() make unlinked files on the kernel's internal mounts); it is not in
     * {@link #files()}. On hugetlbfs its page cache gets the inode's reservation map, of huge pages
     * of {@code 1 << hugetlbOrder} small pages (the hstate of the mount).
     */
    InodeImpl createUnlinked(String inodeName, int hugetlbOrder) {
        InodeImpl inode = new InodeImpl(kernel, this, nextIno++, inodeName);
        inode.unlinked = true;
        if (kind == FsKind.HUGETLBFS) {
            io.pinsim.runtime.internal.mm.Hugetlb.makeHugetlbfs(inode.mapping, hugetlbOrder);
        }
        return inode;
    }

    @Override
    public InodeImpl file(String fileName) {
        Objects.requireNonNull(fileName, "fileName");
        InodeImpl i = files.get(fileName);
        if (i == null) {
            throw new IllegalArgumentException("no file \"" + fileName + "\" on " + name + "; files: " + files.keySet() + "; create it with create(\"" + fileName + "\")");
        }
        return i;
    }

    @Override
    public Map<String, io.pinsim.runtime.Inode> files() {
        return Collections.unmodifiableMap(files);
    }

    @Override
    public String toString() {
        return name + " (" + kind + ")";
    }
}
