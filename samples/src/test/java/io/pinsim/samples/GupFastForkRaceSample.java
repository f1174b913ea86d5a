package io.pinsim.samples;

import static io.pinsim.dsl.Pinsim.dmaData;
import static io.pinsim.dsl.Pinsim.pages;
import static io.pinsim.dsl.Pinsim.rdma;

import io.pinsim.dsl.BugKind;
import io.pinsim.dsl.Scenario;
import io.pinsim.junit.Explore;
import io.pinsim.junit.KnownBug;
import io.pinsim.junit.ModelVariant;
import io.pinsim.junit.PinsimModels;

/**
 * pin_user_pages_fast() of two pages in one thread while another thread forks, every interleaving
 * explored up to two preemptions: on 5.9 the smallest failing one has the lockless walk pin a page
 * after fork decided to share it and before fork write-protects it; before 5.9 fork shares pinned
 * pages, so pinning first is enough. The chain goes on from that schedule, and the pin must follow
 * the parent. 57efa1fe5957 (5.11, 5.10.y) makes GUP-fast retry in the slow path when
 * write_protect_seq moved, so every schedule passes there.
 */
@Sample(id = "gup-fast-fork-race", title = "GUP-fast pin in one thread racing fork in another",
        source = "57efa1fe5957 mm/gup: prevent gup_fast from racing with COW during fork (Jason Gunthorpe, 5.11)",
        story = "Thread T2 pins a buffer with pin_user_pages_fast() while the main thread forks. Fork decides the page is not pinned and will "
                + "share it; T2's lockless walk then pins it; fork write-protects it. The parent's next write copies the page away from the pin. "
                + "With write_protect_seq GUP-fast sees that a fork ran, drops its pins and retries in the slow path after the fork.")
class GupFastForkRaceSample {
    @PinsimModels
    @ModelVariant(name = "5.9", base = "LINUX_5_10", with = "GupFastVsFork.UNSERIALIZED", description = "5.9 / 5.10.0: early COW without write_protect_seq")
    @Explore(preemptions = 2)
    @KnownBug(models = {"LINUX_4_19", "LINUX_5_8", "5.9"}, reference = "57efa1fe5957", expect = BugKind.DEVICE_DATA_LOST,
            because = "rdma0 still holds frame #1 while \"A\" maps frame #")
    void thePinFollowsTheParent(Scenario s) {
        s.process("A").malloc(pages(2)).write('A').forkRacingPin(rdma).parentWrites('P').dmaCompletes().assertParentSees(dmaData());
    }
}
