package io.pinsim.runtime;

import static io.pinsim.runtime.Fixtures.PAGE;
import static io.pinsim.runtime.Fixtures.RW;
import static io.pinsim.runtime.Fixtures.fill;
import static io.pinsim.runtime.Fixtures.kernel;
import static io.pinsim.runtime.Fixtures.seen;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pinsim.runtime.model.KernelModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** Files and the page cache: mappings, buffered I/O, truncate and hole punch with pinned pages, fs-DAX, writeback. */
class FilesTest {
    private static final int SHARED = MapFlags.SHARED;
    private static final int PRIVATE = MapFlags.PRIVATE;

    @ParameterizedTest
    @EnumSource(value = FsKind.class, names = {"EXT4", "TMPFS", "DAX"})
    void bufferedIoAndSharedMappingsSeeEachOther(FsKind kind) {
        Kernel k = kernel(KernelModel.LATEST);
        Inode ino = k.mount(kind).create("data", fill('F', 2 * PAGE));
        Process a = k.spawn("A");
        OpenFile f = a.open(ino, OpenFlags.RDWR);
        long map = a.mmap(0, 2L * PAGE, RW, SHARED, f, 0);
        assertThat(seen(a, map)).isEqualTo('F');
        f.pwrite(fill('W', 10), 0);
        assertThat(seen(a, map)).as("a write through the file is visible in the mapping").isEqualTo('W');
        a.write(map + PAGE, fill('M', 3));
        assertThat(f.pread(PAGE, 3)).as("a write through the mapping is visible to read()").containsOnly((byte) 'M');
        Process b = k.spawn("B");
        long other = b.mmap(0, 2L * PAGE, RW, SHARED, b.open(ino, OpenFlags.RDWR), 0);
        assertThat(seen(b, other + PAGE)).isEqualTo('M');
        assertThat(a.frameAt(map + PAGE)).isSameAs(b.frameAt(other + PAGE));
    }

    @Test
    void privateFileMappingsCopyOnWriteAndLeaveThePageCacheAlone() {
        Kernel k = kernel(KernelModel.LATEST);
        Inode ino = k.mount(FsKind.EXT4).create("data", fill('F', 2 * PAGE));
        Process a = k.spawn("A");
        OpenFile f = a.open(ino, OpenFlags.RDONLY);
        long map = a.mmap(0, 2L * PAGE, RW, PRIVATE, f, 0);
        assertThat(seen(a, map)).isEqualTo('F');
        assertThat(a.frameAt(map)).isSameAs(ino.cachedPage(0));
        a.write(map, fill('P', 1));
        assertThat(a.frameAt(map).isAnon()).isTrue();
        assertThat(ino.read(0, 1)).containsOnly((byte) 'F');
        Process writer = k.spawn("W");
        writer.open(ino, OpenFlags.RDWR).pwrite(fill('X', 2 * PAGE), 0);
        assertThat(seen(a, map)).as("the private copy keeps the process's data").isEqualTo('P');
        assertThat(seen(a, map + PAGE)).as("an unCOWed page still shows the page cache").isEqualTo('X');
        Process child = a.fork();
        assertThat(seen(child, map)).as("fork copies the PTEs of a private file VMA with anonymous pages").isEqualTo('P');
    }

    @Test
    void ext4SharedWritableMappingsAreDirtyTrackedAndWritebackCleansThem() {
        Kernel k = kernel(KernelModel.LATEST);
        Inode ino = k.mount(FsKind.EXT4).create("data", fill('F', PAGE));
        Process a = k.spawn("A");
        OpenFile f = a.open(ino, OpenFlags.RDWR);
        long map = a.mmap(0, PAGE, RW, SHARED, f, 0);
        seen(a, map);
        assertThat(a.isMappedWritable(map)).as("writenotify: read-only until ->page_mkwrite").isFalse();
        a.write(map, fill('M', 4));
        assertThat(a.isMappedWritable(map)).isTrue();
        assertThat(ino.dirtyPages()).isEqualTo(1);
        assertThat(ino.readDisk(0, 1)).containsOnly((byte) 'F');
        f.fsync();
        assertThat(ino.dirtyPages()).isZero();
        assertThat(ino.readDisk(0, 4)).containsOnly((byte) 'M');
        assertThat(a.isMappedWritable(map)).as("page_mkclean write-protected the PTE").isFalse();

        Inode shm = k.mount(FsKind.TMPFS).create("shm", fill('S', PAGE));
        long smap = a.mmap(0, PAGE, RW, SHARED, a.open(shm, OpenFlags.RDWR), 0);
        seen(a, smap);
        assertThat(a.isMappedWritable(smap)).as("tmpfs has no writenotify").isTrue();
    }

    @Test
    void mappingRulesAndSigbusPastEndOfFile() {
        Kernel k = kernel(KernelModel.LATEST);
        Inode ino = k.mount(FsKind.EXT4).create("data", fill('F', PAGE + 10));
        Process a = k.spawn("A");
        OpenFile ro = a.open(ino, OpenFlags.RDONLY);
        assertThatThrownBy(() -> a.mmap(0, PAGE, RW, SHARED, ro, 0)).isInstanceOfSatisfying(ErrnoException.class,
                e -> assertThat(e.errno()).isEqualTo(Errno.EACCES));
        long shr = a.mmap(0, PAGE, Prot.READ, SHARED, ro, 0);
        assertThatThrownBy(() -> a.mprotect(shr, PAGE, RW)).isInstanceOfSatisfying(ErrnoException.class,
                e -> assertThat(e.errno()).isEqualTo(Errno.EACCES));
        assertThatThrownBy(() -> a.mmap(0, PAGE, Prot.READ, SHARED, a.open(ino, OpenFlags.WRONLY), 0))
                .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EACCES));
        assertThatThrownBy(() -> a.mmap(0, PAGE, Prot.READ, PRIVATE, ro, 100)).isInstanceOfSatisfying(ErrnoException.class,
                e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
        long map = a.mmap(0, 3L * PAGE, Prot.READ, PRIVATE, ro, 0);
        assertThat(a.read(map + PAGE, 12)).as("the partial page at EOF reads zeros past i_size").containsSequence(fill('F', 10)).endsWith(0, 0);
        assertThatThrownBy(() -> a.read(map + 2L * PAGE, 1)).isInstanceOfSatisfying(SignalException.class,
                e -> assertThat(e.signal()).isEqualTo(Signal.SIGBUS));
    }

    /**
     * S15: a FOLL_FORCE write (ptrace, /proc/pid/mem) into a read-only private file mapping writes an
     * anonymous copy; the page cache and the file are untouched, in every era.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"LINUX_4_19", "LINUX_5_8", "LINUX_5_10", "LINUX_6_1", "LINUX_6_6"})
    void s15ForcedWriteIntoReadOnlyPrivateFileMapping(String model) {
        Kernel k = kernel(model);
        Inode ino = k.mount(FsKind.EXT4).create("lib.so", fill('L', PAGE));
        Process a = k.spawn("A");
        long map = a.mmap(0, PAGE, Prot.READ, PRIVATE, a.open(ino, OpenFlags.RDONLY), 0);
        seen(a, map);
        GupPages poke = a.getUserPages(map, 1, Foll.WRITE | Foll.FORCE, "ptrace");
        poke.write(0, fill('B', 2));
        assertThat(a.read(map, 3)).containsExactly('B', 'B', 'L');
        assertThat(ino.read(0, 3)).containsOnly((byte) 'L');
        assertThat(a.frameAt(map).isAnon()).isTrue();
        assertThat(a.isMappedWritable(map)).isFalse();
        assertThatThrownBy(() -> a.getUserPages(map, 1, Foll.WRITE, "no-force")).isInstanceOfSatisfying(ErrnoException.class,
                e -> assertThat(e.errno()).isEqualTo(Errno.EFAULT));
    }

    /**
     * S10: a FOLL_LONGTERM|FOLL_WRITE pin (an RDMA MR) of an ext4 MAP_SHARED mapping: allowed up to
     * 6.4, EFAULT from 6.5 (8ac268436e6d); the same pin of tmpfs memory is allowed everywhere.
     */
    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({"LINUX_4_19, pins", "LINUX_5_8, pins", "LINUX_5_10, pins", "LINUX_6_1, pins", "LINUX_6_6, EFAULT"})
    void s10LongtermWritePinOfExt4SharedMapping(String model, String expected) {
        Kernel k = kernel(model);
        Process a = k.spawn("A");
        long ext4 = a.mmap(0, PAGE, RW, SHARED, a.open(k.mount(FsKind.EXT4).create("data", fill('F', PAGE)), OpenFlags.RDWR), 0);
        long tmpfs = a.mmap(0, PAGE, RW, SHARED, a.open(k.mount(FsKind.TMPFS).create("shm", fill('S', PAGE)), OpenFlags.RDWR), 0);
        a.write(ext4, fill('W', 1));
        if (expected.equals("pins")) {
            assertThat(a.pinUserPagesFast(ext4, 1, Foll.WRITE | Foll.LONGTERM, "rdma0").count()).isEqualTo(1);
        } else {
            assertThatThrownBy(() -> a.pinUserPagesFast(ext4, 1, Foll.WRITE | Foll.LONGTERM, "rdma0"))
                    .isInstanceOfSatisfying(ErrnoException.class, e -> {
                        assertThat(e.errno()).isEqualTo(Errno.EFAULT);
                        assertThat(e.reason()).contains("8ac268436e6d");
                    });
            assertThat(k.trace().events(e -> e.message().contains("a6e79df92e4a"))).as("GUP-fast fell back to the slow path").hasSize(1);
            assertThat(a.pinUserPages(ext4, 1, Foll.WRITE, "short-term").count()).as("short-term pins are fine").isEqualTo(1);
        }
        assertThat(a.pinUserPages(tmpfs, 1, Foll.WRITE | Foll.LONGTERM, "rdma0").count()).isEqualTo(1);
    }

    /**
     * S9: truncate and hole punch remove a pinned page-cache page from the file; the page lives on as
     * an orphan, DMA into it never reaches the file, and the unpin that dirties it is harmless.
     */
    @ParameterizedTest
    @EnumSource(value = FsKind.class, names = {"EXT4", "TMPFS"})
    void s9TruncateOrphansAPinnedPageAndItsDmaIsLost(FsKind kind) {
        Kernel k = kernel(KernelModel.LINUX_6_1);
        Inode ino = k.mount(kind).create("data", fill('F', 2 * PAGE));
        Process a = k.spawn("A");
        OpenFile f = a.open(ino, OpenFlags.RDWR);
        long map = a.mmap(0, 2L * PAGE, RW, SHARED, f, 0);
        a.write(map, fill('M', 1));
        GupPages mr = a.pinUserPages(map, 1, Foll.WRITE | Foll.LONGTERM, "rdma0 MR#1");
        Frame page = mr.frame(0);
        f.ftruncate(0);
        assertThat(page.isInPageCache()).isFalse();
        assertThat(page.isFree()).as("the pin keeps the orphan alive").isFalse();
        assertThat(a.pteAt(map)).isEqualTo("none");
        mr.write(0, fill('D', 16));
        f.ftruncate(2L * PAGE);
        assertThat(ino.read(0, 16)).as("the DMA never reached the file").containsOnly((byte) 0);
        assertThat(seen(a, map)).isEqualTo('\0');
        mr.unpin(true);
        assertThat(page.isFree()).isTrue();
        assertThat(k.trace().events(e -> e.message().contains("is now an orphan"))).hasSize(1);
    }

    @ParameterizedTest
    @EnumSource(value = FsKind.class, names = {"EXT4", "TMPFS"})
    void punchHoleOfAPinnedPageKeepsTheSizeAndPrivateCopies(FsKind kind) {
        Kernel k = kernel(KernelModel.LINUX_6_1);
        Inode ino = k.mount(kind).create("data", fill('F', 3 * PAGE));
        Process a = k.spawn("A");
        OpenFile f = a.open(ino, OpenFlags.RDWR);
        long shared = a.mmap(0, 3L * PAGE, RW, SHARED, f, 0);
        long priv = a.mmap(0, 3L * PAGE, RW, PRIVATE, f, 0);
        a.write(priv + PAGE, fill('P', 1));
        GupPages pin = a.pinUserPages(shared + PAGE, 1, Foll.WRITE, "dma");
        f.punchHole(PAGE - 10, PAGE + 20);
        assertThat(ino.size()).isEqualTo(3L * PAGE);
        assertThat(ino.read(PAGE - 10, 10)).containsOnly((byte) 0);
        assertThat(ino.read(PAGE, PAGE)).containsOnly((byte) 0);
        assertThat(ino.read(2L * PAGE, 10)).containsOnly((byte) 0);
        assertThat(ino.read(2L * PAGE + 10, 5)).containsOnly((byte) 'F');
        assertThat(ino.hasBlock(1)).isFalse();
        assertThat(pin.frame(0).isInPageCache()).isFalse();
        assertThat(seen(a, priv + PAGE)).as("hole punch keeps private COW copies (even_cows = 0)").isEqualTo('P');
        assertThat(seen(a, shared + PAGE)).isEqualTo('\0');
    }

    /** fs-DAX: a long-term pin is refused; truncate of a block held by a short-term pin waits until it is dropped. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"LINUX_4_19", "LINUX_5_10", "LINUX_6_6"})
    void daxTruncateWaitsForThePinAndLongtermPinsAreRefused(String model) {
        Kernel k = kernel(model);
        Inode ino = k.mount(FsKind.DAX).create("pmem", fill('F', 2 * PAGE));
        Process a = k.spawn("A");
        OpenFile f = a.open(ino, OpenFlags.RDWR);
        long map = a.mmap(0, 2L * PAGE, RW, SHARED, f, 0);
        a.write(map, fill('M', 1));
        assertThat(a.frameAt(map).isDax()).isTrue();
        assertThat(a.frameAt(map)).as("no page-cache copy: the process maps the block").isSameAs(ino.cachedPage(0));
        assertThatThrownBy(() -> a.pinUserPages(map, 1, Foll.WRITE | Foll.LONGTERM, "rdma0")).isInstanceOfSatisfying(ErrnoException.class,
                e -> assertThat(e.errno()).isEqualTo(Errno.EOPNOTSUPP));
        assertThatThrownBy(() -> a.pinUserPagesFast(map, 1, Foll.WRITE | Foll.LONGTERM, "rdma0")).isInstanceOf(ErrnoException.class);
        GupPages dio = a.pinUserPages(map, 1, Foll.WRITE, "dio#1");
        TruncateOp t = f.startTruncate(0);
        assertThat(t.isDone()).isFalse();
        assertThat(t.waitingFor()).contains("DAX block 0").contains("PIN by dio#1");
        assertThat(a.pteAt(map)).as("the layout break unmapped every user mapping first").isEqualTo("none");
        assertThatThrownBy(() -> f.ftruncate(0)).isInstanceOf(IllegalStateException.class).hasMessageContaining("startTruncate");
        dio.write(0, fill('D', 4));
        dio.unpin(true);
        assertThat(t.isDone()).as("the truncate finished in the step that dropped the pin").isTrue();
        assertThat(ino.size()).isZero();
        assertThat(ino.cachedPages()).isZero();
    }

    /**
     * Jan Kara, "get_user_pages() and filesystems" (2018-01-03): a long-term write pin of an ext4
     * shared mapping, where the kernel allows it. Writeback cleans the page while the device keeps
     * writing; reclaim strips the buffers but cannot free the pinned page; the unpin dirties a page
     * without buffers; writeback then oopses (up to 5.17) or drops the data with a warning (5.18+).
     */
    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({"LINUX_4_19, BUG", "LINUX_5_10, BUG", "LINUX_6_1, DATA_LOST"})
    void writebackRacingALongtermPin(String model, String expected) {
        Kernel k = kernel(model);
        Inode ino = k.mount(FsKind.EXT4).create("data", fill('F', PAGE));
        Process a = k.spawn("A");
        OpenFile f = a.open(ino, OpenFlags.RDWR);
        long map = a.mmap(0, PAGE, RW, SHARED, f, 0);
        a.write(map, fill('M', 1));
        GupPages mr = a.pinUserPages(map, 1, Foll.WRITE | Foll.LONGTERM, "rdma0 MR#1");
        mr.write(0, fill('1', 8));
        f.writeback();
        assertThat(ino.readDisk(0, 1)).containsOnly((byte) '1');
        mr.write(0, fill('2', 8));
        assertThat(ino.dirtyPages()).as("the device's write did not dirty the page: no page_mkwrite").isZero();
        assertThat(k.reclaim(a, map)).isTrue();
        assertThat(mr.frame(0).hasBuffers()).isFalse();
        assertThat(mr.frame(0).isInPageCache()).isTrue();
        mr.unpin(true);
        assertThat(k.log().contains("WARN_ON_ONCE(!page_has_buffers(page))")).isTrue();
        if (expected.equals("BUG")) {
            assertThatThrownBy(f::writeback).isInstanceOfSatisfying(KernelBugException.class,
                    e -> assertThat(e.getMessage()).contains("page_buffers() BUG_ON(!PagePrivate(page))"));
        } else {
            f.writeback();
            assertThat(k.log().contains("does not have buffers attached")).isTrue();
            assertThat(ino.readDisk(0, 1)).as("the device's second write never reaches the disk").containsOnly((byte) '1');
        }
    }

    @Test
    void theLongtermPinOfWritebackRaceIsRefusedFrom65() {
        Kernel k = kernel(KernelModel.LINUX_6_6);
        Process a = k.spawn("A");
        long map = a.mmap(0, PAGE, RW, SHARED, a.open(k.mount(FsKind.EXT4).create("data", fill('F', PAGE)), OpenFlags.RDWR), 0);
        assertThatThrownBy(() -> a.pinUserPages(map, 1, Foll.WRITE | Foll.LONGTERM, "rdma0")).isInstanceOfSatisfying(ErrnoException.class,
                e -> assertThat(e.errno()).isEqualTo(Errno.EFAULT));
    }

    @Test
    void reclaimFreesACleanUnheldPageCachePageAndKeepsADirtyOne() {
        Kernel k = kernel(KernelModel.LATEST);
        Inode ino = k.mount(FsKind.EXT4).create("data", fill('F', 2 * PAGE));
        Process a = k.spawn("A");
        OpenFile f = a.open(ino, OpenFlags.RDWR);
        long map = a.mmap(0, 2L * PAGE, RW, SHARED, f, 0);
        seen(a, map);
        a.write(map + PAGE, fill('D', 1));
        assertThat(k.reclaim(a, map)).isTrue();
        assertThat(ino.cachedPage(0)).isNull();
        assertThat(k.reclaim(a, map + PAGE)).isFalse();
        assertThat(seen(a, map)).as("read back from disk").isEqualTo('F');
    }

    @Test
    void fileBadInputGetsTheKernelsErrnoAndChangesNothing() {
        Kernel k = kernel(KernelModel.LATEST);
        Filesystem ext4 = k.mount(FsKind.EXT4);
        Inode ino = ext4.create("data", fill('F', PAGE));
        assertThatThrownBy(() -> ext4.create("data")).isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EEXIST));
        Process a = k.spawn("A");
        OpenFile f = a.open(ino, OpenFlags.RDWR);
        String before = Snapshot.of(k) + ino.read(0, PAGE).length + ino.size();
        assertThatThrownBy(() -> f.pread(-1, 4)).isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
        assertThatThrownBy(() -> f.pwrite(fill('x', 1), -5)).isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
        assertThatThrownBy(() -> f.startTruncate(-1)).isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
        assertThatThrownBy(() -> f.punchHole(0, 0)).isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
        OpenFile ro = a.open(ino, OpenFlags.RDONLY);
        assertThatThrownBy(() -> ro.pwrite(fill('x', 1), 0)).isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EBADF));
        assertThatThrownBy(() -> ro.ftruncate(0)).isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
        assertThat(Snapshot.of(k) + ino.read(0, PAGE).length + ino.size()).isEqualTo(before);
        assertThatThrownBy(() -> f.pread(0x1000, 4, 0)).as("a bad user buffer is EFAULT, not a signal; the page read stays cached, as in the kernel")
                .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EFAULT));
        assertThat(a.isAlive()).isTrue();
        assertThat(f.pread(2L * PAGE, 10)).as("a read past EOF returns nothing").isEmpty();
        f.close();
        assertThatThrownBy(() -> f.pread(0, 1)).isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EBADF));
        assertThatThrownBy(() -> a.open(k.mount(FsKind.TMPFS).create("t"), OpenFlags.RDWR | OpenFlags.DIRECT))
                .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.reason()).contains("not modelled"));
        assertThatThrownBy(() -> ext4.file("nope")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("create(\"nope\")");
    }
}
