package io.pinsim.runtime.model;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.ArrayList;
import java.util.List;

/**
 * One value of a kernel behaviour switch. Each switch is an enum whose values name the kernel
 * behaviour; every value says what the kernel does and which commit introduced it, in a
 * {@link Doc} annotation on the enum constant.
 *
 * <p>A value may need state that only some values of another switch create (PG_anon_exclusive,
 * pin accounting, ...): it says so in its {@link Doc#requires()}, and
 * {@link KernelModel#with(Switch...)} refuses a model that breaks it.
 *
 * <p>{@link #behaviour()}, {@link #source()} and {@link #requires()} read that annotation
 * reflectively on every call and cache nothing: they are meant for building models, reports and
 * error messages, not for the simulation's hot paths.
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

    /**
     * Whether this value is a mailing-list proposal that no shipped kernel has: its name starts
     * with {@code PROPOSAL_}. A refused {@link KernelModel#with(Switch...)} never suggests one.
     */
    default boolean isProposal() {
        return name().startsWith("PROPOSAL_");
    }

    /**
     * What this value needs of the other switches to make a kernel that can run: the
     * {@link Doc#requires()} of this constant, each naming the state it reads, the values that
     * create it and the commit that ties them. {@link KernelModel#with(Switch...)} refuses a model
     * that breaks one.
     *
     * @throws IllegalStateException if this is not an enum constant with a {@link Doc}, or a
     *                               requirement names a value its switch does not have
     */
    default List<Requirement> requires() {
        List<Requirement> out = new ArrayList<>();
        for (Requires r : doc().requires()) {
            List<Switch> anyOf = new ArrayList<>();
            for (String name : r.anyOf()) {
                Switch found = null;
                for (Switch c : r.of().getEnumConstants()) {
                    if (c.name().equals(name)) {
                        found = c;
                    }
                }
                if (found == null) {
                    throw new IllegalStateException(this + " requires " + r.of().getSimpleName() + "." + name + ", which does not exist");
                }
                anyOf.add(found);
            }
            out.add(new Requirement(this, r.state(), anyOf, r.commit(), r.why()));
        }
        return List.copyOf(out);
    }

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

        /** What this value needs of other switches; empty when it runs with any of them. */
        Requires[] requires() default {};
    }

    /**
     * One requirement of a switch value, written in its {@link Doc}: the state it reads
     * ({@code "PG_anon_exclusive"}), the values of another switch that create that state, and the
     * commit that ties them, e.g. {@code @Switch.Requires(state = "PG_anon_exclusive", of =
     * CowReuse.class, anyOf = "ANON_EXCLUSIVE", commit = "6c287605fd56", why = "...")}.
     */
    @Documented
    @Retention(RetentionPolicy.RUNTIME)
    @Target({})
    @interface Requires {
        /** The state or mechanism the value relies on, in kernel terms. */
        String state();

        /** The switch whose values create it. */
        Class<? extends Switch> of();

        /** The values of {@link #of()} that create it (constant names). */
        String[] anyOf();

        /** The commit that ties the two behaviours together. */
        String commit();

        /** Why, in one clause: what the value reads and where it comes from. */
        String why();
    }
}
