package io.pinsim.samples;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** What the catalogue shows of a sample: its id, title, source and story. */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface Sample {
    /** The sample's id in the catalogue, e.g. {@code odirect-read-fork}. */
    String id();

    /** One line. */
    String title();

    /** The thread (subject, author, date) or commit it comes from. */
    String source();

    /** The story in a few sentences. */
    String story();
}
