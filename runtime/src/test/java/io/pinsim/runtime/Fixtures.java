package io.pinsim.runtime;

import io.pinsim.runtime.model.KernelModel;
import io.pinsim.runtime.trace.TraceEvent;
import io.pinsim.runtime.trace.TraceKind;
import java.util.Arrays;

/** Shared set-up for the runtime tests: a kernel per model, a process with a buffer, named data. */
final class Fixtures {
    static final int RW = Prot.READ | Prot.WRITE;
    static final int ANON_PRIVATE = MapFlags.PRIVATE | MapFlags.ANONYMOUS;
    static final int ANON_SHARED = MapFlags.SHARED | MapFlags.ANONYMOUS;
    static final int PAGE = Kernel.PAGE_SIZE;

    private Fixtures() {
    }

    static Kernel kernel(String model) {
        return kernel(KernelModel.byName(model));
    }

    static Kernel kernel(KernelModel model) {
        return builder(model).build();
    }

    /** A builder on the model, or on its variant when the model coherence sweep runs the tests ({@link TestModels}). */
    static Kernel.Builder builder(KernelModel model) {
        return Kernel.builder().model(TestModels.resolve(model));
    }

    static byte[] fill(char c) {
        return fill(c, PAGE);
    }

    static byte[] fill(char c, int n) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) c);
        return b;
    }

    /**
     * The message of the last trace event of this kind at the page; fails the test with an
     * assertion (not a NullPointerException) when there is none, as on a model variant that decides
     * otherwise.
     */
    static String lastMessage(Kernel k, long pageAddress, TraceKind kind) {
        TraceEvent e = k.trace().lastAt(pageAddress, kind);
        org.assertj.core.api.Assertions.assertThat(e).as("a %s event at %s", kind, Kernel.hex(pageAddress)).isNotNull();
        return e.message();
    }

    /** The last trace event of this kind at the page; an assertion failure (not an NPE) when there is none. */
    static TraceEvent lastEvent(Kernel k, long pageAddress, TraceKind kind) {
        TraceEvent e = k.trace().lastAt(pageAddress, kind);
        org.assertj.core.api.Assertions.assertThat(e).as("a %s event at %s", kind, Kernel.hex(pageAddress)).isNotNull();
        return e;
    }

    /** The first byte at the address as a char, for short assertions. */
    static char seen(Process p, long addr) {
        return (char) p.read(addr, 1)[0];
    }

    /** A private anonymous buffer of n pages, written with c. */
    static long buffer(Process p, int pages, char c) {
        long addr = p.mmap((long) pages * PAGE, RW, ANON_PRIVATE);
        p.write(addr, fill(c, pages * PAGE));
        return addr;
    }
}
