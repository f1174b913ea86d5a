package io.pinsim.runtime.model;

/**
 * What hmm_range_fault() does with a device-private entry: which device's pages it hands to the
 * driver as they are, and what it does with the others (hmm_vma_handle_pte(), mm/hmm.c).
 */
public enum HmmDevicePrivateOwner implements Switch {
    /** Any device-private page is returned as valid (HMM_PFN_DEVICE_PRIVATE), whichever device owns it; nothing is migrated back (hmm_vma_handle_pte(), 4.14 - 5.6) */
    @Switch.Doc(behaviour = "any device-private page is returned as valid (HMM_PFN_DEVICE_PRIVATE), whichever device owns it; nothing is migrated back",
            source = "hmm_vma_handle_pte(), 4.14 - 5.6")
    ANY_OWNER,
    /** Only pages whose pgmap->owner is range->dev_private_owner are returned; with HMM_PFN_REQ_FAULT another device's page is an error, EFAULT ("Report error for everything else") (08ddddda667b mm/hmm: check the device private page owner in hmm_range_fault(), 5.7; 5.10-stable never took the fix) */
    @Switch.Doc(behaviour = "only pages whose pgmap->owner is range->dev_private_owner are returned; with HMM_PFN_REQ_FAULT another device's page is an error, EFAULT",
            source = "08ddddda667b mm/hmm: check the device private page owner in hmm_range_fault(), 5.7; 5.10-stable never took the fix")
    OWNER_MATCH_OTHERS_EFAULT,
    /** Only the owner's pages are returned; with HMM_PFN_REQ_FAULT another device's page is faulted back to RAM through its migrate_to_ram (8a295dbbaf72 mm/hmm: fault non-owner device private entries, 6.0) */
    @Switch.Doc(behaviour = "only the owner's pages are returned; with HMM_PFN_REQ_FAULT another device's page is faulted back to RAM through its migrate_to_ram",
            source = "8a295dbbaf72 mm/hmm: fault non-owner device private entries, 6.0")
    OWNER_MATCH
}
