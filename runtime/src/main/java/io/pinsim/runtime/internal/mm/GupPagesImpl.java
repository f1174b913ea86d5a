package io.pinsim.runtime.internal.mm;

import io.pinsim.runtime.Foll;
import io.pinsim.runtime.GupPages;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.KernelBugException;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.trace.TraceKind;
import java.util.List;

/**
 * The pages one GUP call returned: the frames, and the references or pins held on them. A device
 * (or a pipe, or a test) reads and writes the held frames directly, as DMA does, whatever the CPU
 * page tables map now. Release them with {@link #release()} (put_page) or {@link #unpin(boolean)}
 * (unpin_user_pages_dirty_lock).
 */
public final class GupPagesImpl implements io.pinsim.runtime.GupPages {
    private final MmCore kernel;
    private final Gup.Request request;
    private final Page[] frames;
    private final GupRef[] refs;
    private boolean released;
    /** Pages redirected to the device's dummy page (PinRevocation); null until the first. */
    private boolean[] redirected;

    GupPagesImpl(MmCore kernel, Gup.Request request, List<Page> frames, List<GupRef> refs) {
        this.kernel = kernel;
        this.request = request;
        this.frames = frames.toArray(new Page[0]);
        this.refs = refs.toArray(new GupRef[0]);
    }

    /** The number of pages GUP returned; may be less than {@link #requested()} as in the kernel. */
    public int count() {
        return frames.length;
    }

    /** The number of pages asked for. */
    public int requested() {
        return request.nrPages();
    }

    @Override
    public Page frame(int i) {
        checkIndex(i);
        return frames[i];
    }

    /** The user address page i was taken at. */
    public long address(int i) {
        checkIndex(i);
        return request.start() + ((long) i << Kernel.PAGE_SHIFT);
    }

    /** The first address. */
    public long start() {
        return request.start();
    }

    @Override
    public boolean isPin() {
        return request.kind() == GupRef.Kind.PIN;
    }

    /** The FOLL_* flags the caller passed. */
    public int flags() {
        return request.flags();
    }

    @Override
    public String holder() {
        return request.holder();
    }

    @Override
    public Process process() {
        return request.process();
    }

    @Override
    public boolean isReleased() {
        return released;
    }

    @Override
    public boolean isCoherent(int i) {
        checkIndex(i);
        Process p = request.process();
        return p.isAlive() && p.frameAt(address(i)) == frames[i];
    }

    @Override
    public byte[] read(long offset, int length) {
        checkSpan(offset, length);
        byte[] out = new byte[length];
        int done = 0;
        while (done < length) {
            long o = offset + done;
            int page = (int) (o >>> Kernel.PAGE_SHIFT);
            int in = (int) (o & (Kernel.PAGE_SIZE - 1));
            int n = Math.min(length - done, Kernel.PAGE_SIZE - in);
            frames[page].content().read(in, out, done, n);
            done += n;
        }
        return out;
    }

    @Override
    public void write(long offset, byte[] data) {
        java.util.Objects.requireNonNull(data, "data");
        checkSpan(offset, data.length);
        if ((request.flags() & Foll.WRITE) == 0) {
            throw new IllegalStateException("these pages were taken for reading (no FOLL_WRITE); take them with Foll.WRITE to let a device write them");
        }
        kernel.run(device(), "DMA write " + data.length + " bytes at " + Kernel.hex(request.start() + offset) + " (" + request.holder() + ")", request.start() + offset, () -> {
            int done = 0;
            while (done < data.length) {
                long o = offset + done;
                int page = (int) (o >>> Kernel.PAGE_SHIFT);
                int in = (int) (o & (Kernel.PAGE_SIZE - 1));
                int n = Math.min(data.length - done, Kernel.PAGE_SIZE - in);
                Page f = frames[page];
                if (f.isZeroPage() || HugeZeroPage.is(f)) {
                    throw new IllegalStateException("page " + page + " is the shared zero page; a device must never write it");
                }
                f.content().write(in, data, done, n);
                kernel.wrote(f);
                kernel.trace().record(device(), TraceKind.DMA, address(page) + in, f.pfn(), "DMA wrote " + n + " bytes into frame #" + f.pfn()
                        + (isCoherent(page) ? "" : " - which process \"" + request.process().name() + "\" no longer maps at " + Kernel.hex(address(page))));
                done += n;
            }
        });
    }

    @Override
    public void release() {
        if (isPin()) {
            throw new IllegalStateException("these are pins (FOLL_PIN): release them with unpin(dirty), as unpin_user_pages() does");
        }
        drop(false, "put_page");
    }

    @Override
    public void unpin(boolean makeDirty) {
        if (!isPin()) {
            throw new IllegalStateException("these are plain references (FOLL_GET): release them with release(), as put_page() does");
        }
        drop(makeDirty, makeDirty ? "unpin_user_pages_dirty_lock" : "unpin_user_pages");
    }

    private void drop(boolean dirty, String fn) {
        kernel.run(device(), fn + "(" + frames.length + " pages) of " + request.holder(), request.start(), () -> {
            if (released) {
                throw new KernelBugException("refcount-underflow", fn + "() called twice on the pages " + request.holder() + " took at "
                        + Kernel.hex(request.start()) + ": the references were already dropped", kernel.trace().render());
            }
            released = true;
            kernel.pinRevocation().released(this);
            for (int i = 0; i < frames.length; i++) {
                Page f = frames[i];
                if (refs[i] == null) {
                    continue;
                }
                if (dirty) {
                    // set_page_dirty_lock(): a page-cache page is dirtied through its filesystem.
                    Page.setPageDirty(f, fn + " by " + request.holder());
                }
                if (!f.removeRef(refs[i])) {
                    throw new KernelBugException("refcount-underflow", "frame #" + f.pfn() + " has no " + refs[i], kernel.trace().render());
                }
                kernel.touch(f);
                kernel.maybeFree(f);
                kernel.trace().record(device(), TraceKind.UNPIN, address(i), f.pfn(), (isPin() ? "unpinned" : "released") + " frame #" + f.pfn()
                        + (dirty ? ", marked dirty" : "") + (f.isFree() ? ", frame freed" : ""));
            }
        });
    }

    /** Whether page i now points at the device's dummy page (PinRevocation.redirect()). */
    public boolean isRedirected(int i) {
        checkIndex(i);
        return redirected != null && redirected[i];
    }

    /** Swaps page i's frame and reference for the dummy page's; returns the old reference, which the caller drops. */
    GupRef swap(int i, Page dummy, GupRef ref) {
        GupRef old = refs[i];
        frames[i] = dummy;
        refs[i] = ref;
        if (redirected == null) {
            redirected = new boolean[frames.length];
        }
        redirected[i] = true;
        return old;
    }

    /** The actor for the trace: the device part of the holder ({@code rdma0} of {@code rdma0 MR#256}). */
    private String device() {
        String h = request.holder();
        int space = h.indexOf(' ');
        return space < 0 ? h : h.substring(0, space);
    }

    private void checkIndex(int i) {
        if (i < 0 || i >= frames.length) {
            throw new IndexOutOfBoundsException("page " + i + " does not exist: " + (frames.length == 0 ? "GUP returned no pages"
                    : "valid indexes are 0 to " + (frames.length - 1) + " (" + frames.length + " pages held by " + request.holder() + ")"));
        }
    }

    private void checkSpan(long offset, int length) {
        if (offset < 0 || length < 0 || offset > ((long) frames.length << Kernel.PAGE_SHIFT) - length) {
            throw new IllegalArgumentException("span " + offset + "+" + length + " lies outside the " + frames.length + " held pages");
        }
        if (released) {
            throw new IllegalStateException("the pages were already released; a device must not touch them any more");
        }
    }

    @Override
    public String toString() {
        return (isPin() ? "pins" : "references") + " on " + frames.length + " page(s) at " + Kernel.hex(request.start()) + " held by " + request.holder()
                + (released ? " (released)" : "");
    }
}
