package io.pinsim.runtime.model;

/**
 * What truncate / hole punch does with a page-cache page of the range that a device still pins
 * (reference §6 "truncate", §7 fs-DAX). Every shipped kernel orphans it; the other values are the
 * options argued on the lists, named {@code PROPOSAL_*}: no predefined kernel model uses them, the
 * proposal models of {@link KernelModel#proposals()} do.
 */
public enum TruncatePinnedPage implements Switch {
    /**
     * unmap_mapping_range() then truncate_inode_pages_range() removes the page from the page cache
     * whatever its references: the pinned page becomes an orphan, the device keeps reading and writing
     * it and the file never sees that data again ("streaming random data", the put_user_page thread,
     * linux-mm, December 2018) (mm/truncate.c truncate_inode_pages_range(), every shipped kernel)
     */
    @Switch.Doc(behaviour = "unmap_mapping_range() then truncate_inode_pages_range() removes the page from the page cache whatever its references: the pinned page is an orphan the device keeps using, the file never sees that data again",
            source = "mm/truncate.c truncate_inode_pages_range(), every shipped kernel; called \"streaming random data\" in the put_user_page thread, linux-mm, Dec 2018")
    ORPHAN,
    /**
     * PROPOSAL, not merged: fs-DAX's layout break applied to the page cache. After unmapping the
     * range, truncate sleeps until no page of the range is page_maybe_dma_pinned(), unmaps again
     * and only then removes the pages, as xfs_break_dax_layouts() does for DAX blocks (5fac7408d828,
     * 4.18). Argued as "block the truncate until the pin is dropped, as fs-DAX does" in the
     * put_user_page thread (linux-mm, "[PATCH 1/2] mm: introduce put_user_page*(), placeholder
     * versions", John Hubbard, December 2018; Jan Kara, Dan Williams, Dave Chinner) and in the
     * LSF/MM 2019 topic "least bad options for resolving longterm-GUP usage by RDMA" (February
     * 2019); rejected in favour of refusing long-term pins of such files (a6e79df92e4a, 6.5) because
     * a long-term pin makes truncate wait forever. Choice: it waits for FOLL_PIN pins only (what
     * put_user_page tracking was for), so it needs pin accounting; a plain FOLL_GET reference is not
     * waited for.
     */
    @Switch.Doc(behaviour = "PROPOSAL (not merged): truncate unmaps the range, then sleeps until no page of it is page_maybe_dma_pinned(), unmaps again and removes the pages - fs-DAX's layout break applied to the page cache",
            source = "proposal: xfs_break_dax_layouts() (5fac7408d828) for page cache; put_user_page thread, linux-mm, John Hubbard et al., Dec 2018; LSF/MM 2019 \"least bad options for resolving longterm-GUP usage by RDMA\"; not merged",
            requires = @Switch.Requires(state = "pin accounting", of = PinAccounting.class, anyOf = "PIN_COUNTING_BIAS", commit = "3faa52c03f44",
                    why = "truncate waits for page_maybe_dma_pinned(), which only FOLL_PIN's bias of 1024 makes true"))
    PROPOSAL_WAIT_FOR_UNPIN,
    /**
     * PROPOSAL, never merged: Jérôme Glisse's "notify userspace ... and delay ftruncate, after a
     * while ... force hardware to use a crappy page" (put_user_page thread, linux-mm, December 2018
     * [M: quoted from the issue; the message was not found in the search corpus]). After unmapping
     * the range, truncate calls the revoke callback of every long-term pin a driver registered one
     * for on a page of the range ({@link io.pinsim.runtime.spi.PinRevoker#revokeSoon}: the device
     * tells its user, e.g. an RDMA asynchronous event), waits a grace period of
     * three model steps (a started truncate is retried after every
     * step; a synchronous {@code ftruncate()} is one step, so nothing can unpin during it and the grace
     * period ends at once), then, for a page still pinned, has the driver redirect its translation to
     * its per-device dummy page and drop the pin ({@link io.pinsim.runtime.spi.PinRevoker#redirect}),
     * and removes the page as usual: the file keeps truncate semantics, later device DMA lands in the
     * dummy page. A pin dropped during the grace period lets truncate go on as usual. A pin without a
     * callback (any FOLL_GET, a driver that registers none) is orphaned as in {@link #ORPHAN}, and so
     * is a page whose driver did not redirect. Page cache only (fs-DAX keeps its layout-break wait);
     * the stepped truncate ({@code Task.truncateSteps}) does not notify (it orphans). What happened
     * instead: fs-DAX waits (xfs_break_dax_layouts(), 5fac7408d828), FOLL_LONGTERM is refused on fs-DAX
     * (2bb6d2837083, 4.15), and 6.5 refuses long-term write pins of file-backed shared mappings
     * (a6e79df92e4a); read-only long-term pins of page cache are still orphaned.
     */
    @Switch.Doc(behaviour = "PROPOSAL (never merged): truncate notifies the driver of each revocable long-term pin on a page of the range, waits a grace period of model steps, then has the device redirect its translation to a per-device dummy page and drop the pin before removing the page; pins without a revoke callback are orphaned",
            source = "proposal: Jerome Glisse, put_user_page thread, linux-mm, Dec 2018 (\"force hardware to use a crappy page\") [M]; never merged: fs-DAX waits (5fac7408d828), FOLL_LONGTERM refused on fs-DAX (2bb6d2837083), long-term write pins of file mappings refused in 6.5 (a6e79df92e4a)")
    PROPOSAL_NOTIFY_THEN_DUMMY_PAGE
}
