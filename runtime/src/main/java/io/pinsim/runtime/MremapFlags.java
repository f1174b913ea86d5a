package io.pinsim.runtime;

/** MREMAP_* flags for {@link Process#mremap}, with the kernel's values (include/uapi/linux/mman.h). */
public final class MremapFlags {
    /** MREMAP_MAYMOVE: the mapping may move if it cannot grow where it is. */
    public static final int MAYMOVE = 1;
    /** MREMAP_FIXED: move to exactly the new address, replacing what is there; needs MAYMOVE. */
    public static final int FIXED = 2;
    /**
     * MREMAP_DONTUNMAP (5.7, e346b3813067; any mapping from 5.13): move the pages but keep the old
     * mapping, empty; needs MAYMOVE and equal lengths (see the model's
     * {@link io.pinsim.runtime.model.MremapDontunmap}).
     */
    public static final int DONTUNMAP = 4;

    private MremapFlags() {
    }

    /**
     * @param flags the bits
     * @return them by their C names, {@code A|B}, or {@code 0}
     */
    public static String describe(int flags) {
        StringBuilder sb = new StringBuilder();
        String[] names = {"MREMAP_MAYMOVE", "MREMAP_FIXED", "MREMAP_DONTUNMAP"};
        for (int i = 0; i < names.length; i++) {
            if ((flags & (1 << i)) != 0) {
                sb.append(sb.length() > 0 ? "|" : "").append(names[i]);
            }
        }
        if ((flags & ~7) != 0) {
            sb.append(sb.length() > 0 ? "|" : "").append("0x").append(Integer.toHexString(flags & ~7));
        }
        return sb.length() == 0 ? "0" : sb.toString();
    }
}
