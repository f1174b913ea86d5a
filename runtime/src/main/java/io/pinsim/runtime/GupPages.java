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
}
