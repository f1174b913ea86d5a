package io.pinsim.devices;

/** IB_ACCESS_* flags of ibv_reg_mr() (include/rdma/ib_verbs.h). */
public final class IbAccess {
    /** The NIC may write the MR for a local operation (IB_ACCESS_LOCAL_WRITE): the pages are pinned writable. */
    public static final int LOCAL_WRITE = 1;
    /** A peer may RDMA-write the MR (IB_ACCESS_REMOTE_WRITE). */
    public static final int REMOTE_WRITE = 1 << 1;
    /** A peer may RDMA-read the MR (IB_ACCESS_REMOTE_READ). */
    public static final int REMOTE_READ = 1 << 2;
    /** A peer may run atomics on the MR (IB_ACCESS_REMOTE_ATOMIC). */
    public static final int REMOTE_ATOMIC = 1 << 3;
    /** IB_ACCESS_ON_DEMAND: an ODP memory region, no pinning. */
    public static final int ON_DEMAND = 1 << 6;

    static final int KNOWN = LOCAL_WRITE | REMOTE_WRITE | REMOTE_READ | REMOTE_ATOMIC | ON_DEMAND;

    private IbAccess() {
    }

    /** ib_access_writable(): any access that lets the device write. */
    static boolean writable(int access) {
        return (access & (LOCAL_WRITE | REMOTE_WRITE | REMOTE_ATOMIC)) != 0;
    }

    static String describe(int access) {
        StringBuilder sb = new StringBuilder();
        String[] names = {"LOCAL_WRITE", "REMOTE_WRITE", "REMOTE_READ", "REMOTE_ATOMIC", "", "", "ON_DEMAND"};
        for (int i = 0; i < names.length; i++) {
            if ((access & (1 << i)) != 0 && !names[i].isEmpty()) {
                sb.append(sb.length() > 0 ? "|" : "").append("IB_ACCESS_").append(names[i]);
            }
        }
        return sb.length() == 0 ? "0" : sb.toString();
    }
}
