package io.pinsim.runtime;

import io.pinsim.runtime.model.KernelModel;
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
        return Kernel.builder().model(KernelModel.byName(model)).build();
    }

    static Kernel kernel(KernelModel model) {
        return Kernel.builder().model(model).build();
    }

    static byte[] fill(char c) {
        return fill(c, PAGE);
    }

    static byte[] fill(char c, int n) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) c);
        return b;
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
