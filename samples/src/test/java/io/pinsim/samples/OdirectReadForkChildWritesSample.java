package io.pinsim.samples;

import static io.pinsim.dsl.Pinsim.bytes;
import static io.pinsim.dsl.Pinsim.dmaData;
import static io.pinsim.dsl.Pinsim.ext4;
import static io.pinsim.dsl.Pinsim.pages;

import io.pinsim.dsl.Scenario;
import io.pinsim.junit.PinsimModels;

/**
 * The same in-flight O_DIRECT read across fork, but only the child writes the page: the child copies
 * it, the parent keeps the page the DMA goes to, on every kernel. Jason Gunthorpe, "Re: [RFCv3 PATCH
 * 1/6] uacce: Add documents for WarpDrive/uacce", 2018-11-19.
 */
@Sample(id = "odirect-read-fork-child-writes", title = "O_DIRECT read in flight across fork, only the child writes",
        source = "Jason Gunthorpe, \"Re: [RFCv3 PATCH 1/6] uacce: Add documents for WarpDrive/uacce\", linux-mm, 2018-11-19",
        story = "As odirect-read-fork, but the child writes the page instead of the parent: the child's write gives the child a copy and "
                + "the parent keeps the page the read completes into, in every era.")
class OdirectReadForkChildWritesSample {
    @PinsimModels
    void parentSeesTheReadData(Scenario s) {
        s.file("data").on(ext4).process("A").malloc(pages(1)).write('A').startDirectRead(bytes(2048)).fork().childWrites('C')
                .dmaCompletes().assertParentSees(dmaData());
    }
}
