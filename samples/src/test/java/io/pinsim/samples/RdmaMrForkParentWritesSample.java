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
 * An RDMA memory region (a long-term write pin), fork, the parent writes the buffer, the NIC writes:
 * the parent must see the NIC's data. Up to 5.8 fork shares the pinned page and the parent's write
 * copies it away from the NIC; from 5.9 (70e806e4e645) fork copies the pinned page for the child.
 */
@Sample(id = "rdma-mr-fork-parent-writes", title = "RDMA MR, fork, the parent writes, the NIC writes",
        source = "70e806e4e645 mm: Do early cow for pinned pages during fork() for ptes (Peter Xu, 5.9)",
        story = "A process registers a buffer with an RDMA NIC (FOLL_LONGTERM|FOLL_WRITE pin) and forks without MADV_DONTFORK. "
                + "The parent writes the buffer, then the NIC writes it. Up to 5.8 fork shares the pinned page, the parent's write copies it "
                + "and the NIC's data lands in the child's page; from 5.9 fork copies the pinned page for the child and the parent keeps it.")
class RdmaMrForkParentWritesSample {
    @PinsimModels
    @KnownBug(models = {"LINUX_4_19", "LINUX_5_8"}, reference = "70e806e4e645", expect = BugKind.DEVICE_DATA_LOST,
            because = "mapcount + swapcount = 2 > 1")
    void parentSeesTheNicsData(Scenario s) {
        s.process("A").malloc(pages(1)).write('A').pin(rdma).fork().parentWrites(text("parent")).dmaCompletes()
                .assertParentSees(dmaData());
    }
}
