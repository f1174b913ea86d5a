package io.pinsim.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.TestTemplate;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A test run once per kernel model, each invocation on a fresh kernel and named after its model:
 * every predefined model, or the ones listed, plus the {@link ModelVariant}s declared on the method.
 * Combine with {@link KnownBug} for the models on which the kernel is known to break the test. The
 * configuration parameter {@code pinsim.variant} ({@code Switch.VALUE}, comma-separated) changes
 * every one of those models with {@code KernelModel.with(..)}; an invocation whose variant
 * {@code with(..)} refuses fails with the refusal. With the configuration parameter
 * {@code pinsim.proposals=true}, a test of all predefined models also runs on every proposal model
 * ({@code KernelModel.proposals()}), as does one that {@code pinsim.models} names; a {@link KnownBug}
 * names kernel models only, so a proposal's invocation is OK or an UNEXPECTED_FAILURE that names
 * what failed.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@TestTemplate
@ExtendWith(PinsimExtension.class)
public @interface PinsimModels {
    /** Model names; empty for all predefined kernel models (and the proposals, see above). */
    String[] value() default {};

    /** The seed; {@link Long#MIN_VALUE} for the configured or default one. */
    long seed() default Long.MIN_VALUE;

    /** When to write the trace and timeline. */
    TraceMode trace() default TraceMode.ON_FAILURE;
}
