package io.pinsim.runtime.model;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * One value of a kernel behaviour switch. Each switch is an enum whose values name the kernel
 * behaviour; every value says what the kernel does and which commit introduced it, in a
 * {@link Doc} annotation on the enum constant.
 *
 * <p>{@link #behaviour()} and {@link #source()} read that annotation reflectively on every call and
 * cache nothing: they are meant for reports and error messages, not for the simulation's hot paths.
 */
public interface Switch {
    /**
     * What the kernel does under this value, in one line: the {@link Doc#behaviour()} of this constant.
     *
     * @throws IllegalStateException if this is not an enum constant or the constant has no {@link Doc}
     */
    default String behaviour() {
        return doc().behaviour();
    }

    /**
     * The commit (and first release) that introduced this behaviour, or where it is found: the
     * {@link Doc#source()} of this constant.
     *
     * @throws IllegalStateException if this is not an enum constant or the constant has no {@link Doc}
     */
    default String source() {
        return doc().source();
    }

    /** The enum constant's name. */
    String name();

    /** The {@link Doc} on this value's enum constant. */
    private Doc doc() {
        if (!(this instanceof Enum<?> constant)) {
            throw new IllegalStateException(getClass().getName() + " is not an enum: a Switch is an enum constant with a @Switch.Doc");
        }
        Class<?> type = constant.getDeclaringClass();
        Doc doc;
        try {
            doc = type.getField(constant.name()).getAnnotation(Doc.class);
        } catch (NoSuchFieldException e) {
            throw new IllegalStateException("no field for enum constant " + type.getName() + "." + constant.name(), e);
        }
        if (doc == null) {
            throw new IllegalStateException(type.getName() + "." + constant.name() + " has no @Switch.Doc");
        }
        return doc;
    }

    /**
     * The documentation of one switch value, written on its enum constant:
     * {@code @Switch.Doc(behaviour = "...", source = "...")}.
     */
    @Documented
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.FIELD)
    @interface Doc {
        /** What the kernel does under this value, in one line. */
        String behaviour();

        /** The commit (and first release) that introduced this behaviour, or where it is found. */
        String source();
    }
}
