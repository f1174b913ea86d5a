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
 * MAP_PRIVATE mapping of a file - on each backing run_test_case() uses: run_with_memfd()
 * (memfd_create("test", 0), tmpfs), run_with_tmpfile() (a tmpfs file here), run_with_local_tmpfile()
 * (an ext4 file) and run_with_memfd_hugetlb() (memfd_create(MFD_HUGETLB), 2 MiB), on every model.
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

    /** run_with_*(): how the test gets its file descriptor, and the size do_test() uses. */
    enum Backing {
        MEMFD("memfd", PAGE, true, (k, p) -> p.memfdCreate("test", 0)),
        TMPFILE("tmpfile", PAGE, true, (k, p) -> p.open(k.mount(FsKind.TMPFS).create("tmpfile"), OpenFlags.RDWR)),
        LOCAL_TMPFILE("local tmpfile", PAGE, false, (k, p) -> p.open(k.mount(FsKind.EXT4).create("gup_longterm.c_tmpfile_XXXXXX"), OpenFlags.RDWR)),
        MEMFD_HUGETLB("memfd hugetlb (2048 kB)", HPAGE, true, (k, p) -> p.memfdCreate("test", MemfdFlags.HUGETLB | MemfdFlags.HUGE_2MB));

        final String desc;
        final int size;
        /** fs_supports_writable_longterm_pinning(): TMPFS_MAGIC and HUGETLBFS_MAGIC. */
        final boolean writableLongtermPinning;
        final BiFunction<Kernel, Process, OpenFile> open;

        Backing(String desc, int size, boolean writableLongtermPinning, BiFunction<Kernel, Process, OpenFile> open) {
            this.desc = desc;
            this.size = size;
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
        PRIVATE_RO_FAST_PIN("R/O longterm GUP-fast pin in MAP_PRIVATE file mapping", false, false, true);

        final String desc;
        final boolean shared;
        final boolean write;
        final boolean fast;

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
        Kernel k = builder(KernelModel.byName(model)).hugetlbPages(2).build();
        Process p = k.spawn("gup_longterm");
        OpenFile fd = b.open.apply(k, p);
        int size = b.size;
        fd.ftruncate(size);
        fd.fallocate(0, 0, size);
        long mem = p.mmap(0, size, RW, c.shared ? MapFlags.SHARED : MapFlags.PRIVATE, fd, 0);
        p.fill(mem, size, (byte) 0);
        if (!c.write) {
            p.mprotect(mem, size, Prot.READ);
        }
        int n = size / PAGE;
        int flags = Foll.LONGTERM | (c.write ? Foll.WRITE : 0);
        boolean shouldWork = !c.shared || !c.write || b.writableLongtermPinning || !refusesWritableFilePins(model);
        if (!shouldWork) {
            assertThatThrownBy(() -> pin(p, c, mem, n, flags)).as("%s with %s: Should have failed", c.desc, b.desc).isInstanceOf(ErrnoException.class)
                    .satisfies(e -> assertThat(((ErrnoException) e).errno()).isEqualTo(Errno.EFAULT)).hasMessageContaining("writable_file_mapping_allowed");
        } else {
            GupPages pin = pin(p, c, mem, n, flags);
            assertThat(pin.count()).as("%s with %s: Should have worked", c.desc, b.desc).isEqualTo(n);
            assertThat(pin.frame(0).compoundHead().pfn()).as("the pin holds the mapped page").isEqualTo(p.frameAt(mem).compoundHead().pfn());
            if (b == Backing.MEMFD_HUGETLB) {
                assertThat(pin.frame(0).compoundHead().nrPages()).as("a 2 MiB hugetlb folio").isEqualTo(512);
            }
            pin.unpin(false);
        }
        p.munmap(mem, size);
        fd.close();
        p.exit();
        assertThat(k.hugePages()).as("the memfd and its folios are gone").isEqualTo(new HugePages(2, 2, 0));
        k.close();
    }

    private static GupPages pin(Process p, TestCase c, long mem, int n, int flags) {
        return c.fast ? p.pinUserPagesFast(mem, n, flags, "gup_test") : p.pinUserPages(mem, n, flags, "gup_test");
    }
}
