package io.pinsim.runtime;

/** MAP_* flags for {@link Process#mmap}, with the x86-64 values. */
public final class MapFlags {
    public static final int SHARED = 0x01;
    public static final int PRIVATE = 0x02;
    public static final int FIXED = 0x10;
    public static final int ANONYMOUS = 0x20;
    public static final int POPULATE = 0x8000;

    public static final int KNOWN = SHARED | PRIVATE | FIXED | ANONYMOUS | POPULATE;

    private MapFlags() {
    }

    public static String describe(int flags) {
        StringBuilder sb = new StringBuilder();
        append(sb, flags, SHARED, "MAP_SHARED");
        append(sb, flags, PRIVATE, "MAP_PRIVATE");
        append(sb, flags, FIXED, "MAP_FIXED");
        append(sb, flags, ANONYMOUS, "MAP_ANONYMOUS");
        append(sb, flags, POPULATE, "MAP_POPULATE");
        if ((flags & ~KNOWN) != 0) {
            append(sb, flags, flags & ~KNOWN, "0x" + Integer.toHexString(flags & ~KNOWN));
        }
        return sb.length() == 0 ? "0" : sb.toString();
    }

    private static void append(StringBuilder sb, int flags, int bit, String name) {
        if ((flags & bit) != 0) {
            sb.append(sb.length() > 0 ? "|" : "").append(name);
        }
    }
}
