package io.pinsim.runtime;

/**
 * A CPU store of one byte from a thread whose write fault on a write-protected private page runs as
 * do_wp_page() / wp_page_copy() in mm/memory.c run it, in the steps another CPU can observe:
 * <ol>
 * <li>handle_mm_fault() under mmap_lock held for read (it waits while a fork holds it for write);
 *     do_wp_page() reads the PTE under the page-table lock and decides: reuse the page (done in this
 *     step, under the PTL) or copy it;</li>
 * <li>wp_page_copy() with the PTL dropped: allocate the new page and copy the old one into it
 *     (whatever a device writes into the old page after this step is not in the copy);</li>
 * <li>retake the PTL and check pte_same(): if the PTE is still the one the fault read, install the
 *     copy (inside an MMU_NOTIFY_CLEAR invalidation) and store; if another CPU changed it, free the
 *     copy and retry the store from the start, as the CPU re-executes the faulting instruction.</li>
 * </ol>
 * Any other access (a writable PTE, a missing page, a shared mapping) is one step: the fault and
 * the store as {@link Process#fill} does them. Running every step in a row stores as
 * {@code fill(address, 1, value)} does.
 */
public interface WriteFaultSteps extends Steppable {
    /** Runs every remaining step; {@link IllegalStateException} if a step would wait for a lock forever. */
    void run();
}
