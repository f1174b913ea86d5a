package io.pinsim.runtime.explore;

import static org.assertj.core.api.Assertions.assertThat;

import io.pinsim.runtime.Foll;
import io.pinsim.runtime.Footprint;
import io.pinsim.runtime.GupFast;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.model.GupFastVsFork;
import io.pinsim.runtime.model.KernelModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Sleep sets skip only schedules equivalent to one explored: on small cases the reduced search
 * finds every class of failing schedules the unreduced one finds, with the same smallest failure,
 * within the same preemption bound; and the footprints that define the equivalence are right, so
 * reordering a failing schedule into its normal form fails too.
 */
class PartialOrderReductionTest {

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        List<KernelModel> models = new ArrayList<>(KernelModel.all());
        models.add(KernelModel.LINUX_5_10.with(GupFastVsFork.UNSERIALIZED));
        for (KernelModel m : models) {
            for (int pages = 1; pages <= 2; pages++) {
                for (int bound = 0; bound <= 2; bound++) {
                    out.add(Arguments.of(m, pages, bound));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}, {1} page(s), up to {2} preemptions")
    @MethodSource("cases")
    void sleepSetsMissNoFailingClassOfGupFastAgainstFork(KernelModel model, int pages, int bound) {
        Explorer<GupFastForkRace.Race> explorer = GupFastForkRace.explorer(model, pages);
        assertSameFailures(explorer, Search.preemptionBounded(bound).exhaustive());
    }

    @Test
    void sleepSetsMissNoFailingClassWithoutABound() {
        for (KernelModel m : List.of(KernelModel.LINUX_4_19, KernelModel.LINUX_5_10.with(GupFastVsFork.UNSERIALIZED), KernelModel.LINUX_6_6)) {
            assertSameFailures(GupFastForkRace.explorer(m, 2), Search.unbounded());
        }
    }

    /** The blocking O_DIRECT read (its GUP-fast, submission, DMA and completion steps) against fork and the parent's write. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void sleepSetsMissNoFailingClassOfADirectReadAgainstFork(KernelModel model) {
        for (int bound = 0; bound <= 2; bound++) {
            assertSameFailures(DirectReadForkRace.explorer(model), Search.preemptionBounded(bound).exhaustive());
        }
    }

    /**
     * After a fork, the parent's thread stores into the COW-shared page (do_wp_page() decides, copies
     * with the PTL dropped, re-checks pte_same()) while another thread pins it with GUP-fast.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void sleepSetsMissNoFailingClassOfAWriteFaultAgainstGupFast(KernelModel model) {
        Explorer<GupFastForkRace.Race> explorer = Explorer.on(Kernel.builder().model(model), k -> {
            GupFastForkRace.Race r = GupFastForkRace.setup(k, 1);
            r.a.fork("B");
            return r;
        })
                .thread("store", Op.steps("store 'P'", (GupFastForkRace.Race r) -> r.a.mainThread().writeSteps(r.buf, (byte) 'P')))
                .thread("pin", Op.steps("pin_user_pages_fast()", (GupFastForkRace.Race r) -> r.pin = r.t2.pinUserPagesFastSteps(r.buf, 1, Foll.WRITE | Foll.LONGTERM, "rdma0")))
                .check("the pin holds the page the parent maps, with the store", (k, r) -> {
                    if (!r.pin.result().isCoherent(0) || r.a.read(r.buf, 1)[0] != 'P') {
                        throw new AssertionError("the pin lost the parent's page or the store was lost");
                    }
                });
        for (int bound = 0; bound <= 2; bound++) {
            assertSameFailures(explorer, Search.preemptionBounded(bound).exhaustive());
        }
        Report r = explorer.explore(Search.preemptionBounded(2).exhaustive());
        assertThat(r.passed()).as(r.render()).isTrue();
    }

    /** The GUP slow path's state: a R/O pin of a COW-shared page. */
    static final class SlowPin {
        GupFastForkRace.Race race;
        io.pinsim.runtime.GupSteps pin;
    }

    /**
     * After a fork, a thread pins the COW-shared page read-only through GUP's slow path (mmap_lock,
     * follow_page_pte, faultin_page with FAULT_FLAG_UNSHARE where the model has it) while the
     * parent's thread stores into it (do_wp_page's steps): a pair whose follow steps have exact
     * footprints, so sleep sets prune, and whose outcome differs across eras.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void sleepSetsMissNoFailingClassOfTheGupSlowPathAgainstAWriteFault(KernelModel model) {
        Explorer<SlowPin> explorer = Explorer.on(Kernel.builder().model(model), k -> {
            SlowPin s = new SlowPin();
            s.race = GupFastForkRace.setup(k, 2);
            s.race.a.fork("B");
            return s;
        })
                .thread("store", Op.steps("store 'P'", (SlowPin s) -> s.race.a.mainThread().writeSteps(s.race.buf, (byte) 'P')))
                .thread("pin", Op.steps("pin_user_pages()", (SlowPin s) -> s.pin = s.race.t2.pinUserPagesSteps(s.race.buf, 2, 0, "rdma0")))
                .check("the R/O pin sees the parent's store", (k, s) -> {
                    if (s.pin.result().read(0, 1)[0] != 'P' || s.race.a.read(s.race.buf, 1)[0] != 'P') {
                        throw new AssertionError("the pin holds a page the parent no longer maps");
                    }
                });
        Pair last = null;
        for (int bound = 0; bound <= 2; bound++) {
            last = assertSameFailures(explorer, Search.preemptionBounded(bound).exhaustive());
        }
        // 4.19 and 5.9 - 5.18 return the shared page to a R/O pin, and the parent's store copies away from it (the
        // ro-pin-shared-page-parent-writes sample); 5.8 breaks COW for every GUP (17839856fd58), 5.19+ unshares (a7f226604170).
        boolean bug = model == KernelModel.LINUX_4_19 || model == KernelModel.LINUX_5_10;
        assertThat(last.full().passed()).as(last.full().render()).isEqualTo(!bug);
    }

    static Stream<KernelModel> models() {
        return KernelModel.all().stream();
    }

    /** Two GUP-fast pins of different pages in two threads, and a fork in a third: the pins commute with each other. */
    @Test
    void twoPinsOfDifferentPagesCommuteAndTheReductionUsesIt() {
        for (KernelModel m : List.of(KernelModel.LINUX_5_8, KernelModel.LINUX_5_10.with(GupFastVsFork.UNSERIALIZED), KernelModel.LINUX_6_1)) {
            Explorer<TwoPins> explorer = Explorer.on(Kernel.builder().model(m), TwoPins::new)
                    .thread("fork", Op.steps("fork()", (TwoPins s) -> s.race.a.mainThread().forkSteps("B")))
                    .thread("pin0", Op.steps("pin page 0", (TwoPins s) -> s.pins[0] = s.race.t2.pinUserPagesFastSteps(s.race.buf, 1, Foll.WRITE | Foll.LONGTERM, "rdma0")))
                    .thread("pin1", Op.steps("pin page 1", (TwoPins s) -> s.pins[1] = s.t3.pinUserPagesFastSteps(s.race.buf + Kernel.PAGE_SIZE, 1, Foll.WRITE | Foll.LONGTERM, "rdma1")))
                    .check("both pins follow the parent", (k, s) -> {
                        for (int i = 0; i < 2; i++) {
                            s.race.a.fill(s.race.buf + (long) i * Kernel.PAGE_SIZE, 1, (byte) 'P');
                            if (!s.pins[i].result().isCoherent(0)) {
                                throw new AssertionError("pin " + i + " no longer holds the parent's page");
                            }
                        }
                    });
            Pair p = assertSameFailures(explorer, Search.preemptionBounded(2).exhaustive());
            assertThat(p.reduced().pruned()).isPositive();
            assertThat(p.reduced().schedules()).isLessThan(p.full().schedules());
        }
    }

    static final class TwoPins {
        final GupFastForkRace.Race race;
        final io.pinsim.runtime.Task t3;
        final GupFast[] pins = new GupFast[2];

        TwoPins(Kernel k) {
            race = GupFastForkRace.setup(k, 2);
            t3 = race.a.spawnThread("T3");
        }
    }

    /**
     * The bound and the sleep set interact (Coons, Musuvathi, McKinley, OOPSLA 2013): T1 runs a1
     * then a2, T2 runs b1; a1 commutes with b1, a2 does not. The class "b1 before a2" has a
     * schedule without preemption, T2,T1*2; naive sleep sets would put a1 to sleep after b1 (it was
     * explored first from the start) and reach the class only through T1,T2,T1, one preemption.
     */
    @Test
    void aSleepingStepThatWouldCostAPreemptionStaysAwake() {
        Explorer<int[]> explorer = Explorer.on(Kernel.builder(), k -> new int[2])
                .thread("a", Op.atomic("a1: y = 1", Footprint.writes("y"), s -> s[1] = 1), Op.atomic("a2: x = 'a'", Footprint.writes("x"), s -> s[0] = 'a'))
                .thread("b", Op.atomic("b1: x = 'b'", Footprint.writes("x"), s -> s[0] = 'b'))
                .check("b1 does not run before a2", (k, s) -> {
                    if (s[0] == 'a') {
                        throw new AssertionError("x = 'a': a2 ran after b1");
                    }
                });

        Report report = explorer.explore(Search.preemptionBounded(0));

        assertThat(report.failures()).extracting(f -> f.schedule().toString()).containsExactly("T2,T1*2");
        assertSameFailures(explorer, Search.preemptionBounded(0).exhaustive());
    }

    record Pair(Report reduced, Report full) {
    }

    private static <S> Pair assertSameFailures(Explorer<S> explorer, Search search) {
        Report full = explorer.explore(search.withoutReduction());
        Report reduced = explorer.explore(search);
        assertThat(classes(reduced)).as("failing classes with sleep sets vs without, %s", search).isEqualTo(classes(full));
        assertThat(reduced.schedules()).isLessThanOrEqualTo(full.schedules());
        assertThat(reduced.failures().isEmpty()).isEqualTo(full.failures().isEmpty());
        if (!full.passed()) {
            ScheduleRun a = reduced.smallestFailure().orElseThrow();
            ScheduleRun b = full.smallestFailure().orElseThrow();
            assertThat(a.preemptions()).isEqualTo(b.preemptions());
            assertThat(a.length()).isEqualTo(b.length());
        }
        for (Report.Failure f : full.failures()) {
            ScheduleRun normal = explorer.replay(f.equivalenceClass().toString());
            assertThat(normal.failed()).as("%s fails, so must its reordering %s:%n%s", f.schedule(), f.equivalenceClass(), normal.render()).isTrue();
        }
        return new Pair(reduced, full);
    }

    private static Set<String> classes(Report r) {
        Set<String> out = new TreeSet<>();
        for (Report.Failure f : r.failures()) {
            out.add(f.equivalenceClass().toString());
        }
        return out;
    }
}
