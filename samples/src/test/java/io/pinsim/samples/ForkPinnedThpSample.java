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
 * An RDMA memory region on a PMD-mapped THP, fork, the parent writes, the NIC writes (reference
 * S3). Up to 5.8 copy_huge_pmd() shares the pinned THP and the parent's write copies it away from
 * the NIC: 4.19 copies all 2 MiB, 5.8 (3917c80280c9) splits the PMD and copies the subpage. From
 * 5.9 copy_huge_pmd() splits the pinned PMD and the PTE-level copy gives the child copies of all
 * 512 subpages (d042035eaf5f), so the parent keeps the pinned THP.
 */
@Sample(id = "fork-pinned-thp", title = "RDMA MR on a THP, fork, the parent writes, the NIC writes",
        source = "d042035eaf5f mm/thp: Split huge pmds/puds if they're pinned when fork() (Peter Xu, 5.9)",
        story = "A process registers a 2 MiB THP with an RDMA NIC (FOLL_LONGTERM|FOLL_WRITE pin) and forks. The parent writes the buffer, "
                + "then the NIC writes it. Up to 5.8 fork shares the pinned THP with one write-protected PMD, the parent's write copies it "
                + "(all 2 MiB on 4.19, one subpage after a PMD split on 5.8) and the NIC's data lands in the page the parent left; from 5.9 "
                + "fork splits the pinned PMD and copies every subpage for the child, and the parent keeps the pinned THP.")
class ForkPinnedThpSample {
    @PinsimModels
    @KnownBug(models = {"LINUX_4_19", "LINUX_5_8"}, reference = "d042035eaf5f", expect = BugKind.DEVICE_DATA_LOST,
            because = "> 1 (reuse_swap_page)")
    void parentSeesTheNicsData(Scenario s) {
        s.process("A").mallocThp(pages(512)).write('A').pin(rdma).fork().parentWrites(text("parent")).dmaCompletes()
                .assertParentSees(dmaData());
    }
}
