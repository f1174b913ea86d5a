package io.pinsim.junit;

import io.pinsim.dsl.BugKind;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * kselftest's XFAIL, with the failure named: the test asserts the correct semantics, and on these
 * models the kernel is known to break them in the way {@link #expect()} names. There the test passes
 * only if it fails with a pinsim assertion ({@link io.pinsim.dsl.PinsimAssertionError}) of that
 * {@link BugKind}, whose {@code because:} line contains {@link #because()} if one is given.
 *
 * <p>On a listed model anything else is a real failure, {@link NotTheDocumentedBugError}, whose
 * message says which kind was expected and what was seen: an assertion of another kind or without
 * the fragment, a step that could not run ({@link io.pinsim.dsl.StepFailedException}: an errno or
 * a signal the test did not assert), API misuse, a plain AssertJ or JUnit assertion (it carries no
 * kind). A pass there fails with {@link BugDidNotReproduceError}.
 *
 * <pre>{@code
 * @PinsimModels
 * @KnownBug(models = {"LINUX_4_19", "LINUX_5_8"}, reference = "70e806e4e645",
 *         expect = BugKind.DEVICE_DATA_LOST, because = "copied frame")
 * void parentKeepsPinnedPageAfterFork(Scenario s) { ... }
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface KnownBug {
    /** The models (or variants) on which the bug reproduces. */
    String[] models();

    /** The commit id or mailing-list thread that documents it. */
    String reference();

    /** What the bug looks like: the kind of the assertion it fails. */
    BugKind expect();

    /** A fragment the failing assertion's {@code because:} line must contain (the mechanism, e.g. {@code "copied frame"}); empty for any. */
    String because() default "";
}
