package io.pinsim.runtime;

/**
 * Flags of {@link Process#memfdCreate(String, int)}, with the values of include/uapi/linux/memfd.h.
 * MFD_NOEXEC_SEAL and MFD_EXEC (6.3, 105ff5339f49) are not modelled: the model refuses them with
 * EINVAL in every model, as kernels before 6.3 do.
 */
public final class MemfdFlags {
    /** MFD_CLOEXEC: the descriptor is close-on-exec (the model has no exec(); recorded only). */
    public static final int CLOEXEC = 0x0001;
    /** MFD_ALLOW_SEALING: F_ADD_SEALS would be allowed (the model has no fcntl(); seals are not modelled). */
    public static final int ALLOW_SEALING = 0x0002;
    /** MFD_HUGETLB: the file lives on the internal hugetlbfs mount and its pages are 2 MiB hugetlb folios from the pool. */
    public static final int HUGETLB = 0x0004;
    /** MFD_HUGE_SHIFT: where MFD_HUGETLB's page size, log2 of its bytes, sits in the flags (HUGETLB_FLAG_ENCODE_SHIFT). */
    public static final int HUGE_SHIFT = 26;
    /** MFD_HUGE_MASK, shifted into place: the page-size field. */
    public static final int HUGE_SIZE_BITS = 0x3f << HUGE_SHIFT;
    /** MFD_HUGE_2MB: MFD_HUGETLB with 2 MiB pages (the default size). */
    public static final int HUGE_2MB = 21 << HUGE_SHIFT;
    /** MFD_HUGE_1GB: MFD_HUGETLB with 1 GiB pages (the gigantic pool): ftruncate() sizes and mmap() offsets are multiples of 1 GiB. */
    public static final int HUGE_1GB = 30 << HUGE_SHIFT;
    /** MFD_ALL_FLAGS of mm/memfd.c before 6.3. */
    public static final int ALL = CLOEXEC | ALLOW_SEALING | HUGETLB;
    /** MFD_NAME_MAX_LEN: NAME_MAX (255) minus the length of the "memfd:" prefix. */
    public static final int NAME_MAX_LEN = 249;

    private MemfdFlags() {
    }

    /**
     * The flags as the kernel's constants, e.g. {@code MFD_CLOEXEC|MFD_HUGETLB|MFD_HUGE_2MB}.
     *
     * @param flags the flags
     * @return their names joined by '|', {@code 0} for none
     */
    public static String describe(int flags) {
        StringBuilder sb = new StringBuilder();
        String[] names = {"MFD_CLOEXEC", "MFD_ALLOW_SEALING", "MFD_HUGETLB"};
        for (int i = 0; i < names.length; i++) {
            if ((flags & (1 << i)) != 0) {
                sb.append(sb.length() == 0 ? "" : "|").append(names[i]);
            }
        }
        int log = (flags & HUGE_SIZE_BITS) >>> HUGE_SHIFT;
        if (log != 0) {
            sb.append(sb.length() == 0 ? "" : "|").append(log == 21 ? "MFD_HUGE_2MB" : log == 30 ? "MFD_HUGE_1GB" : "(" + log + " << MFD_HUGE_SHIFT)");
        }
        int rest = flags & ~(ALL | HUGE_SIZE_BITS);
        if (rest != 0) {
            sb.append(sb.length() == 0 ? "" : "|").append("0x").append(Integer.toHexString(rest));
        }
        return sb.length() == 0 ? "0" : sb.toString();
    }
}
