package io.pinsim.runtime;

import static io.pinsim.runtime.Fixtures.PAGE;
import static io.pinsim.runtime.Fixtures.RW;
import static io.pinsim.runtime.Fixtures.builder;
import static org.assertj.core.api.Assertions.assertThat;

import io.pinsim.runtime.model.KernelModel;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The hugetlb runs of upstream tools/testing/selftests/mm/gup_longterm.c (test_cases[] on
 * run_with_memfd_hugetlb() for the 2 MiB size): a FOLL_LONGTERM pin, R/W or R/O, through GUP or
 * GUP-fast, of a MAP_SHARED or MAP_PRIVATE mapping of a hugetlbfs file, populated first
 * (fallocate()). gup_longterm.c expects every one of them to work on hugetlb: hugetlbfs is among
 * the file systems whose shared mappings may be pinned writable (fs_supports_writable_longterm_pinning()),
 * and a private mapping's R/W pin breaks COW, its R/O pin unshares. The ext4 refusal of 6.5
 * (vma_needs_dirty_tracking(), LongtermFileWritePin.REFUSED) does not apply: hugetlbfs has no
 * writeback. Every model agrees.
 *
 * <p>Departure: the model has no memfd_create(MFD_HUGETLB); the hugetlbfs file here is the one
 * behind an anonymous MAP_HUGETLB mapping (hugetlb_file_setup()), so the private runs map anonymous
 * hugetlb memory rather than a private mapping of a file's page-cache folio.
 */
class GupLongtermHugetlbTest {
    private static final int HPAGE = 2 << 20;

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
                out.add(Arguments.of(m.name(), c));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{1} ... with memfd hugetlb (2048 kB) on {0}")
    @MethodSource("cases")
    void longtermPinOfHugetlbWorks(String model, TestCase c) {
        Kernel k = builder(KernelModel.byName(model)).hugetlbPages(2).build();
        Process p = k.spawn("gup_longterm");
        int type = c.shared ? MapFlags.SHARED : MapFlags.PRIVATE;
        // fallocate() of the file: the mapping's folio exists before the pin (MAP_POPULATE faults it in)
        long mem = p.mmap(HPAGE, RW, type | MapFlags.ANONYMOUS | MapFlags.HUGETLB | MapFlags.HUGE_2MB | MapFlags.POPULATE);
        p.write(mem, "gup".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        int n = HPAGE / PAGE;
        int flags = Foll.LONGTERM | (c.write ? Foll.WRITE : 0);
        GupPages pin = c.fast ? p.pinUserPagesFast(mem, n, flags, "gup_test") : p.pinUserPages(mem, n, flags, "gup_test");
        assertThat(pin.count()).as("%s: the long-term pin should work on hugetlb", c.desc).isEqualTo(n);
        assertThat(pin.frame(0).compoundHead().pfn()).as("the pin holds the mapped hugetlb folio").isEqualTo(p.frameAt(mem).pfn());
        p.write(mem, "new".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        assertThat(new String(pin.read(0, 3), java.nio.charset.StandardCharsets.US_ASCII)).as("the pin sees the process's writes").isEqualTo("new");
        pin.unpin(false);
        p.exit();
        assertThat(k.hugePages()).isEqualTo(new HugePages(2, 2, 0));
        k.close();
    }
}
