package io.pinsim.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Several GUP calls' pages as one set: see {@link GupPages#merge}. */
final class MergedGupPages implements GupPages {
    private final List<GupPages> parts;
    /** first[i] = the index in the set of part i's first page; first[parts] = the count. */
    private final int[] first;

    private MergedGupPages(List<GupPages> parts) {
        this.parts = parts;
        this.first = new int[parts.size() + 1];
        for (int i = 0; i < parts.size(); i++) {
            first[i + 1] = first[i] + parts.get(i).count();
        }
    }

    static GupPages of(List<? extends GupPages> list) {
        Objects.requireNonNull(list, "parts");
        if (list.isEmpty()) {
            throw new IllegalArgumentException("no parts to merge: pass the GupPages of at least one GUP call");
        }
        List<GupPages> parts = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            parts.add(Objects.requireNonNull(list.get(i), "part " + i));
        }
        GupPages head = parts.get(0);
        long next = head.start();
        for (int i = 0; i < parts.size(); i++) {
            GupPages p = parts.get(i);
            String which = "part " + i + " (" + p.count() + " pages at " + Kernel.hex(p.start()) + ", " + p.holder() + ")";
            if (p.process() != head.process()) {
                throw new IllegalArgumentException(which + " was taken from process \"" + p.process().name() + "\", part 0 from \"" + head.process().name()
                        + "\": merge only the pages of one process");
            }
            if (p.isPin() != head.isPin() || p.flags() != head.flags() || !p.holder().equals(head.holder())) {
                throw new IllegalArgumentException(which + " differs from part 0 in " + (p.isPin() != head.isPin() ? "kind (pins and plain references)"
                        : p.flags() != head.flags() ? "GUP flags (" + Foll.describe(p.flags()) + " vs " + Foll.describe(head.flags()) + ")"
                        : "holder (\"" + p.holder() + "\" vs \"" + head.holder() + "\")") + ": merge the parts of one GUP caller");
            }
            if (p.start() != next) {
                throw new IllegalArgumentException(which + " starts at " + Kernel.hex(p.start()) + ", but the pages before it end at " + Kernel.hex(next)
                        + ": the parts must be contiguous, in address order");
            }
            if (p.isReleased()) {
                throw new IllegalStateException(which + " is already released: merge only held pages");
            }
            next = p.start() + ((long) p.count() << Kernel.PAGE_SHIFT);
        }
        return parts.size() == 1 ? head : new MergedGupPages(List.copyOf(parts));
    }

    @Override
    public int count() {
        return first[parts.size()];
    }

    @Override
    public int requested() {
        GupPages last = parts.get(parts.size() - 1);
        return (int) ((last.start() - start()) >>> Kernel.PAGE_SHIFT) + last.requested();
    }

    private int part(int i) {
        if (i < 0 || i >= count()) {
            throw new IndexOutOfBoundsException("page " + i + ": valid indexes are 0 to " + (count() - 1) + " (" + count() + " pages held by " + holder()
                    + " in " + parts.size() + " GUP calls)");
        }
        int p = 0;
        while (first[p + 1] <= i) {
            p++;
        }
        return p;
    }

    @Override
    public Frame frame(int i) {
        int p = part(i);
        return parts.get(p).frame(i - first[p]);
    }

    @Override
    public long address(int i) {
        int p = part(i);
        return parts.get(p).address(i - first[p]);
    }

    @Override
    public boolean isCoherent(int i) {
        int p = part(i);
        return parts.get(p).isCoherent(i - first[p]);
    }

    @Override
    public long start() {
        return parts.get(0).start();
    }

    @Override
    public boolean isPin() {
        return parts.get(0).isPin();
    }

    @Override
    public int flags() {
        return parts.get(0).flags();
    }

    @Override
    public String holder() {
        return parts.get(0).holder();
    }

    @Override
    public Process process() {
        return parts.get(0).process();
    }

    /** Whether any part was released. */
    @Override
    public boolean isReleased() {
        for (GupPages p : parts) {
            if (p.isReleased()) {
                return true;
            }
        }
        return false;
    }

    /** Checks the span as one part would, so the messages are the same. */
    private void checkSpan(long offset, long length) {
        long held = (long) count() << Kernel.PAGE_SHIFT;
        if (offset < 0 || length < 0 || offset > held || length > held - offset) {
            throw new IllegalArgumentException("span " + offset + "+" + length + " lies outside the " + count() + " held pages");
        }
        if (isReleased()) {
            throw new IllegalStateException("the pages were already released; a device must not touch them any more");
        }
    }

    @Override
    public byte[] read(long offset, int length) {
        checkSpan(offset, length);
        byte[] out = new byte[length];
        int done = 0;
        while (done < length) {
            long at = offset + done;
            int p = part((int) (at >>> Kernel.PAGE_SHIFT));
            long inPart = at - ((long) first[p] << Kernel.PAGE_SHIFT);
            int n = (int) Math.min(length - done, ((long) parts.get(p).count() << Kernel.PAGE_SHIFT) - inPart);
            System.arraycopy(parts.get(p).read(inPart, n), 0, out, done, n);
            done += n;
        }
        return out;
    }

    @Override
    public void write(long offset, byte[] data) {
        Objects.requireNonNull(data, "data");
        checkSpan(offset, data.length);
        if ((flags() & Foll.WRITE) == 0) {
            throw new IllegalStateException("these pages were taken for reading (no FOLL_WRITE); take them with Foll.WRITE to let a device write them");
        }
        int done = 0;
        while (done < data.length) {
            long at = offset + done;
            int p = part((int) (at >>> Kernel.PAGE_SHIFT));
            long inPart = at - ((long) first[p] << Kernel.PAGE_SHIFT);
            int n = (int) Math.min(data.length - done, ((long) parts.get(p).count() << Kernel.PAGE_SHIFT) - inPart);
            byte[] chunk = new byte[n];
            System.arraycopy(data, done, chunk, 0, n);
            parts.get(p).write(inPart, chunk);
            done += n;
        }
    }

    /** put_page() on every part; a released part first, so its refcount underflow comes before anything changes. */
    @Override
    public void release() {
        releaseAll(false, false);
    }

    /** unpin_user_pages_dirty_lock() on every part, as ib_umem_release() walks the scatterlist; a released part first (its underflow before anything changes). */
    @Override
    public void unpin(boolean makeDirty) {
        releaseAll(true, makeDirty);
    }

    private void releaseAll(boolean unpin, boolean dirty) {
        List<GupPages> order = new ArrayList<>(parts.size());
        for (GupPages p : parts) {
            if (p.isReleased()) {
                order.add(p);
            }
        }
        if (order.isEmpty() && (unpin != isPin())) {
            order.add(parts.get(0)); // the kind mismatch: the first part refuses before anything changes
        }
        for (GupPages p : parts) {
            if (!order.contains(p)) {
                order.add(p);
            }
        }
        for (GupPages p : order) {
            if (unpin) {
                p.unpin(dirty);
            } else {
                p.release();
            }
        }
    }

    @Override
    public String toString() {
        return count() + " pages at " + Kernel.hex(start()) + " for " + holder() + " in " + parts.size() + " GUP calls";
    }
}
