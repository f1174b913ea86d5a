package io.pinsim.runtime.model;

/**
 * One value of a kernel behaviour switch. Each switch is an enum whose values name the kernel
 * behaviour; every value says what the kernel does and which commit introduced it.
 */
public interface Switch {
    /** What the kernel does under this value, in one line. */
    String behaviour();

    /** The commit (and first release) that introduced this behaviour, or where it is found. */
    String source();

    /** The enum constant's name. */
    String name();
}
