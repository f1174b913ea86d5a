package io.pinsim.junit;

import io.pinsim.runtime.Errno;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Repeatable;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Fault injection into a driver: the extension creates the injected device of type
 * {@link #type()} as a ByteBuddy subclass (no agent) whose method {@link #method()} fails on its
 * {@link #call()}-th call (or every call): it returns false (an allocation failure, a refused
 * non-blockable invalidation), returns null, or throws an {@code ErrnoException}. The kernel's
 * trace records where the fault was injected.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
@Repeatable(InjectFault.List.class)
public @interface InjectFault {
    /** The driver class (not final; the method overridable: public or protected). */
    Class<?> type();

    /** The method's name. */
    String method();

    /** Which call fails, from 1; 0 for every call. */
    int call() default 0;

    /** How it fails. */
    Fault fault() default Fault.RETURN_FALSE;

    /** The errno for {@link Fault#ERRNO}. */
    Errno errno() default Errno.ENOMEM;

    /** How an injected call fails. */
    enum Fault {
        /** The method returns false: an allocation that failed, an invalidation that refuses. */
        RETURN_FALSE,
        /** The method returns null. */
        RETURN_NULL,
        /** The method throws ErrnoException with {@link InjectFault#errno()}. */
        ERRNO
    }

    /** The container of repeated injections. */
    @Documented
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.METHOD)
    @interface List {
        /** @return the repeated annotations */
        InjectFault[] value();
    }
}
