package io.pinsim.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A test on a fresh pinsim kernel: parameters of type {@code Kernel}, {@code Scenario},
 * {@code KernelModel} and device types (any class with a public {@code (Kernel, String)}
 * constructor, such as {@code RdmaNic}, {@code NvmeDisk}, {@code VfioDevice}) are injected, attached
 * to that test's kernel. The model and seed come from this annotation, else from the configuration
 * parameters {@code pinsim.model} and {@code pinsim.seed} (junit-platform.properties), else the
 * defaults ({@code LATEST}, 0). On a class, the settings apply to its {@code @PinsimTest} methods.
 * The configuration parameter {@code pinsim.variant} ({@code Switch.VALUE}, comma-separated) runs
 * the test on that model {@code .with(..)} those values instead.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE, ElementType.ANNOTATION_TYPE})
@Test
@ExtendWith(PinsimExtension.class)
public @interface PinsimTest {
    /** The model's name ({@code LINUX_6_1}); empty for the configured or default one. */
    String model() default "";

    /** The seed; {@link Long#MIN_VALUE} for the configured or default one. */
    long seed() default Long.MIN_VALUE;

    /** When to write the trace and timeline. */
    TraceMode trace() default TraceMode.ON_FAILURE;
}
