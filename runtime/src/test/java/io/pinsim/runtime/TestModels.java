package io.pinsim.runtime;

import io.pinsim.runtime.model.KernelModel;
import io.pinsim.runtime.model.Switch;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import org.junit.jupiter.api.Assumptions;

/**
 * The model the runtime's tests build their kernels on ({@link Fixtures}): the one a test names,
 * or, inside {@link #with(Switch, Supplier)}, that model with one switch value changed. The model
 * coherence sweep in {@code samples} runs every runtime test that way on every single-switch
 * variant of the predefined models. The override belongs to the calling thread, on which the JUnit
 * launcher runs the tests (same-thread execution); nothing is shared between threads.
 */
public final class TestModels {
    private static final ThreadLocal<Switch> OVERRIDE = new ThreadLocal<>();
    private static final ThreadLocal<List<String>> BUILT = ThreadLocal.withInitial(ArrayList::new);

    private TestModels() {
    }

    /** Runs {@code tests} on this thread with every model the runtime's tests ask for changed by {@code value}. */
    public static <T> T with(Switch value, Supplier<T> tests) {
        Objects.requireNonNull(value, "value");
        OVERRIDE.set(value);
        try {
            return tests.get();
        } finally {
            OVERRIDE.remove();
            BUILT.remove();
        }
    }

    /**
     * The names of the variant models kernels were built on, on this thread, since the last call:
     * the sweep's listener calls it when a test starts and when it finishes.
     */
    public static List<String> drainVariantsBuilt() {
        List<String> out = List.copyOf(BUILT.get());
        BUILT.get().clear();
        return out;
    }

    /**
     * The model to build: {@code model} itself, or {@code model.with(value)} inside
     * {@link #with(Switch, Supplier)}, which throws {@link IllegalArgumentException} for an
     * incoherent variant (the test then fails with the refusal). A test whose first kernel is on a
     * model that already has the value is aborted there: it would only repeat the normal build
     * (the price: a test that builds such a kernel before a variant one skips that variant too).
     */
    static KernelModel resolve(KernelModel model) {
        Switch value = OVERRIDE.get();
        if (value == null) {
            return model;
        }
        KernelModel variant = model.with(value);
        if (variant == model) {
            Assumptions.assumeFalse(BUILT.get().isEmpty(), () -> model.name() + " already has " + value.name() + ": no variant to run");
            return model;
        }
        BUILT.get().add(variant.name());
        return variant;
    }
}
