package io.pinsim.runtime.internal.locking;

/**
 * A sequence count (seqcount_t, include/linux/seqlock.h) as an object the stepped operations share:
 * the writer makes it odd for the duration of its write section and even again after, a lockless
 * reader samples it before and compares after. The one in the model is mm-&gt;write_protect_seq
 * (57efa1fe5957, 5.13 and 5.10.y): copy_page_range() brackets the write-protection of a COW
 * mapping with raw_write_seqcount_begin()/raw_write_seqcount_end() (in the real kernel under
 * mmap_lock held for write), and GUP-fast samples it with raw_seqcount_try_begin() (5.19+;
 * raw_read_seqcount() plus an odd check before that) and gives up on the fast path when it is odd
 * or has moved (read_seqcount_retry() in gup_fast()). A reader never waits on it: the explorer sees
 * the writer holding it ({@link #writer()}) but no reader as blocked by it.
 */
public final class SeqCount {
    private final String id;
    private int sequence;
    private Object writer;

    /** A count named by its footprint id ({@code mm:1:write_protect_seq}), starting at 0. */
    public SeqCount(String id) {
        this.id = id;
    }

    /** The footprint id. */
    public String id() {
        return id;
    }

    /** raw_read_seqcount(): the current value (odd while a writer is inside). */
    public int read() {
        return sequence;
    }

    /**
     * raw_seqcount_try_begin(): the value to pass to {@link #retry} if no writer is inside, else -1
     * (the caller must not enter its lockless section).
     */
    public int tryBegin() {
        return (sequence & 1) != 0 ? -1 : sequence;
    }

    /** read_seqcount_retry(): whether a writer entered since {@code start} was sampled. */
    public boolean retry(int start) {
        return sequence != start;
    }

    /**
     * raw_write_seqcount_begin() by {@code owner}: the count goes odd.
     *
     * @throws IllegalStateException if a writer is already inside (the kernel serializes writers
     *                               with mmap_lock; two would corrupt the count)
     */
    public void writeBegin(Object owner) {
        if (writer != null) {
            throw new IllegalStateException(id + " already has a writer (" + writer + "); writers must be serialized (mmap_lock)");
        }
        writer = owner;
        sequence++;
    }

    /** raw_write_seqcount_end(): the count goes even again. */
    public void writeEnd(Object owner) {
        if (writer != owner) {
            throw new IllegalStateException(owner + " ends a write section of " + id + " that " + (writer == null ? "nobody" : writer) + " began");
        }
        writer = null;
        sequence++;
    }

    /** The operation inside a write section, or null. */
    public Object writer() {
        return writer;
    }

    @Override
    public String toString() {
        return id + " = " + sequence + (writer != null ? " (write section of " + writer + ")" : "");
    }
}
