package io.pinsim.dsl;

import io.pinsim.runtime.FsKind;
import io.pinsim.runtime.Process;
import java.util.Objects;

/**
 * The steps on the scenario's file: declaring it on a filesystem, ftruncate(), hole punching,
 * writeback and fsync().
 *
 * @param <S> the scenario's own type, so steps keep the state-specific ones in reach
 */
abstract class FileSteps<S extends ScenarioSteps<S>> extends ProcessSteps<S> {
    FileSteps(ScenarioState state) {
        super(state);
    }

    /** Declares the scenario's file: complete with {@code .on(ext4)}; its content is {@code 'F'} x {@code size}. */
    @CheckReturnValue
    public FileDecl<S> file(String name) {
        return file(name, Pinsim.pages(1));
    }

    /** Declares the scenario's file with a size. */
    @CheckReturnValue
    public FileDecl<S> file(String name, Size size) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(size, "size");
        requireBufferSize(size, "file(\"" + name + "\", " + size + ")");
        if (name.indexOf('/') >= 0) {
            // checked before .on(..) mounts the filesystem, as Filesystem.create() would refuse it after
            throw new IllegalArgumentException("file name \"" + name + "\" contains '/': the model's filesystems have no directories; use a name without '/'");
        }
        return new FileDecl<>(self(), name, size);
    }

    S createFile(String name, Size size, FsKind kind) {
        return step("file(\"" + name + "\").on(" + kind + ")", () -> {
            byte[] content = new byte[(int) size.bytes()];
            java.util.Arrays.fill(content, (byte) 'F');
            state.file = state.kernel.mount(kind).create(name, content);
        });
    }

    /**
     * memfd_create("pinsim", 0) by the current process, then ftruncate() to the size: the
     * scenario's file is then that tmpfs memfd (zero-filled; upstream gup_longterm.c's "with memfd"),
     * which {@code mmapFile(size)} and {@code mmapFilePrivate(size)} map.
     */
    @CheckReturnValue
    public S memfd(Size size) {
        Objects.requireNonNull(size, "size");
        return memfd("memfd(" + size + ")", size, 0);
    }

    /**
     * memfd_create("pinsim", MFD_HUGETLB | MFD_HUGE_2MB) by the current process, then ftruncate()
     * to the size: the scenario's file is then that hugetlbfs memfd (gup_longterm.c's "with memfd
     * hugetlb"), whose mappings ({@code mmapFile(size)}, {@code mmapFilePrivate(size)}) map 2 MiB
     * hugetlb folios by PMD. The hugetlb pool grows first if it must, to twice the file's huge
     * pages (room for a private mapping's copy of each), as for {@code mallocHugetlb}.
     *
     * @throws IllegalArgumentException if the size is not a multiple of 2 MiB ({@code pages(512)})
     */
    @CheckReturnValue
    public S memfdHugetlb(Size size) {
        Objects.requireNonNull(size, "size");
        if (size.bytes() % (2L << 20) != 0) {
            throw new IllegalArgumentException("memfdHugetlb(" + size + "): a hugetlbfs file's size is a multiple of 2 MiB (pages(512)); use memfd(size) for a tmpfs memfd");
        }
        return memfd("memfdHugetlb(" + size + ")", size, io.pinsim.runtime.MemfdFlags.HUGETLB | io.pinsim.runtime.MemfdFlags.HUGE_2MB);
    }

    /**
     * {@link #memfdHugetlb(Size)} with the given hugetlb page size: {@link io.pinsim.runtime.Kernel#HUGE_PAGE_2MB}
     * or {@link io.pinsim.runtime.Kernel#HUGE_PAGE_1GB} (MFD_HUGE_1GB: the file's folios are 1 GiB,
     * mapped by PUD-level entries; the 1 GiB pool grows first if it must).
     *
     * @throws IllegalArgumentException if the page size is neither, or the size not a multiple of it
     */
    @CheckReturnValue
    public S memfdHugetlb(Size size, long pageSize) {
        Objects.requireNonNull(size, "size");
        String name = "memfdHugetlb(" + size + ", " + pageSize + ")";
        if (pageSize != io.pinsim.runtime.Kernel.HUGE_PAGE_2MB && pageSize != io.pinsim.runtime.Kernel.HUGE_PAGE_1GB) {
            throw new IllegalArgumentException(name + ": the hugetlb page size is Kernel.HUGE_PAGE_2MB or Kernel.HUGE_PAGE_1GB, not " + pageSize);
        }
        if (size.bytes() % pageSize != 0) {
            throw new IllegalArgumentException(name + ": a hugetlbfs file's size is a multiple of its page size; use memfd(size) for a tmpfs memfd");
        }
        return memfd(name, size, io.pinsim.runtime.MemfdFlags.HUGETLB
                | (pageSize == io.pinsim.runtime.Kernel.HUGE_PAGE_1GB ? io.pinsim.runtime.MemfdFlags.HUGE_1GB : io.pinsim.runtime.MemfdFlags.HUGE_2MB));
    }

    private S memfd(String name, Size size, int flags) {
        requireBufferSize(size, name);
        Process p = requireProcess(name);
        return step(name, () -> {
            if ((flags & io.pinsim.runtime.MemfdFlags.HUGETLB) != 0) {
                long hpage = (flags & io.pinsim.runtime.MemfdFlags.HUGE_SIZE_BITS) == io.pinsim.runtime.MemfdFlags.HUGE_1GB
                        ? io.pinsim.runtime.Kernel.HUGE_PAGE_1GB : io.pinsim.runtime.Kernel.HUGE_PAGE_2MB;
                io.pinsim.runtime.HugePages pool = state.kernel.hugePages(hpage);
                long shortfall = 2 * (size.bytes() / hpage) - (pool.free() - pool.reserved());
                if (shortfall > 0) {
                    state.kernel.setNrHugepages(hpage, pool.total() + shortfall);
                }
            }
            io.pinsim.runtime.OpenFile f = p.memfdCreate("pinsim", flags);
            f.ftruncate(size.bytes());
            state.file = f.inode();
            state.openFiles.clear();
            state.openFiles.put(p, f);
        });
    }

    /** ftruncate(file, 0) by the current process. */
    @CheckReturnValue
    public S truncate() {
        return truncate(0);
    }

    /** ftruncate(file, size) by the current process. */
    @CheckReturnValue
    public S truncate(long size) {
        Process p = requireProcess("truncate()");
        requireFile("truncate()");
        return step("truncate(" + size + ")", () -> openFile(p, false).ftruncate(size));
    }

    /** fallocate(PUNCH_HOLE) over the whole file by the current process. */
    @CheckReturnValue
    public S punchHole() {
        Process p = requireProcess("punchHole()");
        io.pinsim.runtime.Inode f = requireFile("punchHole()");
        return step("punchHole()", () -> openFile(p, false).punchHole(0, Math.max(1, f.size())));
    }

    /**
     * fallocate(fd, 0, 0, size) over the whole file by the current process, as upstream cow.c and
     * gup_longterm.c give their files pages before mapping them: a tmpfs file or memfd gets zeroed
     * pages in its page cache, a hugetlbfs memfd 2 MiB folios from the pool (so a private mapping's
     * first fault maps the page-cache folio instead of a new anonymous one, as hugetlb_no_page()
     * does with a hole), an ext4 file unwritten blocks. An empty file fails with EINVAL, an
     * exhausted hugetlb pool with ENOSPC.
     */
    @CheckReturnValue
    public S fallocate() {
        Process p = requireProcess("fallocate()");
        io.pinsim.runtime.Inode f = requireFile("fallocate()");
        return step("fallocate()", () -> openFile(p, false).fallocate(0, 0, f.size()));
    }

    /** The flusher writes the file's dirty pages back. */
    @CheckReturnValue
    public S writeback() {
        Process p = requireProcess("writeback()");
        requireFile("writeback()");
        return step("writeback()", () -> openFile(p, false).writeback());
    }

    /** fsync() of the file by the current process. */
    @CheckReturnValue
    public S fsync() {
        Process p = requireProcess("fsync()");
        requireFile("fsync()");
        return step("fsync()", () -> openFile(p, false).fsync());
    }
}
