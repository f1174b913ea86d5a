package io.pinsim.runtime;

import static io.pinsim.runtime.Fixtures.PAGE;
import static io.pinsim.runtime.Fixtures.RW;
import static io.pinsim.runtime.Fixtures.builder;
import static org.assertj.core.api.Assertions.assertThat;

import io.pinsim.runtime.CowSelftestThpTest.AnonCase;
import io.pinsim.runtime.model.KernelModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Upstream cow.c's anonymous test cases (anon_test_cases[], the io_uring ones included) on hugetlb:
 * run_with_hugetlb() for each hugetlb size x86-64 has, 2048 kB and 1048576 kB
 * (mmap(MAP_PRIVATE|MAP_ANONYMOUS|MAP_HUGETLB|MAP_HUGE_2MB or MAP_HUGE_1GB), memset to 1), on
 * every model, each asserting the outcome that model's code gives; the outcomes are the same for
 * both sizes, as every mechanism below acts on the folio whatever its order. On 1 GiB the case
 * works on a {@value #WINDOW}-byte window in the middle of the folio instead of all of it (a test
 * heap cannot hold the 1 GiB copies cow.c compares): the fault of any subpage maps the whole folio
 * by its PUD entry, and hugetlb_wp(), copy_hugetlb_page_range() and GUP decide per folio, so what
 * the window sees is what the whole page would; mprotect() and munmap() still cover the 1 GiB.
 *
 * <p>The outcomes follow from three mechanisms. hugetlb_wp() (hugetlb_cow() before 5.19) reuses
 * a folio whose mapcount is 1 in every release, whatever references GUP holds, so all four
 * vmsplice() cases leak on 4.19, 5.10, 6.1 and 6.6: upstream cow.c marks exactly those four as
 * XFAIL on hugetlb ("harder to fix and ... nobody really cares", do_test_cow_in_parent() and
 * do_test_vmsplice_in_parent() with xfail = is_hugetlb). 5.8's GUP broke COW even for reads
 * (17839856fd58, also in __get_user_pages()'s hugetlb branch), so a read GUP of a shared folio
 * takes a copy: the child's vmsplice and the parent's vmsplice after fork and the R/O pins on a
 * shared folio are safe there, but a vmsplice of a still-exclusive folio before fork is not. R/O
 * pins of a folio shared with a live child see the parent's later write only where GUP unshares
 * (5.19, c89357e27f20 gave hugetlb_wp() FAULT_FLAG_UNSHARE) or breaks COW (5.8); on 4.19 and 5.10
 * the parent's write copies away from the pin. A previously shared or R/O-mapped exclusive folio
 * is reused on every model (mapcount 1), so those pins are reliable everywhere.
 *
 * <p>The two io_uring cases (do_test_iouring(), {@link CowSelftestThpTest#doTestIouring}): 4.19
 * has no io_uring (io_uring_setup() is ENOSYS, {@link io.pinsim.runtime.model.IoUringBufferCheck#NO_IO_URING}),
 * which cow.c reports as SKIP. From 5.1 io_sqe_buffer_register() refuses file-backed VMAs but not
 * hugetlbfs ({@code vma->vm_file && !is_file_hugepages(vma->vm_file)}), so the MAP_HUGETLB buffer
 * registers everywhere else. "R/O-mapping a page registered as iouring fixed buffer" passes on
 * every model with io_uring: the folio is mapped once, so hugetlb_wp() reuses it. "fork() with an
 * iouring fixed buffer" fails where fork shares the pinned folio write-protected
 * ({@link io.pinsim.runtime.model.HugetlbForkPinned#SHARE_WRPROTECT}, 5.8 and 5.10.y: the
 * parent's memset() copies the folio away from the pin, so the fixed write sends the old
 * content) and passes where fork copies it for the child (4eae4efa2c29 in 5.12, then
 * page_try_dup_anon_rmap() from 5.19).
 */
class CowSelftestHugetlbTest {
    private static final int HPAGE = 2 << 20;
    /** The part of a 1 GiB folio a case reads, writes, vmsplices and pins. */
    private static final int WINDOW = 64 << 10;
    private static final List<String> MODELS = List.of("LINUX_4_19", "LINUX_5_8", "LINUX_5_10", "LINUX_6_1", "LINUX_6_6");

    /** What cow.c reports: PASS, a leak / unreliable pin (FAIL or, on hugetlb vmsplice, XFAIL upstream), or SKIP (no io_uring). */
    enum Outcome { PASS, LEAK, SKIP }

    /** The expected outcome per case, one letter per model in MODELS order: P pass, L leak or unreliable pin, S skip. */
    private static final Map<AnonCase, String> EXPECTED = Map.ofEntries(
            Map.entry(AnonCase.BASIC_COW_AFTER_FORK, "PPPPP"),
            Map.entry(AnonCase.BASIC_COW_AFTER_FORK_WITH_MPROTECT_OPTIMIZATION, "PPPPP"),
            Map.entry(AnonCase.VMSPLICE_UNMAP_IN_CHILD, "LPLLL"),
            Map.entry(AnonCase.VMSPLICE_UNMAP_IN_CHILD_WITH_MPROTECT_OPTIMIZATION, "LPLLL"),
            Map.entry(AnonCase.VMSPLICE_BEFORE_FORK_UNMAP_IN_PARENT_AFTER_FORK, "LLLLL"),
            Map.entry(AnonCase.VMSPLICE_UNMAP_IN_PARENT_AFTER_FORK, "LPLLL"),
            Map.entry(AnonCase.IOURING_RO, "SPPPP"),
            Map.entry(AnonCase.IOURING_FORK, "SLLPP"),
            Map.entry(AnonCase.RO_GUP_PIN_ON_RO_MAPPED_SHARED_PAGE, "LPLPP"),
            Map.entry(AnonCase.RO_GUP_FAST_PIN_ON_RO_MAPPED_SHARED_PAGE, "LPLPP"),
            Map.entry(AnonCase.RO_GUP_PIN_ON_RO_MAPPED_PREVIOUSLY_SHARED_PAGE, "PPPPP"),
            Map.entry(AnonCase.RO_GUP_FAST_PIN_ON_RO_MAPPED_PREVIOUSLY_SHARED_PAGE, "PPPPP"),
            Map.entry(AnonCase.RO_GUP_PIN_ON_RO_MAPPED_EXCLUSIVE_PAGE, "PPPPP"),
            Map.entry(AnonCase.RO_GUP_FAST_PIN_ON_RO_MAPPED_EXCLUSIVE_PAGE, "PPPPP"));

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (long sizeKb : new long[] {Kernel.HUGE_PAGE_2MB >> 10, Kernel.HUGE_PAGE_1GB >> 10}) {
            for (int m = 0; m < MODELS.size(); m++) {
                for (AnonCase c : AnonCase.values()) {
                    char e = EXPECTED.get(c).charAt(m);
                    out.add(Arguments.of(MODELS.get(m), c, e == 'P' ? Outcome.PASS : e == 'S' ? Outcome.SKIP : Outcome.LEAK, sizeKb));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{1} ... with hugetlb ({3} kB) on {0}: {2}")
    @MethodSource("cases")
    void anonTestCaseOnHugetlb(String model, AnonCase c, Outcome expected, long sizeKb) {
        long len = sizeKb << 10;
        boolean gigantic = len == Kernel.HUGE_PAGE_1GB;
        Kernel k = builder(KernelModel.byName(model)).hugetlbPages(len, gigantic ? 3 : 4).build();
        Process p = k.spawn("parent");
        // run_with_hugetlb(): mmap, populate with memset(1)
        long base = p.mmap(len, RW, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.HUGETLB | (gigantic ? MapFlags.HUGE_1GB : MapFlags.HUGE_2MB));
        long mem = gigantic ? base + len / 2 : base;
        int size = gigantic ? WINDOW : HPAGE;
        p.fill(mem, size, (byte) 1);
        assertThat(p.pteAt(mem)).contains(gigantic ? "PUD-mapped" : "PMD-mapped");
        byte[] old = p.read(mem, size);
        Outcome outcome = switch (c) {
            case BASIC_COW_AFTER_FORK, BASIC_COW_AFTER_FORK_WITH_MPROTECT_OPTIMIZATION -> {
                Process child = p.fork();
                mprotectOptimization(p, base, len, c == AnonCase.BASIC_COW_AFTER_FORK_WITH_MPROTECT_OPTIMIZATION);
                p.fill(mem, size, (byte) 0xff);
                yield passIf(Arrays.equals(child.read(mem, size), old));
            }
            case VMSPLICE_UNMAP_IN_CHILD, VMSPLICE_UNMAP_IN_CHILD_WITH_MPROTECT_OPTIMIZATION -> {
                Process child = p.fork();
                Pipe pipe = child.pipe();
                int transferred = child.vmsplice(pipe, mem, size);
                child.munmap(base, len);
                mprotectOptimization(p, base, len, c == AnonCase.VMSPLICE_UNMAP_IN_CHILD_WITH_MPROTECT_OPTIMIZATION);
                p.fill(mem, size, (byte) 0xff);
                yield passIf(Arrays.equals(pipe.read(child, transferred), Arrays.copyOf(old, transferred)));
            }
            case VMSPLICE_BEFORE_FORK_UNMAP_IN_PARENT_AFTER_FORK, VMSPLICE_UNMAP_IN_PARENT_AFTER_FORK -> {
                Pipe pipe = p.pipe();
                boolean before = c == AnonCase.VMSPLICE_BEFORE_FORK_UNMAP_IN_PARENT_AFTER_FORK;
                int transferred = before ? p.vmsplice(pipe, mem, size) : 0;
                Process child = p.fork();
                if (!before) {
                    transferred = p.vmsplice(pipe, mem, size);
                }
                p.munmap(base, len);
                child.fill(mem, size, (byte) 0xff);
                child.exit();
                yield passIf(Arrays.equals(pipe.read(p, transferred), Arrays.copyOf(old, transferred)));
            }
            case IOURING_RO, IOURING_FORK -> switch (CowSelftestThpTest.doTestIouring(p, mem, size, base, len, c == AnonCase.IOURING_FORK)) {
                case PASS -> Outcome.PASS;
                case FAIL -> Outcome.LEAK;
                case SKIP -> Outcome.SKIP;
            };
            default -> passIf(CowSelftestThpTest.doTestRoPin(p, base, len, mem, size, c));
        };
        assertThat(outcome).as("%s on hugetlb (%d kB), %s", c.desc, sizeKb, model).isEqualTo(expected);
        k.checkInvariants();
    }

    private static Outcome passIf(boolean ok) {
        return ok ? Outcome.PASS : Outcome.LEAK;
    }

    private static void mprotectOptimization(Process p, long mem, long size, boolean on) {
        if (on) {
            p.mprotect(mem, size, Prot.READ);
            p.mprotect(mem, size, RW);
        }
    }
}
