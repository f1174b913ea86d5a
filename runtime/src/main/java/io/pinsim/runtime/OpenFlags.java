package io.pinsim.runtime;

/** open(2) flags the model knows, with the x86-64 values. */
public final class OpenFlags {
    /** O_RDONLY. */
    public static final int RDONLY = 0;
    /** O_WRONLY. */
    public static final int WRONLY = 01;
    /** O_RDWR. */
    public static final int RDWR = 02;
    /** O_DIRECT: reads and writes go between the device and the user pages. */
    public static final int DIRECT = 040000;

    /** O_ACCMODE: the bits of the access mode. */
    public static final int ACCMODE = 03;
    /** Every flag the model knows; any other bit is EINVAL. */
    public static final int KNOWN = ACCMODE | DIRECT;

    private OpenFlags() {
    }

    /**
     * @param flags the bits
     * @return them by their C names, {@code A|B}
     */
    public static String describe(int flags) {
        String acc = switch (flags & ACCMODE) {
            case RDONLY -> "O_RDONLY";
            case WRONLY -> "O_WRONLY";
            case RDWR -> "O_RDWR";
            default -> "O_ACCMODE?";
        };
        return acc + ((flags & DIRECT) != 0 ? "|O_DIRECT" : "");
    }
}
