package io.pinsim.runtime;

/**
 * The pages one GUP call returned: the frames, and the references or pins held on them. A device
 * (or a pipe, or a test) reads and writes the held frames directly, as DMA does, whatever the CPU
 * page tables map now. Release them with {@link #release()} (put_page) or {@link #unpin(boolean)}
 * (unpin_user_pages_dirty_lock).
 */
public interface GupPages {
    /** The number of pages GUP returned; may be less than {@link #requested()} as in the kernel. */
    int count();

    /** The number of pages asked for. */
    int requested();

    /**
     * The frame of page i.
     *
     * @throws IndexOutOfBoundsException unless 0 &lt;= i &lt; {@link #count()}; the message names the valid range
     */
    Frame frame(int i);

    /**
     * The user address page i was taken at.
     *
     * @throws IndexOutOfBoundsException unless 0 &lt;= i &lt; {@link #count()}; the message names the valid range
     */
    long address(int i);

    /** The first address. */
    long start();

    /** Whether these are pins (FOLL_PIN) rather than plain references (FOLL_GET). */
    boolean isPin();

    /** The FOLL_* flags the caller passed. */
    int flags();

    /** Who holds them. */
    String holder();

    /** The process whose memory they were taken from. */
    Process process();

    /** @return whether they were released (put or unpinned) */
    boolean isReleased();

    /**
     * Whether page i is still the page the process maps at its address: the coherency property
     * P(pin) that most regressions in this area break.
     *
     * @throws IndexOutOfBoundsException unless 0 &lt;= i &lt; {@link #count()}; the message names the valid range
     */
    boolean isCoherent(int i);

    /**
     * Reads bytes from the held frames, as a device's DMA read does; offset is from {@link #start()}.
     *
     * @throws IllegalArgumentException unless the span lies within the held pages
     * @throws IllegalStateException    once the pages are released
     */
    byte[] read(long offset, int length);

    /**
     * Writes bytes into the held frames, as a device's DMA write does; offset is from
     * {@link #start()}. Refused for pages taken without FOLL_WRITE, and for the zero page.
     *
     * @throws NullPointerException for null data
     */
    void write(long offset, byte[] data);

    /** put_page() on every page (for FOLL_GET references). */
    void release();

    /**
     * unpin_user_pages_dirty_lock(pages, n, makeDirty): marks the pages dirty if asked, then drops
     * the pins. Unpinning twice is a refcount underflow: a {@link KernelBugException}.
     */
    void unpin(boolean makeDirty);

    /**
     * The pages of several GUP calls as one set, as a caller that pins a range in chunks keeps them
     * (ib_umem_get() pins an MR with one pin_user_pages_fast() call per page-list page of pages and
     * appends each chunk to one scatterlist; ib_umem_release() unpins them all). Page i of the set
     * is page i of the part that holds it; {@link #unpin(boolean)} and {@link #release()} release
     * every part; {@link #read}/{@link #write} may span parts. The parts are not copied: releasing
     * a part on its own releases it in the set too, and {@link #isReleased()} is true once any part
     * is released. {@link #requested()} is the span from the first part's start to the end of what
     * the last part asked for, so a short last part leaves the set short, as a short GUP call does.
     *
     * @param parts the sets, in address order, each starting where the pages the previous one holds
     *              end (a short part is followed by the page it could not take, as the kernel's
     *              loop retries there); all from the same process, with the same holder, flags and
     *              kind (pins or references), none released
     * @throws NullPointerException     for a null list or part
     * @throws IllegalArgumentException for no parts, parts of different processes, holders, flags or
     *                                  kinds, or parts that are not contiguous in address order
     * @throws IllegalStateException    for a part already released
     */
    static GupPages merge(java.util.List<? extends GupPages> parts) {
        return MergedGupPages.of(parts);
    }
}
