package io.pinsim.runtime;

import static io.pinsim.runtime.Fixtures.PAGE;
import static io.pinsim.runtime.Fixtures.RW;
import static io.pinsim.runtime.Fixtures.builder;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pinsim.runtime.model.KernelModel;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Upstream tools/testing/selftests/mm/gup_longterm.c (David Hildenbrand, 6.5): each of its
 * test_cases[] - a FOLL_LONGTERM pin, R/W or R/O, through GUP or GUP-fast, of a MAP_SHARED or
 * MAP_PRIVATE mapping of a file, and an io_uring fixed buffer registered there (see
 * {@link #IOURING_EXPECTED}) - on each backing run_test_case() uses: run_with_memfd()
 * (memfd_create("test", 0), tmpfs), run_with_tmpfile() (a tmpfs file here), run_with_local_tmpfile()
 * (an ext4 file) and run_with_memfd_hugetlb() (memfd_create(MFD_HUGETLB)) for each hugetlb size,
 * 2 MiB and 1 GiB, on every model. On 1 GiB the memset() and the pin cover the first
 * {@value #WINDOW} bytes of the mapping, not all of it (262,144 pinned pages and a 1 GiB memset do
 * not fit a test heap); the mapping, ftruncate() and mprotect() are the whole 1 GiB, and the fault
 * of any subpage maps the whole folio, so the pin takes the same path as on the full range.
 *
 * <p>do_test() as upstream: ftruncate() to the size, fallocate(fd, 0, 0, size) ({@link FallocateTest}),
 * mmap(), memset() so GUP-fast finds the page mapped, and for the R/O cases mprotect(PROT_READ). Upstream's expectation: {@code should_work = !shared || !rw ||
 * fs_supports_writable_longterm_pinning(fs_type)} (tmpfs and hugetlbfs only). That is the 6.5+
 * kernel: check_vma_flags() -&gt; writable_file_mapping_allowed() refuses a R/W long-term pin of a
 * shared mapping that needs dirty tracking with EFAULT (8ac268436e6d), and gup_fast_folio_allowed()
 * sends GUP-fast to the slow path that refuses (a6e79df92e4a); the model's switch
 * {@link io.pinsim.runtime.model.LongtermFileWritePin} is REFUSED on LINUX_6_6 only. Before 6.5 the
 * pin of the ext4 shared mapping succeeds (the problem Jan Kara described in 2018 stays open), so
 * the test asserts success there: the mechanism the model follows, as the selftest did not exist.
 */
class GupLongtermTest {
    private static final int HPAGE = 2 << 20;
    /** What a 1 GiB backing's case memsets and pins. */
    private static final int WINDOW = 64 << 10;

    /** run_with_*(): how the test gets its file descriptor, and the size do_test() uses. */
    enum Backing {
        MEMFD("memfd", PAGE, true, (k, p) -> p.memfdCreate("test", 0)),
        TMPFILE("tmpfile", PAGE, true, (k, p) -> p.open(k.mount(FsKind.TMPFS).create("tmpfile"), OpenFlags.RDWR)),
        LOCAL_TMPFILE("local tmpfile", PAGE, false, (k, p) -> p.open(k.mount(FsKind.EXT4).create("gup_longterm.c_tmpfile_XXXXXX"), OpenFlags.RDWR)),
        MEMFD_HUGETLB("memfd hugetlb (2048 kB)", HPAGE, true, (k, p) -> p.memfdCreate("test", MemfdFlags.HUGETLB | MemfdFlags.HUGE_2MB)),
        MEMFD_HUGETLB_1G("memfd hugetlb (1048576 kB)", Kernel.HUGE_PAGE_1GB, WINDOW, true, (k, p) -> p.memfdCreate("test", MemfdFlags.HUGETLB | MemfdFlags.HUGE_1GB));

        final String desc;
        /** The file's and the mapping's size. */
        final long size;
        /** The bytes memset and pinned from the mapping's start. */
        final int touched;
        /** fs_supports_writable_longterm_pinning(): TMPFS_MAGIC and HUGETLBFS_MAGIC. */
        final boolean writableLongtermPinning;
        final BiFunction<Kernel, Process, OpenFile> open;

        Backing(String desc, int size, boolean writableLongtermPinning, BiFunction<Kernel, Process, OpenFile> open) {
            this(desc, size, size, writableLongtermPinning, open);
        }

        Backing(String desc, long size, int touched, boolean writableLongtermPinning, BiFunction<Kernel, Process, OpenFile> open) {
            this.desc = desc;
            this.size = size;
            this.touched = touched;
            this.writableLongtermPinning = writableLongtermPinning;
            this.open = open;
        }
    }

    enum TestCase {
        SHARED_RW_PIN("R/W longterm GUP pin in MAP_SHARED file mapping", true, true, false),
        SHARED_RW_FAST_PIN("R/W longterm GUP-fast pin in MAP_SHARED file mapping", true, true, true),
        SHARED_RO_PIN("R/O longterm GUP pin in MAP_SHARED file mapping", true, false, false),
        SHARED_RO_FAST_PIN("R/O longterm GUP-fast pin in MAP_SHARED file mapping", true, false, true),
        PRIVATE_RW_PIN("R/W longterm GUP pin in MAP_PRIVATE file mapping", false, true, false),
        PRIVATE_RW_FAST_PIN("R/W longterm GUP-fast pin in MAP_PRIVATE file mapping", false, true, true),
        PRIVATE_RO_PIN("R/O longterm GUP pin in MAP_PRIVATE file mapping", false, false, false),
        PRIVATE_RO_FAST_PIN("R/O longterm GUP-fast pin in MAP_PRIVATE file mapping", false, false, true),
        SHARED_IOURING("io_uring fixed buffer with MAP_SHARED file mapping", true, true, false),
        PRIVATE_IOURING("io_uring fixed buffer with MAP_PRIVATE file mapping", false, true, false);

        final String desc;
        final boolean shared;
        final boolean write;
        final boolean fast;

        boolean iouring() {
            return name().endsWith("IOURING");
        }

        TestCase(String desc, boolean shared, boolean write, boolean fast) {
            this.desc = desc;
            this.shared = shared;
            this.write = write;
            this.fast = fast;
        }
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (KernelModel m : KernelModel.all()) {
            for (TestCase c : TestCase.values()) {
                for (Backing b : Backing.values()) {
                    out.add(Arguments.of(m.name(), c, b));
                }
            }
        }
        return out.stream();
    }

    /** 8ac268436e6d (6.5): only the models from 6.5 refuse the R/W long-term pin of a dirty-tracked shared file mapping. */
    private static boolean refusesWritableFilePins(String model) {
        return model.equals("LINUX_6_6");
    }

    @ParameterizedTest(name = "{1} ... with {2} on {0}")
    @MethodSource("cases")
    void longtermPin(String model, TestCase c, Backing b) {
        int giant = b == Backing.MEMFD_HUGETLB_1G ? 2 : 0;
        Kernel k = builder(KernelModel.byName(model)).hugetlbPages(2).hugetlbPages(Kernel.HUGE_PAGE_1GB, giant).build();
        Process p = k.spawn("gup_longterm");
        OpenFile fd = b.open.apply(k, p);
        long size = b.size;
        fd.ftruncate(size);
        fd.fallocate(0, 0, size);
        long mem = p.mmap(0, size, RW, c.shared ? MapFlags.SHARED : MapFlags.PRIVATE, fd, 0);
        p.fill(mem, b.touched, (byte) 0);
        if (!c.write) {
            p.mprotect(mem, size, Prot.READ);
        }
        if (c.iouring()) {
            assertThat(iouring(p, mem, b.touched, c.shared && !b.writableLongtermPinning)).as("%s with %s on %s", c.desc, b.desc, model)
                    .isEqualTo(IOURING_EXPECTED.get(b.name() + (c.shared ? "/shared" : "/private")).charAt(KernelModel.all().indexOf(KernelModel.byName(model))));
            p.munmap(mem, size);
            fd.close();
            p.exit();
            assertThat(k.hugePages()).isEqualTo(new HugePages(2, 2, 0));
            k.close();
            return;
        }
        int n = b.touched / PAGE;
        int flags = Foll.LONGTERM | (c.write ? Foll.WRITE : 0);
        boolean shouldWork = !c.shared || !c.write || b.writableLongtermPinning || !refusesWritableFilePins(model);
        if (!shouldWork) {
            assertThatThrownBy(() -> pin(p, c, mem, n, flags)).as("%s with %s: Should have failed", c.desc, b.desc).isInstanceOf(ErrnoException.class)
                    .satisfies(e -> assertThat(((ErrnoException) e).errno()).isEqualTo(Errno.EFAULT)).hasMessageContaining("writable_file_mapping_allowed");
        } else {
            GupPages pin = pin(p, c, mem, n, flags);
            assertThat(pin.count()).as("%s with %s: Should have worked", c.desc, b.desc).isEqualTo(n);
            assertThat(pin.frame(0).compoundHead().pfn()).as("the pin holds the mapped page").isEqualTo(p.frameAt(mem).compoundHead().pfn());
            if (b == Backing.MEMFD_HUGETLB || b == Backing.MEMFD_HUGETLB_1G) {
                assertThat(pin.frame(0).compoundHead().nrPages()).as("a hugetlb folio of the file's size").isEqualTo((int) (size / PAGE));
            }
            pin.unpin(false);
        }
        p.munmap(mem, size);
        fd.close();
        p.exit();
        assertThat(k.hugePages()).as("the memfd and its folios are gone").isEqualTo(new HugePages(2, 2, 0));
        assertThat(k.hugePages(Kernel.HUGE_PAGE_1GB)).isEqualTo(new HugePages(giant, giant, 0));
        k.close();
    }

    /**
     * The io_uring cases' outcome per backing and mapping type, one letter per model in
     * {@link KernelModel#all()} order (4.19, 5.8, 5.10, 6.1, 6.6): P pass, F fail, S skip. 4.19
     * has no io_uring: io_uring_queue_init() fails and the test skips. Up to 5.13
     * io_sqe_buffer_register() refuses every file-backed VMA but hugetlbfs with EOPNOTSUPP
     * ({@link io.pinsim.runtime.model.IoUringBufferCheck#ANY_FILE_REFUSED}: the memfd, tmpfile and
     * private ext4 cases fail, the shared ext4 one passes as "Should have failed"); 5.14 lets shmem
     * through (40dad765c045, {@link io.pinsim.runtime.model.IoUringBufferCheck#NON_SHMEM_FILE_REFUSED}:
     * only the private ext4 mapping still fails); from 6.5 GUP decides (34ed8d0dcd69): it refuses
     * the write pin of the shared ext4 mapping with EFAULT and pins everything else, so every case
     * passes, as upstream expects. The selftest (6.5) was written for that kernel: the failures
     * before are the refusals those kernels had, not bugs.
     */
    private static final java.util.Map<String, String> IOURING_EXPECTED = java.util.Map.ofEntries(
            java.util.Map.entry("MEMFD/shared", "SFFPP"), java.util.Map.entry("MEMFD/private", "SFFPP"),
            java.util.Map.entry("TMPFILE/shared", "SFFPP"), java.util.Map.entry("TMPFILE/private", "SFFPP"),
            java.util.Map.entry("LOCAL_TMPFILE/shared", "SPPPP"), java.util.Map.entry("LOCAL_TMPFILE/private", "SFFFP"),
            java.util.Map.entry("MEMFD_HUGETLB/shared", "SPPPP"), java.util.Map.entry("MEMFD_HUGETLB/private", "SPPPP"),
            java.util.Map.entry("MEMFD_HUGETLB_1G/shared", "SPPPP"), java.util.Map.entry("MEMFD_HUGETLB_1G/private", "SPPPP"));

    /**
     * do_test()'s TEST_TYPE_IOURING: {@code should_work = !shared || fs_supports_writable_longterm_pinning()};
     * io_uring_queue_init() failing is a skip; io_uring_register_buffers() failing with ENOSPC,
     * EOPNOTSUPP or EFAULT passes if it should have failed, other errors skip; success passes if it
     * should have worked. The process has CAP_IPC_LOCK, as the selftests run as root.
     */
    private static char iouring(Process p, long mem, int size, boolean shouldFail) {
        p.setCapIpcLock(true);
        IoUring ring;
        try {
            ring = p.ioUringSetup();
        } catch (ErrnoException e) {
            return 'S';
        }
        char outcome;
        try {
            ring.registerBuffer(mem, size);
            outcome = shouldFail ? 'F' : 'P';
            ring.unregisterBuffers();
        } catch (ErrnoException e) {
            boolean expectedErrno = e.errno() == Errno.ENOSPC || e.errno() == Errno.EOPNOTSUPP || e.errno() == Errno.EFAULT;
            outcome = !expectedErrno ? 'S' : shouldFail ? 'P' : 'F';
        }
        ring.close();
        return outcome;
    }

    private static GupPages pin(Process p, TestCase c, long mem, int n, int flags) {
        return c.fast ? p.pinUserPagesFast(mem, n, flags, "gup_test") : p.pinUserPages(mem, n, flags, "gup_test");
    }
}
