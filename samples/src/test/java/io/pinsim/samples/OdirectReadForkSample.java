package io.pinsim.samples;

import static io.pinsim.dsl.Pinsim.bytes;
import static io.pinsim.dsl.Pinsim.dmaData;
import static io.pinsim.dsl.Pinsim.ext4;
import static io.pinsim.dsl.Pinsim.fill;
import static io.pinsim.dsl.Pinsim.pages;

import io.pinsim.dsl.BugKind;
import io.pinsim.dsl.Scenario;
import io.pinsim.junit.KnownBug;
import io.pinsim.junit.PinsimModels;

/**
 * An AIO O_DIRECT read into a private buffer is in flight when the process forks; the parent then
 * writes the other half of the page and the read completes. The parent must see the data it read.
 * Up to 6.4 the read holds a plain reference (FOLL_GET), which fork does not see: the page is shared
 * and the parent's write moves the parent to a copy, so the DMA lands in the child's page. From 6.5
 * the read pins (FOLL_PIN) and fork copies the page for the child instead.
 * Jason Gunthorpe, "Re: [RFCv3 PATCH 1/6] uacce: Add documents for WarpDrive/uacce", 2018-11-19.
 */
@Sample(id = "odirect-read-fork", title = "O_DIRECT read in flight across fork, the parent writes the page",
        source = "Jason Gunthorpe, \"Re: [RFCv3 PATCH 1/6] uacce: Add documents for WarpDrive/uacce\", linux-mm, 2018-11-19",
        story = "An AIO O_DIRECT read into a private buffer is in flight when the process forks; the parent writes the other half of the page; "
                + "the read completes. Until 6.5 the read holds a plain reference that fork ignores, so the parent's write moves it to a copy "
                + "and the DMA lands in the child's page. From 6.5 the read pins the page and fork copies it for the child.")
class OdirectReadForkSample {
    @PinsimModels
    @KnownBug(models = {"LINUX_4_19", "LINUX_5_8", "LINUX_5_10", "LINUX_6_1"}, reference = "block: convert bio_iov_iter_get_pages to use iov_iter_extract_pages (6.5)",
            expect = BugKind.DEVICE_DATA_LOST, because = "frame #1 stays with GET by dio#1")
    void parentSeesTheReadData(Scenario s) {
        s.file("data").on(ext4).process("A").malloc(pages(1)).write('A').startDirectRead(bytes(2048)).fork().parentWrites(fill('P'))
                .dmaCompletes().assertParentSees(dmaData());
    }
}
