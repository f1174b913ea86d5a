package io.pinsim.devices;

import io.pinsim.runtime.Kernel;

/**
 * One packet a process wrote to a KFD user-mode compute queue (an AQL kernel dispatch that reads or
 * writes a buffer through the process's GPU virtual addresses). The GPU runs it as soon as the queue
 * is mapped to the hardware; while the process's queues are evicted it waits in the ring and runs
 * when they are resumed.
 */
public final class KfdDispatch {
    /** Where a dispatch is. */
    public enum State {
        /** In the ring of an evicted queue: runs when the queues are resumed. */
        PENDING,
        /** Ran: every page it touched was translated by the GPU page table. */
        DONE,
        /** Stopped at a GPU VM fault the driver could not resolve (no retry fault, or -EFAULT/-EPERM from it). */
        VM_FAULT
    }

    final long id;
    final KfdQueue queue;
    final long va;
    final boolean write;
    final byte[] data;
    final int length;
    State state = State.PENDING;
    byte[] readData;
    String detail = "waiting in the ring of an evicted queue";

    KfdDispatch(long id, KfdQueue queue, long va, boolean write, byte[] data, int length) {
        this.id = id;
        this.queue = queue;
        this.va = va;
        this.write = write;
        this.data = data;
        this.length = length;
    }

    /** @return the dispatch's number, in submission order per device */
    public long id() {
        return id;
    }

    /** @return the queue it was written to */
    public KfdQueue queue() {
        return queue;
    }

    /** @return where it is */
    public State state() {
        return state;
    }

    /** @return whether it has run (DONE or VM_FAULT) */
    public boolean isDone() {
        return state != State.PENDING;
    }

    /** @return what happened, in words */
    public String detail() {
        return detail;
    }

    /**
     * What a read dispatch read.
     *
     * @throws IllegalStateException for a write dispatch, or a read that has not completed successfully
     */
    public byte[] readData() {
        if (write) {
            throw new IllegalStateException("dispatch #" + id + " is a write: it read nothing");
        }
        if (state != State.DONE) {
            throw new IllegalStateException("dispatch #" + id + " is " + state + ": it has no data (" + detail + ")");
        }
        return readData.clone();
    }

    @Override
    public String toString() {
        return "dispatch #" + id + " (" + (write ? "write " : "read ") + length + " bytes at " + Kernel.hex(va) + ", " + state + ")";
    }
}
