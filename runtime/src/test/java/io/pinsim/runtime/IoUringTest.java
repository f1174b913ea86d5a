package io.pinsim.runtime;

import static io.pinsim.runtime.Fixtures.ANON_PRIVATE;
import static io.pinsim.runtime.Fixtures.ANON_SHARED;
import static io.pinsim.runtime.Fixtures.PAGE;
import static io.pinsim.runtime.Fixtures.RW;
import static io.pinsim.runtime.Fixtures.buffer;
import static io.pinsim.runtime.Fixtures.fill;
import static io.pinsim.runtime.Fixtures.kernel;
import static io.pinsim.runtime.Fixtures.seen;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pinsim.runtime.model.KernelModel;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** io_uring fixed buffers: registration rules per era, the COW cases of tools/testing/selftests/mm/cow.c, accounting. */
class IoUringTest {

    @Test
    void thereIsNoIoUringOn419() {
        Process a = kernel(KernelModel.LINUX_4_19).spawn("A");
        assertThatThrownBy(a::ioUringSetup).isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOSYS));
    }

    /**
     * cow.c "R/O-mapping a page registered as iouring fixed buffer": register, mprotect(PROT_READ),
     * mprotect back, write: the content must be visible via the pin. The refcount rule of 5.9 - 5.18
     * copies the pinned page on that write fault (its selftest was written for 5.19+).
     */
    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({"LINUX_5_8, OK", "LINUX_5_10, BUG", "LINUX_6_1, OK", "LINUX_6_6, OK"})
    void readOnlyMappingAFixedBufferThenWriting(String model, String expected) {
        Kernel k = kernel(model);
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        IoUring ring = a.ioUringSetup();
        int idx = ring.registerBuffer(buf, PAGE);
        assertThat(idx).as("the ring's first buffer").isZero();
        a.mprotect(buf, PAGE, Prot.READ);
        a.mprotect(buf, PAGE, RW);
        a.write(buf, fill('W', 1));
        assertThat((char) ring.buffer(idx).read(0, 1)[0] == 'W').as("the write is visible via the pin on %s", model).isEqualTo(expected.equals("OK"));
    }

    /** cow.c "fork() with an iouring fixed buffer": the pinned page must not be shared with the child. */
    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({"LINUX_5_8, BUG", "LINUX_5_10, OK", "LINUX_6_1, OK", "LINUX_6_6, OK"})
    void forkWithAFixedBuffer(String model, String expected) {
        Kernel k = kernel(model);
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        IoUring ring = a.ioUringSetup();
        ring.registerBuffer(buf, PAGE);
        Process child = a.fork();
        boolean shared = child.frameAt(buf) == ring.buffer(0).frame(0);
        assertThat(shared).as("the pinned page is shared with the child on %s", model).isEqualTo(expected.equals("BUG"));
        a.write(buf, fill('P', 1));
        assertThat(ring.buffer(0).isCoherent(0)).isEqualTo(expected.equals("OK"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"LINUX_5_10", "LINUX_6_6"})
    void aChildThatInheritedTheRingReadsIntoTheParentsFrames(String model) {
        Kernel k = kernel(model);
        Inode ino = k.mount(FsKind.EXT4).create("data", fill('F', PAGE));
        Process a = k.spawn("A");
        long buf = buffer(a, 1, 'A');
        IoUring ring = a.ioUringSetup();
        ring.registerBuffer(buf, PAGE);
        Process child = a.fork();
        assertThat(ring.readFixed(child, child.open(ino, OpenFlags.RDONLY), 0, 0, 0, 16)).isEqualTo(16);
        assertThat(seen(a, buf)).as("the read went into the registered frames, which the parent maps").isEqualTo('F');
        assertThat(seen(child, buf)).as("the child has its own copy since fork").isEqualTo('A');
        Process stranger = k.spawn("S");
        assertThatThrownBy(() -> ring.readFixed(stranger, stranger.open(ino, OpenFlags.RDONLY), 0, 0, 0, 16))
                .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EBADF));
        OpenFile out = a.open(ino, OpenFlags.RDWR);
        a.write(buf, fill('Z', 4));
        ring.writeFixed(a, out, 100, 0, 0, 4);
        assertThat(ino.read(100, 4)).containsOnly((byte) 'Z');
    }

    /**
     * Which memory registration refuses, per era (5.10.13 io_uring.c, 6.1 rsrc.c, 34ed8d0dcd69 in 6.5).
     * A hugetlbfs file (an MFD_HUGETLB memfd) was never refused: the check was
     * {@code vma->vm_file && !is_file_hugepages(vma->vm_file)} from 5.1 on.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "LINUX_5_8,  EOPNOTSUPP, EOPNOTSUPP, EOPNOTSUPP, EOPNOTSUPP, ok",
        "LINUX_5_10, EOPNOTSUPP, EOPNOTSUPP, EOPNOTSUPP, EOPNOTSUPP, ok",
        "LINUX_6_1,  ok,         ok,         EOPNOTSUPP, EOPNOTSUPP, ok",
        "LINUX_6_6,  ok,         ok,         EFAULT,     ok,         ok"})
    void fileBackedRegistrationPerEra(String model, String sharedAnon, String memfd, String ext4Shared, String ext4Private, String memfdHugetlb) {
        Kernel k = Fixtures.builder(KernelModel.byName(model)).hugetlbPages(1).build();
        Process a = k.spawn("A");
        IoUring ring = a.ioUringSetup();
        long shm = a.mmap(PAGE, RW, ANON_SHARED);
        long memfdBuf = a.mmap(0, PAGE, RW, MapFlags.SHARED, a.open(k.mount(FsKind.TMPFS).create("memfd:x", fill('m', PAGE)), OpenFlags.RDWR), 0);
        Inode data = k.mount(FsKind.EXT4).create("data", fill('F', PAGE));
        long ext4Sh = a.mmap(0, PAGE, RW, MapFlags.SHARED, a.open(data, OpenFlags.RDWR), 0);
        long ext4Pr = a.mmap(0, PAGE, RW, MapFlags.PRIVATE, a.open(data, OpenFlags.RDONLY), 0);
        check(ring, shm, sharedAnon);
        check(ring, memfdBuf, memfd);
        check(ring, ext4Sh, ext4Shared);
        check(ring, ext4Pr, ext4Private);
        OpenFile huge = a.memfdCreate("h", MemfdFlags.HUGETLB);
        huge.ftruncate(2 << 20);
        check(ring, a.mmap(0, 2 << 20, RW, MapFlags.SHARED, huge, 0), memfdHugetlb);
        long registered = Stream.of(sharedAnon, memfd, ext4Shared, ext4Private, memfdHugetlb).filter(r -> r.trim().equals("ok")).count();
        assertThat(ring.registerBuffer(a.mmap(PAGE, RW, ANON_PRIVATE), PAGE)).as("anonymous memory always works: the next index after %d buffers", registered)
                .isEqualTo(registered);
        assertThat(ring.bufferCount()).isEqualTo(registered + 1);
    }

    private static void check(IoUring ring, long addr, String expected) {
        if (expected.trim().equals("ok")) {
            ring.registerBuffer(addr, PAGE);
            return;
        }
        Errno errno = Errno.valueOf(expected.trim());
        int before = ring.bufferCount();
        assertThatThrownBy(() -> ring.registerBuffer(addr, PAGE)).isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(errno));
        assertThat(ring.bufferCount()).isEqualTo(before);
    }

    @Test
    void registrationIsChargedAgainstRlimitMemlockAndUnregisterReturnsIt() {
        Kernel k = kernel(KernelModel.LATEST);
        Process a = k.spawn("A");
        a.setRlimitMemlock(4L * PAGE);
        long buf = buffer(a, 6, 'A');
        IoUring ring = a.ioUringSetup();
        ring.registerBuffer(buf, 4 * PAGE);
        assertThat(k.userLockedVm()).isEqualTo(4);
        assertThat(a.pinnedVm()).isEqualTo(4);
        String before = Snapshot.of(k);
        assertThatThrownBy(() -> ring.registerBuffer(buf + 4L * PAGE, PAGE)).isInstanceOfSatisfying(ErrnoException.class, e -> {
            assertThat(e.errno()).isEqualTo(Errno.ENOMEM);
            assertThat(e.reason()).contains("RLIMIT_MEMLOCK");
        });
        assertThat(Snapshot.of(k)).isEqualTo(before);
        ring.unregisterBuffers();
        assertThat(k.userLockedVm()).isZero();
        assertThat(a.pinnedVm()).isZero();
        assertThat(a.frameAt(buf).refcount()).isEqualTo(1);
        assertThatThrownBy(ring::unregisterBuffers).isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENXIO));
        a.setCapIpcLock(true);
        assertThatThrownBy(() -> ring.registerBuffer(buf, 6 * PAGE)).as("the ring was created without CAP_IPC_LOCK: it is still limited (ctx->user)")
                .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOMEM));
        IoUring privileged = a.ioUringSetup();
        privileged.registerBuffer(buf, 6 * PAGE);
        assertThat(k.userLockedVm()).as("a ring created with CAP_IPC_LOCK is not charged").isZero();
        assertThat(a.pinnedVm()).as("pinned_vm is charged either way").isEqualTo(6);
        privileged.close();
        assertThat(a.pinnedVm()).isZero();
        ring.close();
        assertThatThrownBy(() -> ring.registerBuffer(buf, PAGE)).isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EBADF));
    }

    @Test
    void fixedIoOutsideTheBufferIsRefused() {
        Kernel k = kernel(KernelModel.LATEST);
        Inode ino = k.mount(FsKind.EXT4).create("data", fill('F', PAGE));
        Process a = k.spawn("A");
        IoUring ring = a.ioUringSetup();
        ring.registerBuffer(buffer(a, 1, 'A'), 100);
        OpenFile f = a.open(ino, OpenFlags.RDONLY);
        assertThatThrownBy(() -> ring.readFixed(a, f, 0, 0, 90, 20)).isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EFAULT));
        assertThatThrownBy(() -> ring.readFixed(a, f, 0, 1, 0, 20)).isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EFAULT));
        assertThatThrownBy(() -> ring.registerBuffer(0x1000, PAGE)).isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EFAULT));
        assertThatThrownBy(() -> ring.registerBuffer(0x1000, 0)).isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
    }
}
