package io.pinsim.runtime;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/** A mounted filesystem of one {@link FsKind}, holding files by name. */
public final class Filesystem {
    private final Kernel kernel;
    private final FsKind kind;
    private final String name;
    private final Map<String, Inode> files = new LinkedHashMap<>();
    private final BlockDevice device;
    private long nextIno = 12;

    Filesystem(Kernel kernel, FsKind kind, String name, BlockDevice device) {
        this.kernel = kernel;
        this.kind = kind;
        this.name = name;
        this.device = device;
    }

    /** The block device under an ext4 filesystem; {@link IllegalStateException} for tmpfs and DAX. */
    public BlockDevice device() {
        if (device == null) {
            throw new IllegalStateException(name + " (" + kind + ") has no block device in the model");
        }
        return device;
    }

    public FsKind kind() {
        return kind;
    }

    /** The mount's name, e.g. {@code ext4}. */
    public String name() {
        return name;
    }

    public Kernel kernel() {
        return kernel;
    }

    /** Creates an empty file (open(O_CREAT|O_EXCL) without keeping it open). */
    public Inode create(String fileName) {
        return create(fileName, new byte[0]);
    }

    /**
     * Creates a file whose content is already on disk (for ext4: written and written back; for
     * tmpfs: in the page cache, its only copy; for DAX: in its blocks).
     *
     * @throws ErrnoException EEXIST if the name is taken
     */
    public Inode create(String fileName, byte[] content) {
        Objects.requireNonNull(fileName, "fileName");
        Objects.requireNonNull(content, "content");
        return kernel.op("kernel", "create " + name + ":" + fileName + " (" + content.length + " bytes)", -1, () -> {
            if (files.containsKey(fileName)) {
                throw new ErrnoException(Errno.EEXIST, "open(O_CREAT|O_EXCL)", name + ":" + fileName + " exists");
            }
            Inode inode = new Inode(kernel, this, nextIno++, fileName);
            files.put(fileName, inode);
            inode.initialContent(content);
            return inode;
        });
    }

    /** The file with this name. */
    public Inode file(String fileName) {
        Inode i = files.get(fileName);
        if (i == null) {
            throw new IllegalArgumentException("no file \"" + fileName + "\" on " + name + "; files: " + files.keySet() + "; create it with create(\"" + fileName + "\")");
        }
        return i;
    }

    /** The files, in creation order. */
    public Map<String, Inode> files() {
        return Collections.unmodifiableMap(files);
    }

    @Override
    public String toString() {
        return name + " (" + kind + ")";
    }
}
