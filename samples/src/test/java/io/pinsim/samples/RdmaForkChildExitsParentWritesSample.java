package io.pinsim.samples;

import static io.pinsim.dsl.Pinsim.dmaData;
import static io.pinsim.dsl.Pinsim.pages;
import static io.pinsim.dsl.Pinsim.rdma;
import static io.pinsim.dsl.Pinsim.text;

import io.pinsim.dsl.BugKind;
import io.pinsim.dsl.Scenario;
import io.pinsim.junit.KnownBug;
import io.pinsim.junit.ModelVariant;
import io.pinsim.junit.PinsimModels;

/**
 * Fork, the child exits at once (a system() call), the parent writes its pinned buffer, the NIC
 * writes. With the mapcount rule the parent is the last mapper and reuses the page; 09854ba94c6a's
 * refcount rule alone (5.9-rc1) copies it because of the pin; 70e806e4e645's early copy at fork
 * fixed it in 5.9. Jason Gunthorpe, "Re: [PATCH 1/4] mm: Trial do_wp_page() simplification",
 * 2020-09-15.
 */
@Sample(id = "rdma-fork-child-exits-parent-writes", title = "RDMA MR, fork, the child exits at once, the parent writes",
        source = "Jason Gunthorpe, \"Re: [PATCH 1/4] mm: Trial do_wp_page() simplification\", linux-mm, 2020-09-15",
        story = "A process with a pinned RDMA buffer forks and the child exits at once (think system()). The parent then writes its buffer "
                + "and the NIC writes. The mapcount rule lets the parent, now the only mapper, reuse the page. 09854ba94c6a (5.9-rc1) made "
                + "reuse depend on refcount == 1, so the pin forces a copy and the NIC's data is lost; the early copy at fork (70e806e4e645) "
                + "keeps the pinned page with the parent.")
class RdmaForkChildExitsParentWritesSample {
    @PinsimModels
    @ModelVariant(name = "5.9-rc1", base = "LINUX_5_10", with = "ForkPinned.SHARE_WRPROTECT", description = "5.9-rc1: 09854ba94c6a without early COW at fork")
    @KnownBug(models = "5.9-rc1", reference = "09854ba94c6a, fixed by 70e806e4e645", expect = BugKind.DEVICE_DATA_LOST,
            because = "refcount 1025 > 1: PIN by rdma0")
    void parentSeesTheNicsData(Scenario s) {
        s.process("A").malloc(pages(1)).write('A').pin(rdma).fork().childExits().parentWrites(text("parent")).dmaCompletes()
                .assertParentSees(dmaData());
    }
}
