package io.pinsim.runtime;

/** MAP_* flags for {@link Process#mmap}, with the x86-64 values. */
public final class MapFlags {
    /** MAP_SHARED: writes go to the file or shared memory, and other mappings see them. */
    public static final int SHARED = 0x01;
    /** MAP_PRIVATE: copy-on-write. */
    public static final int PRIVATE = 0x02;
    /** MAP_FIXED: at exactly the given address, replacing what is there. */
    public static final int FIXED = 0x10;
    /** MAP_ANONYMOUS: zero-filled memory, no file. */
    public static final int ANONYMOUS = 0x20;
    /** MAP_POPULATE: fault every page in at once. */
    public static final int POPULATE = 0x8000;

    /** Every flag the model knows; any other bit is EINVAL. */
    public static final int KNOWN = SHARED | PRIVATE | FIXED | ANONYMOUS | POPULATE;

    private MapFlags() {
    }

    /**
     * @param flags the bits
     * @return them by their C names, {@code A|B}
     */
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
