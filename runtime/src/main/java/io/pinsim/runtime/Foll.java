package io.pinsim.runtime;

/**
 * FOLL_* flags for GUP, with the values of include/linux/mm.h (5.10). {@code get_user_pages()} sets
 * FOLL_GET and {@code pin_user_pages()} sets FOLL_PIN; passing a function the other one's flag is
 * refused with EINVAL as the kernel does.
 */
public final class Foll {
    /** The caller will write to the pages (check PTE writability; break COW). */
    public static final int WRITE = 0x01;
    /** Set by get_user_pages(); refused if passed in. */
    public static final int GET = 0x04;
    /** Write even into a read-only private mapping (ptrace, /proc/pid/mem): COW into an anon page. */
    public static final int FORCE = 0x10;
    /** The pages will be held for an indefinite time (RDMA, VFIO, io_uring). */
    public static final int LONGTERM = 0x10000;
    /** Set by pin_user_pages(); refused if passed in. */
    public static final int PIN = 0x40000;

    /** The flags a caller may pass in. */
    public static final int USER_FLAGS = WRITE | FORCE | LONGTERM;

    private Foll() {
    }

    /** The flags as the kernel would print them: {@code FOLL_WRITE|FOLL_LONGTERM}. */
    public static String describe(int flags) {
        StringBuilder sb = new StringBuilder();
        if ((flags & WRITE) != 0) {
            sb.append("FOLL_WRITE");
        }
        if ((flags & GET) != 0) {
            sb.append(sb.length() > 0 ? "|" : "").append("FOLL_GET");
        }
        if ((flags & FORCE) != 0) {
            sb.append(sb.length() > 0 ? "|" : "").append("FOLL_FORCE");
        }
        if ((flags & LONGTERM) != 0) {
            sb.append(sb.length() > 0 ? "|" : "").append("FOLL_LONGTERM");
        }
        if ((flags & PIN) != 0) {
            sb.append(sb.length() > 0 ? "|" : "").append("FOLL_PIN");
        }
        int rest = flags & ~(WRITE | GET | FORCE | LONGTERM | PIN);
        if (rest != 0) {
            sb.append(sb.length() > 0 ? "|" : "").append("0x").append(Integer.toHexString(rest));
        }
        return sb.length() == 0 ? "0" : sb.toString();
    }
}
