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

    /** MAP_HUGETLB: anonymous memory from the hugetlb pool (see {@link Kernel.Builder#hugetlbPages}), aligned to its page size (2 MiB unless {@link #HUGE_1GB}). */
    public static final int HUGETLB = 0x40000;
    /** MAP_HUGE_SHIFT: where MAP_HUGETLB's page size, log2 of its bytes, sits in the flags. */
    public static final int HUGE_SHIFT = 26;
    /** MAP_HUGE_MASK (shifted into place): the page-size field. */
    public static final int HUGE_SIZE_BITS = 0x3f << HUGE_SHIFT;
    /** MAP_HUGE_2MB: MAP_HUGETLB with 2 MiB pages (the default size). */
    public static final int HUGE_2MB = 21 << HUGE_SHIFT;
    /**
     * MAP_HUGE_1GB: MAP_HUGETLB with 1 GiB pages from the gigantic pool ({@link Kernel.Builder#hugetlbPages(long, long)}
     * with {@link Kernel#HUGE_PAGE_1GB}), each mapped by one PUD-level entry; address, length and
     * splits 1 GiB aligned.
     */
    public static final int HUGE_1GB = 30 << HUGE_SHIFT;

    /** Every flag the model knows; any other bit is EINVAL. */
    public static final int KNOWN = SHARED | PRIVATE | FIXED | ANONYMOUS | POPULATE | HUGETLB | HUGE_SIZE_BITS;

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
        append(sb, flags, HUGETLB, "MAP_HUGETLB");
        if ((flags & HUGE_SIZE_BITS) != 0) {
            int log = (flags & HUGE_SIZE_BITS) >>> HUGE_SHIFT;
            append(sb, flags, flags & HUGE_SIZE_BITS, log == 21 ? "MAP_HUGE_2MB" : log == 30 ? "MAP_HUGE_1GB" : "(" + log + " << MAP_HUGE_SHIFT)");
        }
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
