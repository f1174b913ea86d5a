package io.pinsim.dsl;

import io.pinsim.runtime.Kernel;
import java.lang.ref.WeakReference;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Which scenario runs on a kernel, so that data a scenario decides ({@link Pinsim#dmaData()}) can
 * be resolved by an assertion outside the chain, against the kernel of the object it checks. Not
 * configuration: a lookup from a kernel to its own scenario, weak on both sides, so neither is kept
 * alive by it; parallel tests have their own kernels.
 */
final class Scenarios {
    private static final Map<Kernel, WeakReference<ScenarioState>> BY_KERNEL = new WeakHashMap<>();

    private Scenarios() {
    }

    static synchronized void register(ScenarioState state) {
        BY_KERNEL.put(state.kernel, new WeakReference<>(state));
    }

    /** The latest scenario started on the kernel, or null. */
    static synchronized ScenarioState of(Kernel kernel) {
        WeakReference<ScenarioState> ref = BY_KERNEL.get(kernel);
        return ref == null ? null : ref.get();
    }
}
