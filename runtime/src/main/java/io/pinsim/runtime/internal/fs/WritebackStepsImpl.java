package io.pinsim.runtime.internal.fs;

import io.pinsim.runtime.Footprint;
import io.pinsim.runtime.FsKind;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.WritebackSteps;
import io.pinsim.runtime.internal.locking.PageLocks;
import io.pinsim.runtime.internal.mm.GupRef;
import io.pinsim.runtime.internal.mm.KernelRefs;
import io.pinsim.runtime.internal.mm.Mm;
import io.pinsim.runtime.internal.mm.MmCore;
import io.pinsim.runtime.internal.mm.Page;
import io.pinsim.runtime.internal.mm.Pte;
import io.pinsim.runtime.trace.TraceKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The flusher's writeback of one ext4 file as steps (see {@link WritebackSteps}). The locks behind
 * the boundaries: the page lock ({@link PageLocks}, lock_page() in mpage_prepare_extent_to_map(),
 * unlock_page() in ext4_bio_write_page()) from the first step of a page to its set_page_writeback();
 * each PTE's PTL inside its page_mkclean_one() step; PG_writeback from set_page_writeback() to
 * end_page_writeback(). Every step touches page tables, the page's flags or the disk: its
 * footprint is everything.
 */
public final class WritebackStepsImpl implements WritebackSteps {
    private enum Phase { LOCK, MKCLEAN, CLEAR, IO, END, DONE }

    private static final String ACTOR = "kernel";

    private final InodeImpl inode;
    private final String call;
    private Phase phase = Phase.LOCK;
    private long cursor;
    private Page page;
    private GupRef ref;
    private final List<Mm> mms = new ArrayList<>();
    private final List<Long> vpns = new ArrayList<>();
    private int mkcleanNext;
    private int written;

    WritebackStepsImpl(InodeImpl inode) {
        this.inode = inode;
        this.call = "writeback of " + inode.name();
    }

    private MmCore k() {
        return inode.kernel;
    }

    /** The next dirty page write_cache_pages() would look at (PAGECACHE_TAG_DIRTY from the cursor on), or null. */
    private Page nextDirty() {
        if (inode.kind() != FsKind.EXT4) {
            return null;
        }
        for (Map.Entry<Long, Page> e : inode.mapping.pages.tailMap(cursor, true).entrySet()) {
            if (e.getValue().isDirty()) {
                return e.getValue();
            }
        }
        return null;
    }

    @Override
    public String actor() {
        return ACTOR;
    }

    @Override
    public boolean isDone() {
        return phase == Phase.DONE;
    }

    @Override
    public boolean isBlocked() {
        return waitsFor() != null;
    }

    /** While blocked: the page lock of the next dirty page, which another operation holds. */
    @Override
    public String waitsFor() {
        if (phase != Phase.LOCK) {
            return null;
        }
        Page next = nextDirty();
        if (next == null) {
            return null;
        }
        Object owner = k().pageLocks.owner(next.pfn());
        return owner != null && owner != this ? PageLocks.id(next.pfn()) : null;
    }

    @Override
    public List<String> holds() {
        List<String> out = new ArrayList<>(2);
        if (page != null && k().pageLocks.owner(page.pfn()) == this) {
            out.add(PageLocks.id(page.pfn()));
        }
        if (page != null && k().pageLocks.writeback(page.pfn()) == this) {
            out.add(PageLocks.writebackId(page.pfn()));
        }
        return out;
    }

    @Override
    public String nextStep() {
        return switch (phase) {
            case LOCK -> {
                Page next = nextDirty();
                yield next == null ? call + ": no dirty page left" : call + ": lock_page() of page " + next.index + " (frame #" + next.pfn() + ")"
                        + (isBlocked() ? " (waits for " + waitsFor() + ")" : "");
            }
            case MKCLEAN -> "page_mkclean_one() of the PTE at " + Kernel.hex(vpns.get(mkcleanNext) << Kernel.PAGE_SHIFT) + " in " + mms.get(mkcleanNext).objectId()
                    + " (under its PTL, MMU_NOTIFY_PROTECTION_PAGE)";
            case CLEAR -> "TestClearPageDirty(), set_page_writeback(), unlock_page() of page " + page.index;
            case IO -> "write page " + page.index + " to disk (the bio's I/O)";
            case END -> "end_page_writeback() of page " + page.index;
            case DONE -> "done";
        };
    }

    @Override
    public Footprint nextFootprint() {
        return phase == Phase.DONE ? Footprint.NONE : Footprint.ALL;
    }

    @Override
    public void step() {
        if (isDone()) {
            throw new IllegalStateException(call + " is already done");
        }
        if (isBlocked()) {
            throw new IllegalStateException(call + " waits: " + nextStep() + "; step the operation that holds " + waitsFor() + " first");
        }
        k().run(ACTOR, nextStep(), -1, () -> {
            switch (phase) {
                case LOCK -> lock();
                case MKCLEAN -> mkclean();
                case CLEAR -> clear();
                case IO -> io();
                case END -> end();
                default -> throw new IllegalStateException(phase.name());
            }
        });
    }

    /** mpage_prepare_extent_to_map(): lock_page(), the checks, and ext4's buffers check; then the PTEs page_mkclean() will visit. */
    private void lock() {
        Page f = nextDirty();
        if (f == null) {
            phase = Phase.DONE;
            k().trace().record(ACTOR, TraceKind.INFO, -1, -1, call + ": " + written + " page(s) written");
            return;
        }
        cursor = f.index + 1;
        if (k().pageLocks.writeback(f.pfn()) != null) {
            // (PageWriteback(page) && wbc->sync_mode == WB_SYNC_NONE): unlock_page(), continue
            k().trace().record(ACTOR, TraceKind.STEP, -1, f.pfn(), "page " + f.index + " is already under writeback: skipped (WB_SYNC_NONE)");
            return;
        }
        k().pageLocks.lock(f.pfn(), this);
        page = f;
        ref = KernelRefs.get(k(), f, "write_cache_pages() of " + ACTOR);
        try {
            if (!inode.hasBuffersForWriteback(f, ACTOR)) {
                release();
                return;
            }
        } catch (RuntimeException oops) {
            release();
            phase = Phase.DONE;
            throw oops;
        }
        mms.clear();
        vpns.clear();
        k().rmap().walk(f, (mm, vma, vpn) -> {
            if (vma.isShared()) {
                mms.add(mm);
                vpns.add(vpn);
            }
        });
        mkcleanNext = 0;
        phase = mms.isEmpty() ? Phase.CLEAR : Phase.MKCLEAN;
    }

    /** page_mkclean_one() of one PTE, if it still maps the page. */
    private void mkclean() {
        Mm mm = mms.get(mkcleanNext);
        long vpn = vpns.get(mkcleanNext);
        long pte = mm.pt.get(vpn);
        if (Pte.isPresent(pte) && Pte.pfn(pte) == page.pfn()) {
            InodeImpl.pageMkcleanOne(mm, vpn);
        }
        mkcleanNext++;
        if (mkcleanNext == mms.size()) {
            phase = Phase.CLEAR;
        }
    }

    /** The end of clear_page_dirty_for_io(), then ext4_bio_write_page()'s set_page_writeback() and unlock_page(). */
    private void clear() {
        page.flags &= ~Page.DIRTY;
        k().pageLocks.setWriteback(page.pfn(), this);
        k().pageLocks.unlock(page.pfn(), this);
        k().touch(page);
        phase = Phase.IO;
    }

    private void io() {
        inode.writePage(page, ACTOR);
        written++;
        phase = Phase.END;
    }

    private void end() {
        k().pageLocks.endWriteback(page.pfn(), this);
        release();
    }

    /** Drops the page lock if held and the pagevec reference; on to the next page. */
    private void release() {
        if (k().pageLocks.owner(page.pfn()) == this) {
            k().pageLocks.unlock(page.pfn(), this);
        }
        KernelRefs.put(k(), page, ref);
        page = null;
        ref = null;
        phase = Phase.LOCK;
    }

    @Override
    public int run() {
        while (!isDone()) {
            step();
        }
        return written;
    }

    @Override
    public String toString() {
        return call + ", next: " + nextStep();
    }
}
