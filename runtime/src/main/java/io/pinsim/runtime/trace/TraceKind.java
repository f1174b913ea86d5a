package io.pinsim.runtime.trace;

/** What a trace event records. */
public enum TraceKind {
    /** A syscall or kernel entry point was called (the start of a step). */
    CALL,
    /** A page fault was handled (anonymous, read, swap-in). */
    FAULT,
    /** A write-protect fault reused the page: the PTE was made writable in place. */
    COW_REUSE,
    /** A write-protect fault copied the page: the process now maps a new frame. */
    COW_COPY,
    /** An unshare fault (FAULT_FLAG_UNSHARE) made the page exclusive, the PTE stays read-only. */
    UNSHARE,
    /** fork shared and write-protected pages, or copied a maybe-pinned page early. */
    FORK,
    /** GUP took a plain reference (FOLL_GET). */
    GUP_GET,
    /** GUP took a pin (FOLL_PIN). */
    PIN,
    /** A pin or GUP reference was dropped. */
    UNPIN,
    /** A frame was read or written by someone holding it (a device, a pipe), not through a page table. */
    DMA,
    /** A page was swapped out or in, or reclaim decided to keep it. */
    RECLAIM,
    /** An mmu notifier invalidation started or ended. */
    NOTIFIER,
    /** A signal was delivered. */
    SIGNAL,
    /** A call failed with an errno. */
    ERRNO,
    /** A process exited or a frame was freed. */
    EXIT,
    /** One step of an interleaved operation (GUP-fast, fork) ran. */
    STEP,
    /** Anything else worth knowing. */
    INFO
}
