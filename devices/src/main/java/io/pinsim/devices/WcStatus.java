package io.pinsim.devices;

/** The status of a work completion (enum ibv_wc_status). */
public enum WcStatus {
    /** The work request completed (IBV_WC_SUCCESS). */
    SUCCESS,
    /** The local side's access was outside an MR or without the right (IBV_WC_LOC_PROT_ERR). */
    LOC_PROT_ERR,
    /** The remote side's access was refused (IBV_WC_REM_ACCESS_ERR), e.g. an ODP page fault failed. */
    REM_ACCESS_ERR
}
