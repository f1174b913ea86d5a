package io.pinsim.runtime;

/**
 * The mode bits of {@link OpenFile#fallocate(int, long, long)}, with the values of
 * include/uapi/linux/falloc.h. Mode 0 (no bit, FALLOC_FL_ALLOCATE_RANGE) allocates the range.
 */
public final class FallocFlags {
    /** FALLOC_FL_KEEP_SIZE: allocate (or punch) without changing i_size. */
    public static final int KEEP_SIZE = 0x01;
    /** FALLOC_FL_PUNCH_HOLE: free the range; only with KEEP_SIZE (see {@link OpenFile#punchHole}). */
    public static final int PUNCH_HOLE = 0x02;
    /** FALLOC_FL_NO_HIDE_STALE: a reserved codepoint, outside FALLOC_FL_SUPPORTED_MASK: vfs_fallocate() refuses it (EOPNOTSUPP). */
    public static final int NO_HIDE_STALE = 0x04;
    /** FALLOC_FL_COLLAPSE_RANGE: not modelled. */
    public static final int COLLAPSE_RANGE = 0x08;
    /** FALLOC_FL_ZERO_RANGE: not modelled. */
    public static final int ZERO_RANGE = 0x10;
    /** FALLOC_FL_INSERT_RANGE: not modelled. */
    public static final int INSERT_RANGE = 0x20;
    /** FALLOC_FL_UNSHARE_RANGE: not modelled. */
    public static final int UNSHARE_RANGE = 0x40;
    /** FALLOC_FL_SUPPORTED_MASK of fs/open.c: the bits vfs_fallocate() knows. */
    public static final int SUPPORTED_MASK = KEEP_SIZE | PUNCH_HOLE | COLLAPSE_RANGE | ZERO_RANGE | INSERT_RANGE | UNSHARE_RANGE;

    private FallocFlags() {
    }

    /**
     * The mode as the kernel's constants, e.g. {@code FALLOC_FL_PUNCH_HOLE|FALLOC_FL_KEEP_SIZE}.
     *
     * @param mode the mode
     * @return the names joined by '|', {@code 0} for mode 0, unknown bits in hex
     */
    public static String describe(int mode) {
        StringBuilder sb = new StringBuilder();
        String[] names = {"FALLOC_FL_KEEP_SIZE", "FALLOC_FL_PUNCH_HOLE", "FALLOC_FL_NO_HIDE_STALE", "FALLOC_FL_COLLAPSE_RANGE", "FALLOC_FL_ZERO_RANGE",
            "FALLOC_FL_INSERT_RANGE", "FALLOC_FL_UNSHARE_RANGE"};
        for (int i = 0; i < names.length; i++) {
            if ((mode & (1 << i)) != 0) {
                sb.append(sb.length() == 0 ? "" : "|").append(names[i]);
            }
        }
        int unknown = mode & ~0x7f;
        if (unknown != 0) {
            sb.append(sb.length() == 0 ? "" : "|").append("0x").append(Integer.toHexString(unknown));
        }
        return sb.length() == 0 ? "0" : sb.toString();
    }
}
