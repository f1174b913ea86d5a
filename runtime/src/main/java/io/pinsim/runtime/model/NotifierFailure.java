package io.pinsim.runtime.model;

/**
 * What the core mm does when a driver's mmu notifier refuses an invalidation of a blockable range
 * (an interval notifier's {@code ->invalidate()} returns false, a classic subscriber's
 * {@code ->invalidate_range_start()} an error): the question "what is the backup plan ... if the
 * unmap fails?" of the put_user_page thread (reference §4 mmu notifiers). A refusal of a
 * non-blockable range (the OOM reaper) is -EAGAIN to the caller on every value.
 */
public enum NotifierFailure implements Switch {
    /**
     * The invalidation must succeed: a refusal in a blockable context is a driver bug the kernel
     * WARNs about and ignores, the operation goes on as if the device had let go
     * (mn_itree_invalidate(): {@code if (WARN_ON(mmu_notifier_range_blockable(range))) continue;},
     * 99cb252f5e68, 5.5; before it mmu_notifier_invalidate_range_start() ignored the return value of a
     * blockable __mmu_notifier_invalidate_range_start(), 93065ac753e4, 4.19). "There is no way we will
     * accept mmu notifier to fail" (Jérôme Glisse, put_user_page thread, linux-mm, December 2018 [M:
     * the message is quoted from the issue, not found in the archive]); mlx5 preallocates an emergency
     * page so that it never has to fail (every shipped kernel).
     */
    @Switch.Doc(behaviour = "a refused blockable invalidation is WARNed about and ignored: the operation goes on as if the device had let go",
            source = "mm/mmu_notifier.c mn_itree_invalidate() WARN_ON(mmu_notifier_range_blockable(range)) (99cb252f5e68, 5.5); 93065ac753e4 (4.19) ignores a blockable start's return; every shipped kernel")
    MUST_SUCCEED,
    /**
     * PROPOSAL, never merged: the invalidation may fail. Tom Talpey's question in the put_user_page
     * thread ("what is the backup plan from the mmu notifier if the unmap fails?", linux-mm, "[PATCH
     * 1/2] mm: introduce put_user_page*(), placeholder versions", December 2018 [M: the message is
     * quoted from the issue, not found in the archive]), answered there by "it must not fail" (see
     * {@link #MUST_SUCCEED}); the fate: rejected, drivers preallocate instead. What pinsim makes of it:
     * mmu_notifier_invalidate_range_start() returns the refusal for a blockable range as it does for
     * a non-blockable one (-EAGAIN, the core's translation of a {@code false} from
     * {@code ->invalidate()}), after ending the subscribers that already started; a caller with an
     * error path before it changes a PTE fails with that errno and changes nothing. That caller is
     * fork (copy_page_range() of a COW mapping: dup_mmap() returns the error, the child is torn
     * down, fork() fails with EAGAIN, the parent's PTEs stay writable and the device keeps its
     * mapping, which is still right). Every other caller reaches the invalidation past its point of
     * no return (munmap and exit_mmap after the VMAs are detached, truncate after i_size changed,
     * reclaim, migration, COW): the thread proposed no backup plan for them and pinsim keeps the
     * WARN-and-go-on there.
     */
    @Switch.Doc(behaviour = "PROPOSAL (never merged): a refused blockable invalidation returns -EAGAIN to its caller like a non-blockable one; fork (copy_page_range) then fails with EAGAIN and changes nothing; callers past their point of no return (munmap, exit, truncate, reclaim, migration) still WARN and go on",
            source = "proposal: Tom Talpey, put_user_page thread, linux-mm, Dec 2018, \"what is the backup plan ... if the unmap fails?\" [M]; rejected (\"there is no way we will accept mmu notifier to fail\", Jérôme Glisse [M]); drivers preallocate (mlx5 xlt_emergency_page)")
    PROPOSAL_MAY_FAIL
}
