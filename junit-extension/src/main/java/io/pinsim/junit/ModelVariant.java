package io.pinsim.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Repeatable;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * An extra invocation of a {@link PinsimModels} test on a variant of a predefined model, e.g. the
 * kernel between two eras: {@code @ModelVariant(name = "5.9-rc1", base = "LINUX_5_10", with =
 * "ForkPinned.SHARE_WRPROTECT")}.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
@Repeatable(ModelVariant.List.class)
public @interface ModelVariant {
    /** The variant's name, used for the invocation and by {@link KnownBug#models()}. */
    String name();

    /** The predefined model it starts from. */
    String base();

    /** Switch values to change, as {@code SwitchType.VALUE}, applied together ({@code KernelModel.with(..)} checks them as one variant). */
    String[] with();

    /** What the variant stands for. */
    String description() default "";

    /** The container of repeated variants. */
    @Documented
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.METHOD)
    @interface List {
        /** @return the repeated annotations */
        ModelVariant[] value();
    }
}
