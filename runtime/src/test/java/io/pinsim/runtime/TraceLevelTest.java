package io.pinsim.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pinsim.runtime.model.KernelModel;
import io.pinsim.runtime.trace.TraceEvent;
import io.pinsim.runtime.trace.TraceKind;
import io.pinsim.runtime.trace.TraceLevel;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The trace keeps what its level says, renders lazily recorded messages the same as eager ones, and numbers steps alike at every level. */
class TraceLevelTest {

    private static Kernel run(TraceLevel level) {
        Kernel k = Kernel.builder().model(KernelModel.LINUX_6_6).trace(level).build();
        Process a = k.spawn("A");
        long buf = a.mmap(4 * Kernel.PAGE_SIZE, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS | MapFlags.POPULATE);
        a.read(buf, 1);
        assertThatThrownBy(() -> a.munmap(buf + 1, Kernel.PAGE_SIZE)).isInstanceOf(ErrnoException.class);
        a.fork("B");
        return k;
    }

    @Test
    void allKeepsEveryDecisionWithItsTextRenderedWhenRead() {
        Kernel k = run(TraceLevel.ALL);
        List<TraceEvent> faults = k.trace().events(e -> e.kind() == TraceKind.FAULT);
        assertThat(faults).hasSize(4);
        assertThat(faults.get(1).message()).isEqualTo("write fault at 0x7f0000001000: new anonymous page, frame #2 (do_anonymous_page)");
        assertThat(k.trace().lastAt(0x7f0000003000L, TraceKind.FAULT).pfn()).isEqualTo(4);
        assertThat(k.trace().render()).contains("new anonymous page, frame #4 (do_anonymous_page)");
    }

    @Test
    void stepsKeepsOneCallPerStepAndTheErrors() {
        Kernel all = run(TraceLevel.ALL);
        Kernel steps = run(TraceLevel.STEPS);
        assertThat(steps.trace().events()).extracting(TraceEvent::kind).containsOnly(TraceKind.CALL, TraceKind.ERRNO);
        assertThat(steps.trace().events()).extracting(TraceEvent::step, TraceEvent::message)
                .containsExactlyElementsOf(all.trace().events(e -> e.kind() == TraceKind.CALL || e.kind() == TraceKind.ERRNO).stream()
                        .map(e -> org.assertj.core.groups.Tuple.tuple(e.step(), e.message())).toList());
        assertThat(steps.trace().step()).isEqualTo(all.trace().step());
    }

    @Test
    void offKeepsNothingButStillCountsSteps() {
        Kernel all = run(TraceLevel.ALL);
        Kernel off = run(TraceLevel.OFF);
        assertThat(off.trace().events()).isEmpty();
        assertThat(off.trace().size()).isZero();
        assertThat(off.trace().step()).isEqualTo(all.trace().step()).isPositive();
        assertThat(off.trace().level()).isEqualTo(TraceLevel.OFF);
    }
}
