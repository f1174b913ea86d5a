package io.pinsim.runtime.explore;

import io.pinsim.runtime.Foll;
import io.pinsim.runtime.GupFast;
import io.pinsim.runtime.GupPages;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MapFlags;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.Prot;
import io.pinsim.runtime.Task;
import io.pinsim.runtime.model.KernelModel;

/**
 * S7 as an exploration: the main thread of "A" forks while its thread T2 pins the buffer with
 * pin_user_pages_fast(FOLL_WRITE | FOLL_LONGTERM), as an RDMA driver does; afterwards the parent
 * writes each page and the NIC DMAs into it. The pin must follow the parent (57efa1fe5957).
 */
final class GupFastForkRace {
    static final int PAGE = Kernel.PAGE_SIZE;

    /** What the setup builds and the operations fill in. */
    static final class Race {
        Process a;
        Task t2;
        long buf;
        int pages;
        GupFast pin;
    }

    private GupFastForkRace() {
    }

    static Explorer<Race> explorer(KernelModel model, int pages) {
        return explorer(Kernel.builder().model(model), pages);
    }

    static Explorer<Race> explorer(Kernel.Builder kernel, int pages) {
        return Explorer.on(kernel, k -> setup(k, pages))
                .thread("fork", Op.steps("fork()", (Race r) -> r.a.mainThread().forkSteps("B")))
                .thread("pin", Op.steps("pin_user_pages_fast()", (Race r) -> r.pin = r.t2.pinUserPagesFastSteps(r.buf, r.pages, Foll.WRITE | Foll.LONGTERM, "rdma0 MR#1")))
                .check("the pin follows the parent", GupFastForkRace::pinFollowsTheParent);
    }

    static Race setup(Kernel k, int pages) {
        Race r = new Race();
        r.pages = pages;
        r.a = k.spawn("A");
        r.buf = r.a.mmap((long) pages * PAGE, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
        r.a.fill(r.buf, (long) pages * PAGE, (byte) 'A');
        r.t2 = r.a.spawnThread("T2");
        return r;
    }

    /**
     * The parent writes each page, then the pin must still hold the page the parent maps; if not,
     * the NIC's DMA shows what the parent loses.
     */
    static void pinFollowsTheParent(Kernel k, Race r) {
        GupPages mr = r.pin.result();
        for (int i = 0; i < r.pages; i++) {
            long addr = r.buf + (long) i * PAGE;
            r.a.fill(addr, PAGE, (byte) 'P');
            if (!mr.isCoherent(i)) {
                mr.write((long) i * PAGE, new byte[] {'D'});
                char seen = (char) r.a.read(addr, 1)[0];
                throw new AssertionError("after the fork, the parent's write moved page " + i + " away from the pin: rdma0 DMAs 'D' into frame #" + mr.frame(i).pfn()
                        + ", the parent maps frame #" + r.a.frameAt(addr).pfn() + " and reads '" + seen + "'");
            }
        }
    }
}
