package io.pinsim.runtime.internal.mm;

/**
 * A page-table entry encoded in a {@code long}, like the hardware's: zero is pte_none; bit 0
 * present; the low bits are the software and hardware flags; bits 12 and up hold the pfn of a
 * present PTE or the swap slot of a swap entry.
 */
public final class Pte {
    static final long NONE = 0;
    static final long PRESENT = 1L;
    public static final long WRITE = 1L << 1;
    public static final long DIRTY = 1L << 2;
    public static final long YOUNG = 1L << 3;
    public static final long SOFT_DIRTY = 1L << 4;
    /** A non-present swap entry ({@code is_swap_pte}). */
    static final long SWAP = 1L << 5;
    /** The swap PTE remembers PageAnonExclusive (pte_swp_exclusive, 5.19). */
    public static final long SWP_EXCLUSIVE = 1L << 6;
    /** pte_special: the shared zero page is mapped by a special PTE (vm_normal_page() returns NULL). */
    static final long SPECIAL = 1L << 7;
    /**
     * pmd_trans_huge(): a PMD-level entry mapping a whole 2 MiB compound page. {@link PageTable#get}
     * returns it, for each of the 512 pages it covers, as a PTE with this bit and the subpage's pfn.
     */
    public static final long HUGE = 1L << 8;
    /**
     * With SWAP: a device-private entry (SWP_DEVICE_WRITE / SWP_DEVICE_READ, 5042db43cc26, 4.14):
     * the slot field holds the device page's number; {@link #WRITE} marks the writable kind.
     */
    static final long DEVICE_PRIVATE = 1L << 9;
    /**
     * With SWAP: a device-exclusive entry (SWP_DEVICE_EXCLUSIVE_*, b756a3b5e7ea, 5.14): the page
     * stays mapped (the slot field holds its pfn) but the CPU faults until the entry is restored;
     * {@link #WRITE} remembers a writable PTE.
     */
    static final long DEVICE_EXCLUSIVE = 1L << 10;
    /**
     * With {@link #HUGE}: the entry is a PUD-level leaf (pud_leaf() / huge_pte at PUD level, x86-64
     * gigantic pages) mapping a whole 1 GiB hugetlb folio of {@link #PUD_NR} pages by one entry.
     */
    public static final long PUD = 1L << 11;
    /** PTRS_PER_PMD * PTRS_PER_PTE: the small pages one PUD-level leaf maps (1 GiB). */
    public static final int PUD_NR = 1 << 18;
    private static final int SHIFT = 12;

    private Pte() {
    }

    public static long present(long pfn) {
        return (pfn << SHIFT) | PRESENT;
    }

    static long swap(long slot) {
        return (slot << SHIFT) | SWAP;
    }

    /** make_{writable,readable}_device_private_entry(): a swap entry naming a device page. */
    static long devicePrivate(long devicePfn, boolean writable) {
        return (devicePfn << SHIFT) | SWAP | DEVICE_PRIVATE | (writable ? WRITE : 0);
    }

    /** make_{writable,readable}_device_exclusive_entry(): the frame stays mapped, CPU access faults. */
    static long deviceExclusive(long pfn, boolean writable) {
        return (pfn << SHIFT) | SWAP | DEVICE_EXCLUSIVE | (writable ? WRITE : 0);
    }

    /** is_device_private_entry(). */
    public static boolean isDevicePrivate(long pte) {
        return (pte & (SWAP | DEVICE_PRIVATE)) == (SWAP | DEVICE_PRIVATE);
    }

    /** is_device_exclusive_entry(). */
    public static boolean isDeviceExclusive(long pte) {
        return (pte & (SWAP | DEVICE_EXCLUSIVE)) == (SWAP | DEVICE_EXCLUSIVE);
    }

    /** A real swap entry (a swap slot), not a device-private or device-exclusive one. */
    static boolean isSwapSlot(long pte) {
        return (pte & (SWAP | DEVICE_PRIVATE | DEVICE_EXCLUSIVE)) == SWAP;
    }

    static boolean isNone(long pte) {
        return pte == NONE;
    }

    public static boolean isPresent(long pte) {
        return (pte & PRESENT) != 0;
    }

    public static boolean isSwap(long pte) {
        return (pte & SWAP) != 0;
    }

    public static boolean isWrite(long pte) {
        return (pte & WRITE) != 0;
    }

    public static boolean isDirty(long pte) {
        return (pte & DIRTY) != 0;
    }

    public static boolean isSoftDirty(long pte) {
        return (pte & SOFT_DIRTY) != 0;
    }

    /** Whether the entry is (a view of) a PMD mapping of a THP. */
    public static boolean isHuge(long pte) {
        return (pte & HUGE) != 0;
    }

    /** The small pages a huge leaf entry maps: {@link #PUD_NR} for a PUD leaf, 512 for a PMD one. */
    public static int leafPages(long entry) {
        return (entry & PUD) != 0 ? PUD_NR : PageTable.PTRS_PER_PTE;
    }

    public static long pfn(long pte) {
        return pte >>> SHIFT;
    }

    /** The same PTE bits pointing at another frame (what remove_migration_pte() installs). */
    static long withPfn(long pte, long pfn) {
        return (pfn << SHIFT) | (pte & ((1L << SHIFT) - 1));
    }

    public static long slot(long pte) {
        return pte >>> SHIFT;
    }

    public static String describe(long pte) {
        if (pte == NONE) {
            return "none";
        }
        if (isDevicePrivate(pte)) {
            return "device-private entry, device page " + slot(pte) + (isWrite(pte) ? " RW" : " RO");
        }
        if (isDeviceExclusive(pte)) {
            return "device-exclusive entry, pfn " + slot(pte) + (isWrite(pte) ? " RW" : " RO");
        }
        if (isSwap(pte)) {
            return "swap entry slot " + slot(pte) + ((pte & SWP_EXCLUSIVE) != 0 ? " (exclusive)" : "");
        }
        return "pfn " + pfn(pte) + (isWrite(pte) ? " RW" : " RO") + (isDirty(pte) ? " dirty" : "")
                + ((pte & SPECIAL) != 0 ? " special" : "") + (isHuge(pte) ? (pte & PUD) != 0 ? " (PUD-mapped 1 GiB hugetlb)" : " (PMD-mapped THP)" : "");
    }
}
