package io.pinsim.runtime;

/**
 * Flags of {@link Process#memfdCreate(String, int)}, with the values of include/uapi/linux/memfd.h.
 * {@link #NOEXEC_SEAL} and {@link #EXEC} (6.3, 105ff5339f49) are known per the model's
 * {@link io.pinsim.runtime.model.MemfdExec}; before 6.3 they are unknown flags (EINVAL).
 */
public final class MemfdFlags {
    /** MFD_CLOEXEC: the descriptor is close-on-exec (the model has no exec(); recorded only). */
    public static final int CLOEXEC = 0x0001;
    /** MFD_ALLOW_SEALING: the memfd starts without F_SEAL_SEAL, so {@link OpenFile#addSeals(int)} may add seals. */
    public static final int ALLOW_SEALING = 0x0002;
    /** MFD_HUGETLB: the file lives on the internal hugetlbfs mount and its pages are 2 MiB hugetlb folios from the pool. */
    public static final int HUGETLB = 0x0004;
    /** MFD_NOEXEC_SEAL (6.3): the memfd is not executable (mode 0666) and starts sealable with F_SEAL_EXEC. */
    public static final int NOEXEC_SEAL = 0x0008;
    /** MFD_EXEC (6.3): the memfd is executable (mode 0777), what memfd_create() does without either flag under vm.memfd_noexec = 0. */
    public static final int EXEC = 0x0010;
    /** MFD_HUGE_SHIFT: where MFD_HUGETLB's page size, log2 of its bytes, sits in the flags (HUGETLB_FLAG_ENCODE_SHIFT). */
    public static final int HUGE_SHIFT = 26;
    /** MFD_HUGE_MASK, shifted into place: the page-size field. */
    public static final int HUGE_SIZE_BITS = 0x3f << HUGE_SHIFT;
    /** MFD_HUGE_2MB: MFD_HUGETLB with 2 MiB pages (the default size). */
    public static final int HUGE_2MB = 21 << HUGE_SHIFT;
    /** MFD_HUGE_1GB: MFD_HUGETLB with 1 GiB pages (the gigantic pool): ftruncate() sizes and mmap() offsets are multiples of 1 GiB. */
    public static final int HUGE_1GB = 30 << HUGE_SHIFT;
    /** MFD_ALL_FLAGS of mm/memfd.c before 6.3 (6.3 adds {@link #NOEXEC_SEAL} and {@link #EXEC}). */
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
        String[] names = {"MFD_CLOEXEC", "MFD_ALLOW_SEALING", "MFD_HUGETLB", "MFD_NOEXEC_SEAL", "MFD_EXEC"};
        for (int i = 0; i < names.length; i++) {
            if ((flags & (1 << i)) != 0) {
                sb.append(sb.length() == 0 ? "" : "|").append(names[i]);
            }
        }
        int log = (flags & HUGE_SIZE_BITS) >>> HUGE_SHIFT;
        if (log != 0) {
            sb.append(sb.length() == 0 ? "" : "|").append(log == 21 ? "MFD_HUGE_2MB" : log == 30 ? "MFD_HUGE_1GB" : "(" + log + " << MFD_HUGE_SHIFT)");
        }
        int rest = flags & ~(ALL | NOEXEC_SEAL | EXEC | HUGE_SIZE_BITS);
        if (rest != 0) {
            sb.append(sb.length() == 0 ? "" : "|").append("0x").append(Integer.toHexString(rest));
        }
        return sb.length() == 0 ? "0" : sb.toString();
    }
}
