package io.pinsim.runtime;

/** open(2) flags the model knows, with the x86-64 values. */
public final class OpenFlags {
    public static final int RDONLY = 0;
    public static final int WRONLY = 01;
    public static final int RDWR = 02;
    public static final int DIRECT = 040000;

    public static final int ACCMODE = 03;
    public static final int KNOWN = ACCMODE | DIRECT;

    private OpenFlags() {
    }

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
