package io.pinsim.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * PCT for {@link Explore#pct()}: {@link #runs()} random schedules, each with random thread
 * priorities and {@code depth - 1} priority change points (Burckhardt et al. 2010), drawn from the
 * test kernel's seed, so the same seed gives the same schedules. {@code runs = 0} (the default)
 * turns PCT off.
 *
 * <pre>{@code
 * @Explore(pct = @Pct(depth = 2, runs = 1000))
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({})
public @interface Pct {
    /** The bug depth d: a run has d - 1 priority change points. */
    int depth() default 2;

    /** How many random schedules to run; 0 for no PCT. */
    int runs() default 0;
}
