package io.pinsim.runtime.model;

/**
 * What mprotect(PROT_WRITE) does to the present PTEs of a private anonymous mapping
 * (change_pte_range() in mm/mprotect.c). Read in 5.10.13 and 6.1 mm/mprotect.c: before 6.0 only
 * shared writenotify mappings (dirty_accountable) got writable PTEs from mprotect.
 */
public enum MprotectWrite implements Switch {
    /** PTEs of private anonymous pages stay read-only; the next write takes a write-protect fault (do_wp_page) (change_pte_range() before 6.0) */
    @Switch.Doc(behaviour = "PTEs of private anonymous pages stay read-only; the next write takes a write-protect fault (do_wp_page)", source = "change_pte_range() before 6.0")
    FAULT_ON_WRITE,
    /** can_change_pte_writable(): a dirty PTE of a PageAnonExclusive page is made writable at once, unless soft-dirty tracking wants the fault (64fe24a3e05e mm/mprotect: try avoiding write faults for exclusive anonymous pages when changing protection, 6.0) */
    @Switch.Doc(behaviour = "can_change_pte_writable(): a dirty PTE of a PageAnonExclusive page is made writable at once, unless soft-dirty tracking wants the fault", source = "64fe24a3e05e mm/mprotect: try avoiding write faults for exclusive anonymous pages when changing protection, 6.0",
            requires = @Switch.Requires(state = "PG_anon_exclusive", of = CowReuse.class, anyOf = "ANON_EXCLUSIVE", commit = "64fe24a3e05e",
                    why = "can_change_pte_writable() maps writable only pages marked exclusive"))
    DIRTY_EXCLUSIVE_ANON_WRITABLE,
    /** can_change_pte_writable(): any PTE of a PageAnonExclusive page, clean or dirty, is made writable at once, unless soft-dirty tracking wants the fault (Nadav Amit, mm/mprotect: allow clean exclusive anon pages to be writable, 6.2) */
    @Switch.Doc(behaviour = "can_change_pte_writable(): any PTE of a PageAnonExclusive page, clean or dirty, is made writable at once, unless soft-dirty tracking wants the fault", source = "Nadav Amit, mm/mprotect: allow clean exclusive anon pages to be writable, 6.2",
            requires = @Switch.Requires(state = "PG_anon_exclusive", of = CowReuse.class, anyOf = "ANON_EXCLUSIVE", commit = "64fe24a3e05e",
                    why = "can_change_pte_writable() maps writable only pages marked exclusive"))
    EXCLUSIVE_ANON_WRITABLE
}
