package io.pinsim.runtime.model;

/**
 * What fork (copy_present_pte) does with a page that may be pinned, in a COW mapping (reference B6, B7).
 */
public enum ForkPinned implements Switch {
    /** share it and write-protect both PTEs like any other page; whoever writes first gets the copy (copy_one_pte(), up to 5.8) */
    @Switch.Doc(behaviour = "share it and write-protect both PTEs like any other page; whoever writes first gets the copy", source = "copy_one_pte(), up to 5.8")
    SHARE_WRPROTECT,
    /** if the mm ever pinned and page_maybe_dma_pinned(), copy the page - anon or page cache alike - for the child now; the parent PTE is left untouched; ENOMEM fails fork (5.10.y/5.15.y stable added an anon-only check in 2023) (70e806e4e645 mm: Do early cow for pinned pages during fork() for ptes, 5.9) */
    @Switch.Doc(behaviour = "if the mm ever pinned and page_maybe_dma_pinned(), copy the page - anon or page cache alike - for the child now; the parent PTE is left untouched; ENOMEM fails fork (5.10.y/5.15.y stable added an anon-only check in 2023)", source = "70e806e4e645 mm: Do early cow for pinned pages during fork() for ptes, 5.9",
            requires = @Switch.Requires(state = "pin accounting", of = PinAccounting.class, anyOf = "PIN_COUNTING_BIAS", commit = "3faa52c03f44",
                    why = "70e806e4e645 copies what page_maybe_dma_pinned() and MMF_HAS_PINNED report, and only FOLL_PIN's bias of 1024 makes them report anything"))
    EARLY_COPY_ANY_PAGE,
    /** page_try_dup_anon_rmap() fails for an exclusive anon page that may be pinned, so the child gets a copy; ENOMEM fails fork (6c287605fd56 PG_anon_exclusive, 5.19) */
    @Switch.Doc(behaviour = "page_try_dup_anon_rmap() fails for an exclusive anon page that may be pinned, so the child gets a copy; ENOMEM fails fork", source = "6c287605fd56 PG_anon_exclusive, 5.19",
            requires = {
                    @Switch.Requires(state = "PG_anon_exclusive", of = CowReuse.class, anyOf = "ANON_EXCLUSIVE", commit = "6c287605fd56",
                            why = "page_try_dup_anon_rmap() copies only pages marked exclusive, and only the anon-exclusive do_wp_page() keeps the mark"),
                    @Switch.Requires(state = "pin accounting", of = PinAccounting.class, anyOf = "PIN_COUNTING_BIAS", commit = "3faa52c03f44",
                            why = "page_try_dup_anon_rmap() asks page_maybe_dma_pinned(), which only FOLL_PIN's bias of 1024 makes true")})
    EARLY_COPY_ANON_EXCLUSIVE,
    /**
     * PROPOSAL, not merged: "copy GUPed page instead of COW". At fork, an anonymous page of a COW
     * mapping whose refcount is above its mapcount (plus the swap cache's reference) - a page
     * somebody took with get_user_pages(), FOLL_GET or FOLL_PIN alike - is copied for the child now
     * and the parent keeps it writable; other pages are shared and write-protected. It needs no pin
     * accounting: it reads the raw page_count() against page_mapcount(), the test of Andrea
     * Arcangeli's fork-vs-GUP patches ("fork-o_direct-race", linux-mm / LKML, early 2009 [M: from
     * memory, not checked in the archive]), rejected for the cost of copying in fork and the
     * gup-fast race it left; the idea came back in 2020 as 70e806e4e645 for pinned pages only
     * ({@link #EARLY_COPY_ANY_PAGE}). Choice: anonymous pages only, as the 2009 patch; ENOMEM is
     * not modelled separately (the copy uses the fork's allocation).
     */
    @Switch.Doc(behaviour = "PROPOSAL (not merged): an anonymous page of a COW mapping with page_count() above its mapcount (any GUP reference, FOLL_GET or FOLL_PIN) is copied for the child at fork and stays writable in the parent; no pin accounting needed",
            source = "proposal \"copy GUPed page instead of COW\": Andrea Arcangeli's fork-vs-gup patches, linux-mm 2009 [M]; rejected for fork's cost; 70e806e4e645 (5.9) later copied pinned pages only")
    PROPOSAL_COPY_GUP_PAGES,
    /**
     * PROPOSAL, never merged: the kernel requires MADV_DONTFORK of whoever pins. A maybe-pinned
     * page (MMF_HAS_PINNED and page_maybe_dma_pinned()) in a COW mapping that is not
     * MADV_DONTFORK (a VM_DONTCOPY VMA is never copied, so it never gets here) makes fork fail
     * with EBUSY before the child runs: the child is torn down, the parent's PTEs already
     * write-protected for it stay so (as when 70e806e4e645's copy fails with ENOMEM), the pinned
     * page itself stays writable in the parent, and the device keeps its pin. MADV_DONTFORK
     * (f822566165dd, 2.6.16, Michael S. Tsirkin: "Useful e.g. for when hardware is doing DMA
     * from/into these pages") was the userspace contract of RDMA (libibverbs ibv_fork_init()) that
     * the fork-vs-pin thread of September 2020 ("Re: [PATCH 1/5] mm: Introduce
     * mm_struct.has_pinned", linux-mm, Jason Gunthorpe / Linus Torvalds / Peter Xu) wanted to stop
     * being "a correctness issue" (Linus Torvalds, 17 Sep 2020); enforcing it in the kernel was not
     * merged: 70e806e4e645 (5.9) copies the page instead. Choice [M: no message found that proposes
     * the enforcement, nor whether fork or the pin should fail]: fork fails, since fork is where the
     * page would be shared; EBUSY is pinsim's errno (fork(2) documents none for this).
     */
    @Switch.Doc(behaviour = "PROPOSAL (never merged): a maybe-pinned page in a COW mapping without MADV_DONTFORK makes fork fail with EBUSY; the child is torn down, the parent keeps the pinned page writable",
            source = "proposal: enforce MADV_DONTFORK (f822566165dd, 2.6.16), the RDMA userspace contract the Sept 2020 thread \"mm: Introduce mm_struct.has_pinned\" (linux-mm) wanted to stop being a correctness issue; never merged, 70e806e4e645 (5.9) copies instead [M: who proposed enforcement]",
            requires = @Switch.Requires(state = "pin accounting", of = PinAccounting.class, anyOf = "PIN_COUNTING_BIAS", commit = "3faa52c03f44",
                    why = "fork refuses what page_maybe_dma_pinned() and MMF_HAS_PINNED report, and only FOLL_PIN's bias of 1024 makes them report anything"))
    PROPOSAL_REQUIRE_DONTFORK
}
