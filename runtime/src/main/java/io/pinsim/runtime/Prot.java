package io.pinsim.runtime;

/** PROT_* values for {@link Process#mmap} and {@link Process#mprotect}, as in include/uapi/asm-generic/mman-common.h. */
public final class Prot {
    /** PROT_NONE: no access. */
    public static final int NONE = 0x0;
    /** PROT_READ. */
    public static final int READ = 0x1;
    /** PROT_WRITE. */
    public static final int WRITE = 0x2;
    /** PROT_EXEC. */
    public static final int EXEC = 0x4;

    private Prot() {
    }

    /**
     * @param prot the bits
     * @return them by their C names, {@code A|B}
     */
    public static String describe(int prot) {
        if (prot == NONE) {
            return "PROT_NONE";
        }
        StringBuilder sb = new StringBuilder();
        if ((prot & READ) != 0) {
            sb.append("PROT_READ");
        }
        if ((prot & WRITE) != 0) {
            sb.append(sb.length() > 0 ? "|" : "").append("PROT_WRITE");
        }
        if ((prot & EXEC) != 0) {
            sb.append(sb.length() > 0 ? "|" : "").append("PROT_EXEC");
        }
        return sb.toString();
    }
}
