package io.pinsim.samples;

import static io.pinsim.dsl.Pinsim.fill;
import static io.pinsim.dsl.Pinsim.pages;

import io.pinsim.dsl.BugKind;
import io.pinsim.dsl.Scenario;
import io.pinsim.junit.KnownBug;
import io.pinsim.junit.PinsimModels;
import io.pinsim.runtime.Foll;

/**
 * The fork tree of Jerome Glisse's mail: a read-only long-term pin (a GPU reading user memory) of a
 * page that fork made COW-shared, then the parent writes. The pin must see what the parent sees.
 * 4.19 and 5.9 - 5.18 pin the shared page and the parent's write copies it away; 5.8 broke COW at pin
 * time; 5.19+ unshare the page before pinning it. Jerome Glisse, "Re: [PATCH 04/18] dma-fence: prime
 * lockdep annotations", 2020-06-19.
 */
@Sample(id = "ro-pin-shared-page-parent-writes", title = "R/O long-term pin of a COW-shared page, the parent writes",
        source = "Jerome Glisse, \"Re: [PATCH 04/18] dma-fence: prime lockdep annotations\", dri-devel, 2020-06-19",
        story = "A process forks, then pins a buffer read-only and long-term for a device, then writes the buffer. The device must read "
                + "what the process wrote. The pin holds the shared page on 4.19 and 5.9 - 5.18, and the write copies the process away from it. "
                + "5.8 broke COW when pinning; from 5.19 a read-only pin unshares the page first (FAULT_FLAG_UNSHARE).")
class RoPinSharedPageParentWritesSample {
    @PinsimModels
    @KnownBug(models = {"LINUX_4_19", "LINUX_5_10"}, reference = "a7f226604170 mm/gup: trigger FAULT_FLAG_UNSHARE when R/O-pinning a possibly shared anonymous page",
            expect = BugKind.STALE_PIN, because = "dev0 still holds frame #1 while \"A\" maps frame #2")
    void thePinSeesWhatTheParentWrites(Scenario s) {
        s.process("A").malloc(pages(1)).write('A').fork().inParent().gup(Foll.LONGTERM).parentWrites('P').deviceReads()
                .assertDeviceSees(fill('P'));
    }
}
