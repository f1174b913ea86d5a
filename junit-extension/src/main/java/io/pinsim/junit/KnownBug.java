package io.pinsim.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * kselftest's XFAIL: the test asserts the correct semantics, and on these models the kernel is
 * known to break them. There the test passes only if it fails with an assertion, as documented;
 * if it passes, it fails ("the documented bug did not reproduce"); any other exception is a real
 * failure.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface KnownBug {
    /** The models (or variants) on which the bug reproduces. */
    String[] models();

    /** The commit id or mailing-list thread that documents it. */
    String reference();
}
