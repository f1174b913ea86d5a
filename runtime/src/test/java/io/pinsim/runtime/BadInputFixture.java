package io.pinsim.runtime;

import static io.pinsim.runtime.Fixtures.ANON_PRIVATE;
import static io.pinsim.runtime.Fixtures.PAGE;
import static io.pinsim.runtime.Fixtures.RW;
import static io.pinsim.runtime.Fixtures.buffer;
import static io.pinsim.runtime.Fixtures.fill;

import io.pinsim.runtime.model.KernelModel;
import io.pinsim.runtime.spi.DriverContext;
import io.pinsim.runtime.trace.Trace;
import java.util.List;

/**
 * What a row of {@link BadInputTableTest} works on, built fresh for each row: a live process with
 * memory, pins, files, a pipe, a ring, a device and its notifier; the same handles dead (an exited
 * process, a closed file, released pages, a removed notifier); and objects of another kernel.
 */
final class BadInputFixture {
    static final MmuIntervalNotifierOps MIRROR = (sub, range, cur) -> {
        sub.setSeq(cur);
        return true;
    };

    final Kernel k = Kernel.builder().model(KernelModel.LATEST).build();
    final Process a = k.spawn("A");
    /** Two private pages written with 'A'. */
    final long buf = buffer(a, 2, 'A');
    final Task t2 = a.spawnThread("T2");
    final GupPages pins = a.pinUserPages(buf, 1, Foll.WRITE, "rdma0 MR#1");
    final GupPages readPins = a.pinUserPages(buf + PAGE, 1, 0, "reader");
    final GupPages refs = a.getUserPages(buf + PAGE, 1, 0, "pipe#9");
    final GupPages released = a.pinUserPages(buf, 1, Foll.WRITE, "gone");
    final Frame frame = pins.frame(0);
    /** A frame that was freed (its object stays). */
    final Frame freed;
    final Filesystem ext4 = k.mount(FsKind.EXT4);
    final Filesystem tmpfs = k.mount(FsKind.TMPFS);
    final Inode file = ext4.create("f", fill('F', 2 * PAGE));
    final Inode other = ext4.create("g", fill('G', 2 * PAGE));
    final Inode shm = tmpfs.create("s", fill('S', PAGE));
    final OpenFile rw = a.open(file, OpenFlags.RDWR);
    final OpenFile rdonly = a.open(file, OpenFlags.RDONLY);
    final OpenFile wronly = a.open(file, OpenFlags.WRONLY);
    final OpenFile direct = a.open(other, OpenFlags.RDWR | OpenFlags.DIRECT);
    final OpenFile closed = a.open(file, OpenFlags.RDWR);
    final OpenFile closedDirect = a.open(other, OpenFlags.RDWR | OpenFlags.DIRECT);
    final Pipe pipe = a.pipe();
    final IoUring ring = a.ioUringSetup();
    final IoUring closedRing = a.ioUringSetup();
    final IoUring emptyRing = a.ioUringSetup();
    final DriverContext dev = DriverContext.attach(k, "dev0");
    final MmuIntervalNotifier sub = dev.insertIntervalNotifier(a, buf, 2L * PAGE, MIRROR, "odp");
    final MmuIntervalNotifier removedSub = dev.insertIntervalNotifier(a, buf, PAGE, MIRROR, "gone");
    /** A synchronous O_DIRECT read, done. */
    final DirectIo doneDio;
    /** An AIO O_DIRECT read of the second page of "g", in flight (its bio on ext4's disk). */
    final DirectIo flyingDio;
    final TruncateOp truncate;
    final GupFast doneGup;
    final ForkSteps doneFork;
    final DirectReadSteps doneRead;
    final Process dead = k.spawn("D");
    final Task deadThread = dead.mainThread();
    final OpenFile deadFile = dead.open(file, OpenFlags.RDWR);
    final IoUring deadRing = dead.ioUringSetup();

    final Kernel k2 = Kernel.builder().model(KernelModel.LATEST).name("other").build();
    final Process b = k2.spawn("B");
    final long bbuf = buffer(b, 1, 'B');
    final Inode file2 = k2.mount(FsKind.TMPFS).create("f2", fill('2', PAGE));
    final OpenFile rw2 = b.open(file2, OpenFlags.RDWR);
    final Pipe pipe2 = b.pipe();
    final GupPages pins2 = b.pinUserPages(bbuf, 1, Foll.WRITE, "rdma1");
    final Frame frame2 = pins2.frame(0);
    final DriverContext dev2 = DriverContext.attach(k2, "dev2");
    final MmuIntervalNotifier sub2 = dev2.insertIntervalNotifier(b, bbuf, PAGE, MIRROR, "odp2");

    BadInputFixture() {
        released.unpin(true);
        long gone = a.mmap(PAGE, RW, ANON_PRIVATE | MapFlags.POPULATE);
        freed = a.frameAt(gone);
        a.munmap(gone, PAGE);
        closed.close();
        closedDirect.close();
        a.vmsplice(pipe, buf, 16);
        ring.registerBuffer(buf, PAGE);
        closedRing.close();
        removedSub.remove();
        doneDio = direct.startDirectRead(buf, 512, 0);
        doneDio.complete();
        flyingDio = direct.startDirectRead(buf + PAGE, 512, PAGE);
        truncate = rw.startTruncate(2L * PAGE);
        doneGup = t2.getUserPagesFastSteps(buf, 1, 0, "fast");
        doneGup.run().release();
        doneFork = t2.forkSteps("A-child");
        doneFork.run().exit();
        doneRead = direct.preadDirectSteps(t2, buf, 512, 0);
        doneRead.run();
        dead.exit();
    }

    /** Everything a refused call must leave alone, on both kernels. */
    String state() {
        return Snapshot.of(k) + "pipe " + pipe.available() + ", ring buffers " + ring.bufferCount() + ", pins released " + pins.isReleased()
                + ", notifier removed " + sub.isRemoved() + ", files closed " + rw.isClosed() + direct.isClosed() + ", dio done " + flyingDio.isDone()
                + "\n--- other kernel\n" + Snapshot.of(k2) + "pipe " + pipe2.available();
    }

    List<Trace> traces() {
        return List.of(k.trace(), k2.trace());
    }
}
