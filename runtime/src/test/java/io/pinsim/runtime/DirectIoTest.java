package io.pinsim.runtime;

import static io.pinsim.runtime.Fixtures.PAGE;
import static io.pinsim.runtime.Fixtures.RW;
import static io.pinsim.runtime.Fixtures.buffer;
import static io.pinsim.runtime.Fixtures.fill;
import static io.pinsim.runtime.Fixtures.kernel;
import static io.pinsim.runtime.Fixtures.seen;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pinsim.runtime.model.DioPages;
import io.pinsim.runtime.model.KernelModel;
import io.pinsim.runtime.trace.TraceKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** O_DIRECT reads and writes: the pages they hold, fork while in flight, page-cache coherence, errors. */
class DirectIoTest {

    /** An AIO O_DIRECT read of half of a private page, in flight; the process forks. */
    private record InFlight(Kernel kernel, Process parent, Process child, long buf, DirectIo read) {
    }

    private static InFlight forkWithAReadInFlight(KernelModel model) {
        Kernel k = kernel(model);
        Inode ino = k.mount(FsKind.EXT4).create("data", fill('F', PAGE));
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        DirectIo read = a.open(ino, OpenFlags.RDONLY | OpenFlags.DIRECT).startDirectRead(buf, PAGE / 2, 0);
        Process child = a.fork();
        return new InFlight(k, a, child, buf, read);
    }

    /**
     * S4 (LTP dma_thread_diotest; Jason Gunthorpe, "Re: [RFCv3 PATCH 1/6] uacce", 2018-11-19) with
     * FOLL_GET: fork does not see the read's plain reference and shares the page; the parent's write
     * to the other half copies the parent away from it, so the read completes into the child's page.
     * (The odirect-read-fork sample says on which models.)
     */
    @Test
    void follGetForkSharesThePageTheReadHoldsAndTheParentsWriteCopiesAwayFromIt() {
        InFlight f = forkWithAReadInFlight(KernelModel.LINUX_6_6.with(DioPages.FOLL_GET));
        Frame target = f.read().pages().frame(0);
        assertThat(f.child().frameAt(f.buf())).as("fork shared the page").isSameAs(target);
        f.parent().write(f.buf() + PAGE / 2, fill('P', 1));
        assertThat(Fixtures.lastEvent(f.kernel(), f.buf(), TraceKind.COW_COPY).message()).contains("copied frame #" + target.pfn()).contains("GET by dio#1");
        f.read().complete();

        assertThat(f.read().result()).isEqualTo(PAGE / 2);
        assertThat(seen(f.child(), f.buf())).as("the read landed in the page the child kept").isEqualTo('F');
        assertThat(seen(f.parent(), f.buf())).isEqualTo('A');
        assertThat(seen(f.parent(), f.buf() + PAGE / 2)).isEqualTo('P');
    }

    /** S4 with FOLL_PIN (6.5): the read's pin makes fork copy the page for the child, so the read completes into the parent's page. */
    @Test
    void follPinForkCopiesThePageForTheChildAndTheReadFollowsTheParent() {
        InFlight f = forkWithAReadInFlight(KernelModel.LINUX_5_10.with(DioPages.FOLL_PIN));
        assertThat(f.kernel().trace().events(e -> e.kind() == TraceKind.FORK && e.message().contains("copied for the child now"))).hasSize(1);
        assertThat(f.parent().frameAt(f.buf())).isSameAs(f.read().pages().frame(0));
        f.parent().write(f.buf() + PAGE / 2, fill('P', 1));
        f.read().complete();

        assertThat(seen(f.parent(), f.buf())).isEqualTo('F');
        assertThat(seen(f.parent(), f.buf() + PAGE / 2)).isEqualTo('P');
        assertThat(seen(f.child(), f.buf())).isEqualTo('A');
    }

    /** S4, the child writes instead: its write fault copies the page for the child, and the parent keeps the frame the read completes into. */
    @Test
    void aChildThatWritesFirstCopiesAwayAndTheParentKeepsTheReadsFrame() {
        InFlight f = forkWithAReadInFlight(KernelModel.LINUX_6_6.with(DioPages.FOLL_GET));
        Frame target = f.read().pages().frame(0);
        f.child().write(f.buf() + PAGE / 2, fill('C', 1));
        assertThat(Fixtures.lastEvent(f.kernel(), f.buf(), TraceKind.COW_COPY).actor()).isEqualTo(f.child().name());
        assertThat(f.parent().frameAt(f.buf())).isSameAs(target);
        f.read().complete();
        assertThat(seen(f.parent(), f.buf())).isEqualTo('F');
        assertThat(seen(f.child(), f.buf())).isEqualTo('A');
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({"LINUX_5_10, GET", "LINUX_6_6, PIN"})
    void theReadHoldsItsPagesAsTheModelSays(String model, String kind) {
        Kernel k = kernel(model);
        Inode ino = k.mount(FsKind.EXT4).create("data", fill('F', 2 * PAGE));
        Process a = k.spawn("A");
        long buf = buffer(a, 2, 'A');
        DirectIo read = a.open(ino, OpenFlags.RDONLY | OpenFlags.DIRECT).startDirectRead(buf, 2 * PAGE, 0);
        assertThat(read.pages().isPin()).isEqualTo(kind.equals("PIN"));
        assertThat(read.pages().count()).isEqualTo(2);
        assertThat(a.hasPinned()).isEqualTo(kind.equals("PIN"));
        assertThat(seen(a, buf)).as("nothing is read before completion").isEqualTo('A');
        read.complete();
        assertThat(a.read(buf, 2 * PAGE)).containsOnly((byte) 'F');
        assertThat(a.frameAt(buf).refcount()).as("the pages were released").isEqualTo(1);
        assertThatThrownBy(read::complete).isInstanceOf(IllegalStateException.class);
    }

    /**
     * S13 (Dave Chinner, "Re: [LSF/MM TOPIC] Discuss least bad options for resolving longterm-GUP
     * usage by RDMA", 2019-02-14): a shared mapping dirties the range while an O_DIRECT write is in
     * flight. After the write the page cache cannot be invalidated: the kernel prints its two lines,
     * records -EIO, and the next fsync() of each open file reports it once. (The same on every model:
     * the dio-write-vs-mmap sample says so.)
     */
    @Test
    void s13ODirectWriteCollidingWithAMappedWriter() {
        Kernel k = kernel(KernelModel.LATEST);
        Inode ino = k.mount(FsKind.EXT4).create("data", fill('F', PAGE));
        Process a = k.spawn("A");
        OpenFile direct = a.open(ino, OpenFlags.RDWR | OpenFlags.DIRECT);
        OpenFile buffered = a.open(ino, OpenFlags.RDWR);
        long src = buffer(a, 1, 'D');
        long map = a.mmap(0, PAGE, RW, MapFlags.SHARED, buffered, 0);
        DirectIo write = direct.startDirectWrite(src, PAGE, 0);
        a.write(map + 100, fill('M', 1));
        write.complete();

        assertThat(k.log().lines()).extracting(l -> l.text()).containsSubsequence(
                "Page cache invalidation failure on direct I/O.  Possible data corruption due to collision with buffered I/O!",
                "File: /ext4/data PID: 1 Comm: A");
        assertThatThrownBy(buffered::fsync).isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EIO));
        buffered.fsync();
        assertThatThrownBy(direct::fsync).as("each open file sees the error once").isInstanceOf(ErrnoException.class);
        assertThat(ino.readDisk(0, 1)).as("writeback of the stale page overwrote the direct write").containsOnly((byte) 'F');
        assertThat(ino.readDisk(100, 1)).containsOnly((byte) 'M');
    }

    @Test
    void aDirectWriteWithoutACollisionInvalidatesQuietly() {
        Kernel k = kernel(KernelModel.LATEST);
        Inode ino = k.mount(FsKind.EXT4).create("data", fill('F', PAGE));
        Process a = k.spawn("A");
        OpenFile buffered = a.open(ino, OpenFlags.RDWR);
        buffered.pwrite(fill('B', 10), 0);
        long src = buffer(a, 1, 'D');
        assertThat(a.open(ino, OpenFlags.RDWR | OpenFlags.DIRECT).pwrite(src, PAGE, 0)).isEqualTo(PAGE);
        assertThat(ino.cachedPage(0)).as("the stale page was dropped").isNull();
        assertThat(buffered.pread(0, 4)).containsOnly((byte) 'D');
        buffered.fsync();
        assertThat(k.log().lines()).isEmpty();
    }

    @Test
    void aReadIntoAMappedFilePageRedirtiesItIfWritebackCleanedItMeanwhile() {
        Kernel k = kernel(KernelModel.LATEST);
        Filesystem ext4 = k.mount(FsKind.EXT4);
        Inode src = ext4.create("src", fill('S', PAGE));
        Inode dst = ext4.create("dst", fill('0', PAGE));
        Process a = k.spawn("A");
        OpenFile dstFile = a.open(dst, OpenFlags.RDWR);
        long map = a.mmap(0, PAGE, RW, MapFlags.SHARED, dstFile, 0);
        a.write(map, fill('x', 1));
        DirectIo read = a.open(src, OpenFlags.RDONLY | OpenFlags.DIRECT).startDirectRead(map, PAGE, 0);
        dstFile.writeback();
        assertThat(dst.dirtyPages()).isZero();
        read.complete();
        assertThat(dst.dirtyPages()).as("bio_check_pages_dirty() dirtied it again").isEqualTo(1);
        dstFile.fsync();
        assertThat(dst.readDisk(0, 4)).containsOnly((byte) 'S');
    }

    @Test
    void truncateWaitsForDirectIoInFlight() {
        Kernel k = kernel(KernelModel.LATEST);
        Inode ino = k.mount(FsKind.EXT4).create("data", fill('F', 2 * PAGE));
        Process a = k.spawn("A");
        OpenFile f = a.open(ino, OpenFlags.RDWR | OpenFlags.DIRECT);
        long src = buffer(a, 1, 'D');
        DirectIo write = f.startDirectWrite(src, PAGE, PAGE);
        TruncateOp t = f.startTruncate(0);
        assertThat(t.isDone()).isFalse();
        assertThat(t.waitingFor()).contains("inode_dio_wait");
        assertThat(((SimpleDisk) ino.filesystem().device()).inflight()).hasSize(1);
        ((SimpleDisk) ino.filesystem().device()).completeAll();
        assertThat(write.isDone()).isTrue();
        assertThat(t.isDone()).isTrue();
        assertThat(ino.size()).isZero();
    }

    /**
     * truncate_pagecache(inode, newsize) cuts at the new size as it is after inode_dio_wait(): a
     * direct write that extends the file while the truncate waits keeps its data below the new size.
     */
    @Test
    void aTruncateThatWaitsCutsAtTheNewSizeNotAtTheSizeItSawFirst() {
        Kernel k = kernel(KernelModel.LATEST);
        Inode ino = k.mount(FsKind.EXT4).create("data");
        Process a = k.spawn("A");
        OpenFile f = a.open(ino, OpenFlags.RDWR | OpenFlags.DIRECT);
        long src = buffer(a, 2, 'D');
        f.startDirectWrite(src, 2 * PAGE, 0);
        TruncateOp t = f.startTruncate(PAGE);
        assertThat(t.isDone()).isFalse();
        ((SimpleDisk) ino.filesystem().device()).completeAll();

        assertThat(t.isDone()).isTrue();
        assertThat(ino.size()).isEqualTo(PAGE);
        assertThat(ino.hasBlock(0)).as("block 0 lies below the new size").isTrue();
        assertThat(ino.hasBlock(1)).isFalse();
        assertThat(ino.readDisk(0, PAGE)).containsOnly((byte) 'D');
    }

    @Test
    void directIoBadInput() {
        Kernel k = kernel(KernelModel.LATEST);
        Inode ino = k.mount(FsKind.EXT4).create("data", fill('F', PAGE));
        Process a = k.spawn("A");
        long buf = buffer(a, 2, 'A');
        OpenFile f = a.open(ino, OpenFlags.RDWR | OpenFlags.DIRECT);
        String before = Snapshot.of(k);
        assertThatThrownBy(() -> f.startDirectRead(buf + 8, 512, 0)).isInstanceOfSatisfying(ErrnoException.class, e -> {
            assertThat(e.errno()).isEqualTo(Errno.EINVAL);
            assertThat(e.reason()).contains("logical block size 512");
        });
        assertThatThrownBy(() -> f.startDirectRead(buf, 100, 0)).isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
        assertThatThrownBy(() -> f.startDirectWrite(buf, 512, 7)).isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
        assertThatThrownBy(() -> f.startDirectRead(buf, 512, -512)).isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
        assertThatThrownBy(() -> f.startDirectRead(0x1000, 512, 0)).isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EFAULT));
        assertThat(Snapshot.of(k)).isEqualTo(before);
        assertThat(f.pread(buf, 512, 2L * PAGE)).as("a direct read at EOF reads nothing").isZero();
        assertThatThrownBy(() -> a.open(ino, OpenFlags.RDWR).startDirectRead(buf, 512, 0)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("OpenFlags.DIRECT");
        assertThatThrownBy(() -> f.pwrite(fill('x', 512), 0)).isInstanceOf(IllegalStateException.class).hasMessageContaining("user memory");
        f.close();
        assertThatThrownBy(() -> f.startDirectRead(buf, 512, 0)).isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EBADF));
    }
}
