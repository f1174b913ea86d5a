package io.pinsim.runtime;

import static io.pinsim.runtime.Fixtures.PAGE;
import static io.pinsim.runtime.Fixtures.buffer;
import static io.pinsim.runtime.Internals.core;
import static io.pinsim.runtime.Internals.mm;
import static io.pinsim.runtime.Internals.page;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.pinsim.runtime.internal.mm.Content;
import io.pinsim.runtime.internal.mm.Pte;
import io.pinsim.runtime.internal.mm.VmArea;
import io.pinsim.runtime.model.KernelModel;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The check after each operation looks only at what the operation changed (frames, PTEs, VMAs); the
 * full check ({@link Kernel#checkInvariants()}) looks at everything. Each case breaks the state in
 * one way inside an operation; the incremental check must report the same invariant as the full
 * check run on the same state with the per-operation check off. (Some breaks only the check after
 * the operation can see, such as a freed frame that a pin still holds: a freed frame is no longer in
 * the frame table the full check walks; InvariantsTest shows those.)
 */
class IncrementalInvariantsTest {

    /** The state every case starts from: A with two pages written, forked into B; A wrote page 1 again (its own copy). */
    record World(Kernel k, Process a, Process b, long buf) {
    }

    static World world(boolean perOperationChecks) {
        Kernel k = Kernel.builder().model(KernelModel.LINUX_6_6).invariants(perOperationChecks).build();
        Process a = k.spawn("A");
        long buf = buffer(a, 2, 'A');
        Process b = a.fork("B");
        a.write(buf + PAGE, Fixtures.fill('C', 1));
        return new World(k, a, b, buf);
    }

    static Stream<Arguments> breaks() {
        return Stream.of(
                Arguments.of("free a frame two processes map", (BiConsumer<World, Object>) (w, x) ->
                        core(w.k()).freeFrame(page(w.a().frameAt(w.buf())))),
                Arguments.of("make a shared page's PTE writable", (BiConsumer<World, Object>) (w, x) -> {
                    long vpn = w.buf() >>> Kernel.PAGE_SHIFT;
                    mm(w.b()).pt.set(vpn, mm(w.b()).pt.get(vpn) | Pte.WRITE);
                }),
                Arguments.of("drop PageAnonExclusive of a page mapped writable", (BiConsumer<World, Object>) (w, x) ->
                        page(w.a().frameAt(w.buf() + PAGE)).clearAnonExclusive()),
                Arguments.of("map an exclusive page in a second process", (BiConsumer<World, Object>) (w, x) -> {
                    // B's own frame stays held (pinned), so the only break is the second mapping
                    w.b().pinUserPages(w.buf() + PAGE, 1, Foll.WRITE, "rdma0");
                    long vpn = (w.buf() + PAGE) >>> Kernel.PAGE_SHIFT;
                    mm(w.b()).pt.set(vpn, Pte.present(w.a().frameAt(w.buf() + PAGE).pfn()));
                }),
                Arguments.of("remove a VMA and leave its PTEs", (BiConsumer<World, Object>) (w, x) ->
                        mm(w.a()).removeVma((VmArea) w.a().vmaAt(w.buf()))),
                Arguments.of("point a PTE at a pfn nobody allocated", (BiConsumer<World, Object>) (w, x) ->
                        mm(w.a()).pt.set(w.buf() >>> Kernel.PAGE_SHIFT, Pte.present(4000))),
                Arguments.of("allocate a frame nothing holds", (BiConsumer<World, Object>) (w, x) ->
                        core(w.k()).allocFrame(new Content())),
                Arguments.of("drop PageAnonExclusive of a pinned page", (BiConsumer<World, Object>) (w, x) -> {
                    GupPages p = w.a().pinUserPages(w.buf() + PAGE, 1, Foll.WRITE, "rdma0");
                    w.a().mprotect(w.buf() + PAGE, PAGE, Prot.READ);
                    page(p.frame(0)).clearAnonExclusive();
                }));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("breaks")
    void theCheckAfterTheOperationFindsWhatTheFullCheckFinds(String what, BiConsumer<World, Object> breakIt) {
        World incremental = world(true);
        KernelBugException byOperation = catchThrowableOfType(
                () -> core(incremental.k()).run("test", what, -1, () -> breakIt.accept(incremental, null)), KernelBugException.class);

        World unchecked = world(false);
        core(unchecked.k()).run("test", what, -1, () -> breakIt.accept(unchecked, null));
        KernelBugException byFullCheck = catchThrowableOfType(unchecked.k()::checkInvariants, KernelBugException.class);

        assertThat(byFullCheck).as("the full check finds the break").isNotNull();
        assertThat(byOperation).as("the check after the operation finds it too").isNotNull();
        assertThat(byOperation.invariant()).isEqualTo(byFullCheck.invariant());
    }
}
