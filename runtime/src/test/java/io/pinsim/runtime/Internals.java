package io.pinsim.runtime;

import io.pinsim.runtime.internal.kernel.KernelImpl;
import io.pinsim.runtime.internal.mm.Mm;
import io.pinsim.runtime.internal.mm.MmCore;
import io.pinsim.runtime.internal.mm.MmOwner;
import io.pinsim.runtime.internal.mm.MmuIntervalNotifierImpl;
import io.pinsim.runtime.internal.mm.Page;

/**
 * The implementation behind the public API, for the few tests that corrupt the model's state on
 * purpose (to show that the invariants catch it) or look at a kernel structure directly.
 */
final class Internals {
    private Internals() {
    }

    static MmCore core(Kernel k) {
        return ((KernelImpl) k).core();
    }

    static Page page(Frame f) {
        return (Page) f;
    }

    static Mm mm(Process p) {
        return ((MmOwner) p).mm();
    }

    static MmuIntervalNotifierImpl impl(MmuIntervalNotifier sub) {
        return (MmuIntervalNotifierImpl) sub;
    }
}
