package io.pinsim.runtime;

import static io.pinsim.runtime.Fixtures.PAGE;
import static io.pinsim.runtime.Fixtures.RW;
import static io.pinsim.runtime.Fixtures.buffer;
import static io.pinsim.runtime.Fixtures.fill;
import static io.pinsim.runtime.Fixtures.kernel;
import static org.assertj.core.api.Assertions.assertThat;

import io.pinsim.runtime.explore.Explorer;
import io.pinsim.runtime.explore.Op;
import io.pinsim.runtime.explore.Report;
import io.pinsim.runtime.explore.Search;
import io.pinsim.runtime.model.KernelModel;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/** Reclaim of one page as steps: trylock_page + checks + add_to_swap, try_to_unmap_one per PTE, pageout + __remove_mapping. */
class ReclaimStepsTest {
    /** Reclaim against GUP-fast: one exclusive anon page. */
    static final class Race {
        final Kernel k;
        final Process a;
        final long buf;
        GupFast pin;

        Race(Kernel k) {
            this.k = k;
            this.a = k.spawn("A");
            this.buf = buffer(a, 2, 'Q');
        }
    }

    /** What reclaim is given: an exclusive anon page, a pinned one, one shared with a child, a clean ext4 page. */
    enum Case { EXCLUSIVE, PINNED, SHARED_WITH_CHILD, FILE }

    private record Setup(Kernel k, Process a, long buf, GupPages pin) {
    }

    private static Setup setup(KernelModel m, Case c) {
        Kernel k = kernel(m);
        Process a = k.spawn("A");
        if (c == Case.FILE) {
            Inode ino = k.mount(FsKind.EXT4).create("data", fill('F', PAGE));
            OpenFile f = a.open(ino, OpenFlags.RDWR);
            long map = a.mmap(0, PAGE, RW, MapFlags.SHARED, f, 0);
            a.read(map, 1);
            return new Setup(k, a, map, null);
        }
        long buf = buffer(a, 1, 'Q');
        GupPages pin = c == Case.PINNED ? a.pinUserPages(buf, 1, Foll.WRITE | Foll.LONGTERM, "rdma0") : null;
        if (c == Case.SHARED_WITH_CHILD) {
            a.fork("B");
        }
        return new Setup(k, a, buf, pin);
    }

    /** Every step in a row reclaims as Kernel.reclaim() does, on every model and for every kind of page. */
    @Test
    void everyStepInARowReclaimsAsReclaimDoes() {
        for (KernelModel m : KernelModel.all()) {
            for (Case c : Case.values()) {
                Setup stepped = setup(m, c);
                Setup plain = setup(m, c);
                boolean s = stepped.k().reclaimSteps(stepped.a(), stepped.buf()).run();
                boolean p = plain.k().reclaim(plain.a(), plain.buf());
                assertThat(s).as(m + " " + c).isEqualTo(p);
                assertThat(stepped.a().pteAt(stepped.buf())).as(m + " " + c).isEqualTo(plain.a().pteAt(plain.buf()));
                assertThat(stepped.k().trace().render()).as(m + " " + c).contains(lastReclaimLine(plain.k()));
                assertThat(stepped.a().read(stepped.buf(), 1)).isEqualTo(plain.a().read(plain.buf(), 1));
                stepped.k().checkInvariants();
                if (stepped.pin() != null) {
                    stepped.pin().unpin(false);
                }
                stepped.k().checkNoLeaks();
            }
        }
    }

    private static String lastReclaimLine(Kernel k) {
        return k.trace().events().stream().filter(e -> e.kind() == io.pinsim.runtime.trace.TraceKind.RECLAIM).reduce((x, y) -> y).orElseThrow().message();
    }

    /**
     * The pin taken between shrink_page_list()'s check and try_to_unmap(): 5.10 (feb889fb40fa only)
     * unmaps the pinned page into the swap cache; from 5.19 try_to_unmap_one() sees the pin
     * (page_try_share_anon_rmap()) and restores the PTE.
     */
    @Test
    void aPinBetweenTheCheckAndTheUnmapIsSeenFrom519Only() {
        for (KernelModel m : new KernelModel[] {KernelModel.LINUX_5_10, KernelModel.LINUX_6_1, KernelModel.LINUX_6_6}) {
            Setup s = setup(m, Case.EXCLUSIVE);
            ReclaimSteps r = s.k().reclaimSteps(s.a(), s.buf());
            r.step();
            assertThat(r.holds()).containsExactly("frame:" + s.a().frameAt(s.buf()).pfn() + ":PG_locked");
            assertThat(r.nextStep()).startsWith("try_to_unmap_one()");
            GupPages pin = s.a().spawnThread("T2").pinUserPagesFastSteps(s.buf(), 1, Foll.WRITE | Foll.LONGTERM, "rdma0").run();
            boolean unmapped = r.run();
            if (m == KernelModel.LINUX_5_10) {
                assertThat(unmapped).isTrue();
                assertThat(s.a().pteAt(s.buf())).startsWith("swap entry");
            } else {
                assertThat(unmapped).as(m.name()).isFalse();
                assertThat(s.a().pteAt(s.buf())).doesNotStartWith("swap entry");
                assertThat(s.k().trace().render()).contains("was pinned after the check");
            }
            assertThat(r.holds()).isEmpty();
            pin.unpin(false);
            s.k().checkInvariants();
        }
    }

    /**
     * Explored: GUP-fast pins two pages while reclaim of the first runs as steps (the unmap of page 0
     * commutes with the walk of page 1: the reduced search prunes, and must still find every
     * failing class the unreduced one finds); then the process writes the page
     * twice (a read first, so a swap-in maps it read-only) and the pin must still see the process's
     * data. 5.10 loses it in the schedule where the pin falls between the check and the unmap; 6.1
     * and 6.6 never do.
     */
    @Test
    void explorerFindsTheWindowOn510Only() {
        BiFunction<KernelModel, Boolean, Report> explore = (m, reduced) -> {
            Explorer<Race> explorer = Explorer.on(Kernel.builder().model(m), Race::new)
                    .thread("reclaim", Op.steps("shrink_page_list()", (Race r) -> r.k.reclaimSteps(r.a, r.buf)))
                    .thread("pin", Op.steps("pin_user_pages_fast()", (Race r) -> r.pin = r.a.spawnThread("T2").pinUserPagesFastSteps(r.buf, 2, Foll.WRITE | Foll.LONGTERM, "rdma0")))
                    .check("the pin sees what the process writes", (k, r) -> {
                        r.a.read(r.buf, 1);
                        r.a.write(r.buf, fill('P', 1));
                        if (r.pin.result().count() > 0 && r.pin.result().read(0, 1)[0] != 'P') {
                            throw new AssertionError("the pinned page is no longer the process's page");
                        }
                    });
            Search search = Search.preemptionBounded(2).exhaustive();
            return explorer.explore(reduced ? search : search.withoutReduction());
        };
        Report r510 = explore.apply(KernelModel.LINUX_5_10, true);
        assertThat(r510.passed()).as(r510.render()).isFalse();
        for (KernelModel m : new KernelModel[] {KernelModel.LINUX_6_1, KernelModel.LINUX_6_6}) {
            Report r = explore.apply(m, true);
            assertThat(r.passed()).as(r.render()).isTrue();
        }
        for (KernelModel m : KernelModel.all()) {
            Report reduced = explore.apply(m, true);
            Report full = explore.apply(m, false);
            assertThat(reduced.failures().stream().map(f -> f.equivalenceClass().toString()).sorted().toList()).as(m + ": the reduced search finds every failing class")
                    .isEqualTo(full.failures().stream().map(f -> f.equivalenceClass().toString()).distinct().sorted().toList());
            assertThat(reduced.schedules()).isLessThanOrEqualTo(full.schedules());
        }
    }
}
