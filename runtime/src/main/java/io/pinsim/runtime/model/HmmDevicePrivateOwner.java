package io.pinsim.runtime.model;

/**
 * Which device-private pages hmm_range_fault() hands to a driver as they are.
 */
public enum HmmDevicePrivateOwner implements Switch {
    /** Any device-private page is returned as valid (HMM_PFN_DEVICE_PRIVATE), whichever device owns it; nothing is migrated back (hmm_vma_handle_pte(), 4.14 - 5.6) */
    @Switch.Doc(behaviour = "any device-private page is returned as valid (HMM_PFN_DEVICE_PRIVATE), whichever device owns it; nothing is migrated back",
            source = "hmm_vma_handle_pte(), 4.14 - 5.6")
    ANY_OWNER,
    /** Only pages whose pgmap->owner is range->dev_private_owner are returned; another device's page is faulted back to RAM (migrate_to_ram) when the driver asks for a fault, and is not valid otherwise (08ddddda667b mm/hmm: check the device private page owner in hmm_range_fault(), 5.7) */
    @Switch.Doc(behaviour = "only pages whose pgmap->owner is range->dev_private_owner are returned; another device's page is faulted back to RAM (migrate_to_ram) when the driver asks for a fault, and is not valid otherwise",
            source = "08ddddda667b mm/hmm: check the device private page owner in hmm_range_fault(), 5.7")
    OWNER_MATCH
}
