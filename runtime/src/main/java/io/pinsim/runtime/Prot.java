package io.pinsim.runtime;

/** PROT_* values for {@link Process#mmap} and {@link Process#mprotect}, as in include/uapi/asm-generic/mman-common.h. */
public final class Prot {
    public static final int NONE = 0x0;
    public static final int READ = 0x1;
    public static final int WRITE = 0x2;
    public static final int EXEC = 0x4;

    private Prot() {
    }

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
