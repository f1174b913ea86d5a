package io.pinsim.samples;

import static io.pinsim.dsl.PinsimAssertions.assertThatBuffer;

import io.pinsim.dsl.BugKind;
import io.pinsim.dsl.Buffer;
import io.pinsim.junit.KnownBug;
import io.pinsim.junit.PinsimModels;
import io.pinsim.runtime.Foll;
import io.pinsim.runtime.GupFast;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MapFlags;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.Prot;
import io.pinsim.runtime.explore.Explorer;
import io.pinsim.runtime.explore.Op;
import io.pinsim.runtime.explore.Search;

/**
 * Reclaim of an anonymous page racing a long-term GUP-fast pin, explored with reclaim's real steps
 * ({@code Kernel.reclaimSteps}: trylock_page() and shrink_page_list()'s checks, add_to_swap();
 * try_to_unmap_one() per PTE; pageout() and __remove_mapping()). Afterwards the process reads and
 * then writes the page, and the page it maps must still be the page the NIC holds.
 * <ul>
 * <li>4.19, 5.8: a pinned page is swapped out like any other, but do_wp_page()'s mapcount rule
 *     (reuse_swap_page()) reuses the swap-cache page on the write: the pin stays coherent;</li>
 * <li>5.9 - 5.18 (the 5.10 model): feb889fb40fa ("mm: don't put pinned pages into the swap cache",
 *     5.11, 5.10.y) checks folio_maybe_dma_pinned() before add_to_swap(), but GUP-fast takes no
 *     lock: a pin between that check and try_to_unmap() is not seen, the pinned page is unmapped
 *     into the swap cache, the read maps it back read-only and the write copies it away
 *     (do_wp_page()'s refcount rule, 09854ba94c6a): the NIC holds a page the process no longer maps;</li>
 * <li>5.19+: try_to_unmap_one() clears the PTE first and then checks the pin
 *     (page_try_share_anon_rmap(), 6c287605fd56 "mm/rmap: fail try_to_unmap() for exclusive anon
 *     pages possibly pinned"), restoring the PTE if the page may be pinned; GUP-fast re-checks the
 *     PTE after grabbing the page. One of the two always backs off.</li>
 * </ul>
 */
@Sample(id = "reclaim-vs-gup-fast", title = "reclaim of an anonymous page racing a long-term GUP-fast pin (explored)",
        source = "feb889fb40fa mm: don't put pinned pages into the swap cache (5.11, 5.10.y); 6c287605fd56 mm/rmap: fail try_to_unmap() for exclusive anon pages possibly pinned (5.19)",
        story = "Reclaim checks that an anonymous page is not pinned, adds it to the swap cache and unmaps it; meanwhile GUP-fast pins the page "
                + "for a NIC. On 5.9-5.18 a pin between the check and the unmap is missed: the page is swapped out while pinned and the "
                + "process's next write lands in a copy. 5.19 re-checks the pin after clearing the PTE.")
class ReclaimVsGupFastSample {
    static final int PAGE = Kernel.PAGE_SIZE;

    /** What every explored schedule starts from: one written anonymous page. */
    static final class State {
        final Kernel k;
        final Process a;
        final long buf;
        final Buffer buffer;
        GupFast pin;

        State(Kernel k) {
            this.k = k;
            a = k.spawn("A");
            buf = a.mmap(0, PAGE, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
            a.fill(buf, PAGE, (byte) 'A');
            buffer = new Buffer(a, buf, PAGE);
        }
    }

    @PinsimModels
    @KnownBug(models = "LINUX_5_10", reference = "feb889fb40fa; 6c287605fd56",
            expect = BugKind.STALE_PIN, because = "is held by PIN by rdma0 MR#1")
    void theNicKeepsTheProcesssPageThroughReclaim(Kernel kernel) {
        Explorer<State> explorer = Explorer.on(Kernel.builder().model(kernel.model()).seed(kernel.seed()), State::new)
                .thread("reclaim", Op.steps("shrink_page_list()", (State s) -> s.k.reclaimSteps(s.a, s.buf)))
                .thread("pin", Op.steps("pin_user_pages_fast(FOLL_WRITE|FOLL_LONGTERM)",
                        (State s) -> s.pin = s.a.spawnThread("T2").pinUserPagesFastSteps(s.buf, 1, Foll.WRITE | Foll.LONGTERM, "rdma0 MR#1")))
                .check("the process still maps the page the NIC holds, after a read and a write", (k, s) -> {
                    s.a.read(s.buf, 1);
                    s.a.fill(s.buf, 1, (byte) 'P');
                    assertThatBuffer(s.buffer).as("the page rdma0 MR#1 holds").mapsFrame(s.pin.result().frame(0));
                });
        Explorations.assertEverySchedulePasses(explorer, Search.preemptionBounded(2));
    }
}
