package io.pinsim.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * A page cache (struct address_space): the frames of a shmem object or file by page index, and the
 * VMAs that map it (i_mmap), which reverse mapping walks.
 */
final class AddressSpace {
    private final String name;
    /** The file whose page cache this is, or null for the shmem object of a shared anonymous mapping. */
    final Inode inode;
    final NavigableMap<Long, Frame> pages = new TreeMap<>();
    final List<Vma> vmas = new ArrayList<>(2);

    AddressSpace(String name, Inode inode) {
        this.name = name;
        this.inode = inode;
    }

    String name() {
        return name;
    }
}
