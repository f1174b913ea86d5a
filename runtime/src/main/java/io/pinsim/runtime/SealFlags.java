package io.pinsim.runtime;

/**
 * The seals of {@link OpenFile#addSeals(int)} and {@link OpenFile#getSeals()} (fcntl(F_ADD_SEALS),
 * fcntl(F_GET_SEALS)), with the values of include/uapi/linux/fcntl.h. Only tmpfs and hugetlbfs files
 * have seals (memfd_file_seals_ptr()); a file that memfd_create() made without
 * {@link MemfdFlags#ALLOW_SEALING} starts with {@link #SEAL}, as every other tmpfs file does.
 */
public final class SealFlags {
    /** F_SEAL_SEAL: no more seals may be added (F_ADD_SEALS is EPERM). */
    public static final int SEAL = 0x0001;
    /** F_SEAL_SHRINK: the file may not shrink (ftruncate to a smaller size is EPERM). */
    public static final int SHRINK = 0x0002;
    /** F_SEAL_GROW: the file may not grow (ftruncate to a larger size, a write past EOF: EPERM). */
    public static final int GROW = 0x0004;
    /**
     * F_SEAL_WRITE: no write, no hole punch, no shared mapping of a file open for writing (EPERM);
     * adding it is EBUSY while such a mapping exists or a page of the file has extra references
     * (pins: memfd_wait_for_pins()).
     */
    public static final int WRITE = 0x0008;
    /** F_SEAL_FUTURE_WRITE (5.1): no new writes, no new shared writable mappings; existing writable mappings and pins keep writing. */
    public static final int FUTURE_WRITE = 0x0010;
    /** F_SEAL_EXEC (6.3): the exec bits of the file mode are frozen; on an executable memfd it implies SHRINK|GROW|WRITE|FUTURE_WRITE. */
    public static final int EXEC = 0x0020;

    private SealFlags() {
    }

    /**
     * The seals as the kernel's constants, e.g. {@code F_SEAL_SHRINK|F_SEAL_WRITE}.
     *
     * @param seals the seals
     * @return their names joined by '|', {@code 0} for none
     */
    public static String describe(int seals) {
        StringBuilder sb = new StringBuilder();
        String[] names = {"F_SEAL_SEAL", "F_SEAL_SHRINK", "F_SEAL_GROW", "F_SEAL_WRITE", "F_SEAL_FUTURE_WRITE", "F_SEAL_EXEC"};
        for (int i = 0; i < names.length; i++) {
            if ((seals & (1 << i)) != 0) {
                sb.append(sb.length() == 0 ? "" : "|").append(names[i]);
            }
        }
        int rest = seals & ~0x3f;
        if (rest != 0) {
            sb.append(sb.length() == 0 ? "" : "|").append("0x").append(Integer.toHexString(rest));
        }
        return sb.length() == 0 ? "0" : sb.toString();
    }
}
