package io.pinsim.runtime;

import java.util.Map;

/** A mounted filesystem of one {@link FsKind}, holding files by name. */
public interface Filesystem {
    /** The block device under an ext4 filesystem; {@link IllegalStateException} for tmpfs and DAX. */
    BlockDevice device();

    /** @return tmpfs, ext4 or fs-DAX */
    FsKind kind();

    /** The mount's name, e.g. {@code ext4}. */
    String name();

    /** @return the kernel it is mounted in */
    Kernel kernel();

    /**
     * Creates an empty file (open(O_CREAT|O_EXCL) without keeping it open).
     *
     * @throws ErrnoException           EEXIST if the name is taken; ENOENT for an empty name
     *                                  (getname_flags())
     * @throws IllegalArgumentException for a name with '/': the model has no directories
     * @throws NullPointerException     for a null name
     */
    Inode create(String fileName);

    /**
     * Creates a file whose content is already on disk (for ext4: written and written back; for
     * tmpfs: in the page cache, its only copy; for DAX: in its blocks).
     *
     * @throws ErrnoException           EEXIST if the name is taken; ENOENT for an empty name
     *                                  (getname_flags())
     * @throws IllegalArgumentException for a name with '/': the model has no directories
     * @throws NullPointerException     for a null name or content
     */
    Inode create(String fileName, byte[] content);

    /** The file with this name. */
    Inode file(String fileName);

    /** The files, in creation order. */
    Map<String, Inode> files();
}
