package io.pinsim.samples;

import static io.pinsim.dsl.Pinsim.dmaData;
import static io.pinsim.dsl.Pinsim.pages;
import static io.pinsim.dsl.Pinsim.rdma;
import static io.pinsim.dsl.Pinsim.text;

import io.pinsim.dsl.BugKind;
import io.pinsim.dsl.Scenario;
import io.pinsim.junit.KnownBug;
import io.pinsim.junit.PinsimModels;

/**
 * An RDMA memory region on a 2 MiB hugetlb page, fork, the parent writes, the NIC writes. The early
 * COW of pinned pages at fork (70e806e4e645, 5.9) did not cover hugetlb: copy_hugetlb_page_range()
 * shared the pinned folio write-protected until 4eae4efa2c29 ("hugetlb: do early cow when page
 * pinned on src mm", 5.12), which 5.10.y never got. So on 4.19, 5.8 and 5.10 the parent's write
 * (hugetlb_wp(): mapcount 2) copies the folio away from the NIC, whose data lands in the folio the
 * child keeps. From 5.19 page_try_dup_anon_rmap() refuses to share the exclusive pinned folio and
 * the child gets the copy at fork.
 */
@Sample(id = "fork-pinned-hugetlb", title = "RDMA MR on a hugetlb page, fork, the parent writes, the NIC writes",
        source = "4eae4efa2c29 hugetlb: do early cow when page pinned on src mm (Peter Xu, 5.12)",
        story = "A process registers a 2 MiB hugetlb page with an RDMA NIC (FOLL_LONGTERM|FOLL_WRITE pin) and forks. The parent writes "
                + "the buffer, then the NIC writes it. Until 5.12 copy_hugetlb_page_range() shares the pinned folio with the child, "
                + "write-protected; the parent's write copies all 2 MiB to a new folio and the NIC's data lands in the one the child "
                + "keeps. 5.10.y never got the fix; from 5.12 the child gets its copy at fork and the parent keeps the pinned folio.")
class ForkPinnedHugetlbSample {
    @PinsimModels
    @KnownBug(models = {"LINUX_4_19", "LINUX_5_8", "LINUX_5_10"}, reference = "4eae4efa2c29", expect = BugKind.DEVICE_DATA_LOST,
            because = "folio_mapcount() 2 > 1")
    void parentSeesTheNicsData(Scenario s) {
        s.process("A").mallocHugetlb(pages(512)).write('A').pin(rdma).fork().parentWrites(text("parent")).dmaCompletes()
                .assertParentSees(dmaData());
    }
}
