package io.pinsim.runtime.internal.mm;

import io.pinsim.runtime.Footprint;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.Task;
import io.pinsim.runtime.WriteFaultSteps;
import io.pinsim.runtime.trace.TraceKind;
import java.util.List;

/**
 * A thread's one-byte store with its write fault as steps (see {@link WriteFaultSteps}). The step
 * boundaries and the locks behind them:
 * <ul>
 * <li>mmap_lock, held for read from the fault's first step to its last (handle_mm_fault() runs under
 *     mmap_read_lock(), or the per-VMA lock from 6.4, which fork's vma_start_write() excludes the
 *     same way): fork, which takes it for write, waits for the fault, and the fault for fork;</li>
 * <li>the page-table lock (pte_offset_map_lock()), held inside the first step (read the PTE, decide)
 *     and the last (pte_same(), install), dropped in between: wp_page_copy() allocates and copies with
 *     it dropped (it may sleep). No stepped operation holds the PTL across steps, so it never blocks
 *     one; GUP-fast, which takes no lock, and a device's DMA can run in between.</li>
 * </ul>
 */
public final class WriteFaultStepsImpl implements WriteFaultSteps {
    private enum Phase { FAULT, COPY, INSTALL, DONE }

    private final MmOwner owner;
    private final Task thread;
    private final long address;
    private final long vpn;
    private final byte value;
    private Phase phase = Phase.FAULT;
    private Faults.DeferredCopy decided;
    private long orig;
    private Page copy;
    private GupRef copyRef;

    /**
     * A store of {@code value} at {@code address} from {@code thread}.
     *
     * @throws IllegalArgumentException if the thread is not one of the process's
     */
    public WriteFaultStepsImpl(MmOwner owner, Task thread, long address, byte value) {
        owner.requireAlive();
        if (thread.process() != owner) {
            throw new IllegalArgumentException(thread + " is not a thread of process \"" + owner.name() + "\"");
        }
        this.owner = owner;
        this.thread = thread;
        this.address = address;
        this.vpn = address >>> Kernel.PAGE_SHIFT;
        this.value = value;
    }

    private MmCore kernel() {
        return owner.mm().kernel;
    }

    @Override
    public String actor() {
        return thread.actor();
    }

    @Override
    public boolean isDone() {
        return phase == Phase.DONE;
    }

    /**
     * Only the first step waits: for mmap_lock, while a fork holds it for write; or, for a file page
     * that is not mapped, for the file's invalidate lock (filemap_fault()), while a truncate holds it.
     */
    @Override
    public boolean isBlocked() {
        return phase == Phase.FAULT && waitsFor() != null;
    }

    @Override
    public String nextStep() {
        String at = Kernel.hex(address);
        return switch (phase) {
            case FAULT -> "store " + MmCore.describeByte(value) + " at " + at + ": handle_mm_fault() under mmap_lock, do_wp_page() reads the PTE under the PTL"
                    + (isBlocked() ? " (waits for " + waitsFor() + ")" : "");
            case COPY -> "wp_page_copy(): PTL dropped, allocate a page and copy frame #" + decided.old().pfn() + " into it";
            case INSTALL -> "wp_page_copy(): retake the PTL, pte_same()? install the copy at " + at + " and store";
            case DONE -> "done";
        };
    }

    /**
     * The fault's first and last steps read and write the page table, the frames, the notifiers and
     * the allocator: everything; the copy reads the old frame and allocates.
     */
    @Override
    public Footprint nextFootprint() {
        if (phase == Phase.DONE) {
            return Footprint.NONE;
        }
        if (phase == Phase.COPY && !kernel().hasPendingOps()) {
            return Footprint.builder().read(Page.objectId(decided.old().pfn())).write("alloc").build();
        }
        return Footprint.ALL;
    }

    @Override
    public String waitsFor() {
        if (phase != Phase.FAULT) {
            return null;
        }
        Mm mm = owner.mm();
        if (mm.mmapWriteLocker != null) {
            return mm.objectId() + ":mmap_lock";
        }
        long pte = mm.pt.get(vpn);
        // the store faults only on a missing or write-protected PTE; the fault sleeps on what FaultLocks names
        return Pte.isPresent(pte) && Pte.isWrite(pte) ? null : FaultLocks.waitsFor(kernel(), mm, vpn, this);
    }

    /** mmap_lock, held for read between the fault's steps. */
    @Override
    public List<String> holds() {
        return phase == Phase.COPY || phase == Phase.INSTALL ? List.of(owner.mm().objectId() + ":mmap_lock") : List.of();
    }

    @Override
    public void step() {
        if (isDone()) {
            throw new IllegalStateException("the store at " + Kernel.hex(address) + " is already done");
        }
        if (isBlocked()) {
            throw new IllegalStateException("the store at " + Kernel.hex(address) + " waits for " + waitsFor() + "; step the operation that holds it first");
        }
        owner.requireAlive();
        switch (phase) {
            case FAULT -> kernel().run(actor(), nextStep(), address, this::fault);
            case COPY -> kernel().run(actor(), nextStep(), address, this::copyPage);
            case INSTALL -> kernel().run(actor(), nextStep(), address, this::install);
            default -> throw new IllegalStateException(phase.name());
        }
    }

    @Override
    public void run() {
        while (!isDone()) {
            step();
        }
    }

    /** do_wp_page() under the PTL: only a write-protected present PTE of a writable private VMA can go to wp_page_copy(). */
    private void fault() {
        Mm mm = owner.mm();
        VmArea v = mm.findVma(vpn);
        long pte = mm.pt.get(vpn);
        if (v != null && !v.isShared() && (v.flags & VmArea.VM_WRITE) != 0 && Pte.isPresent(pte) && !Pte.isWrite(pte)) {
            Faults faults = new Faults(kernel()).deferringCopies();
            if (faults.handlePteFault(mm, v, vpn, Faults.WRITE, actor()) == Faults.Result.OK && faults.deferred() != null) {
                decided = faults.deferred();
                orig = pte;
                mm.mmapReaders.add(this);
                kernel().trace().record(actor(), TraceKind.STEP, address, decided.old().pfn(), "do_wp_page(): copy frame #" + decided.old().pfn()
                        + " (" + decided.why() + "); PTL dropped for wp_page_copy()");
                phase = Phase.COPY;
                return;
            }
        }
        store();
    }

    /** wp_page_copy() before the PTL: __wp_page_copy_user() copies the old page as it is now. */
    private void copyPage() {
        Page old = decided.old();
        copy = kernel().deferredSplit.allocUserPage(old.isZeroPage() ? new Content() : Content.copyOf(old.content()));
        if (copy != null) {
            // The new page's own reference (alloc_page() returns it with refcount 1), until the PTE takes it over.
            copyRef = new GupRef(GupRef.Kind.GET, "wp_page_copy() of " + actor(), kernel().trace().step());
            copy.addRef(copyRef);
        }
        phase = Phase.INSTALL;
    }

    /** wp_page_copy() after retaking the PTL: pte_same() decides whether the copy goes in. */
    private void install() {
        Mm mm = owner.mm();
        mm.mmapReaders.remove(this);
        long now = mm.pt.get(vpn);
        if (copy != null) {
            copy.removeRef(copyRef);
            copyRef = null;
            kernel().touch(copy);
        }
        if (copy == null) {
            kernel().trace().record(actor(), TraceKind.STEP, address, -1, "wp_page_copy(): no memory for the copy (VM_FAULT_OOM); the store faults again");
        } else if (now != orig) {
            kernel().trace().record(actor(), TraceKind.STEP, address, copy.pfn(), "wp_page_copy(): pte_same() failed, the PTE changed (" + Pte.describe(orig)
                    + " -> " + Pte.describe(now) + "): frame #" + copy.pfn() + " freed, the store faults again");
            kernel().freeFrame(copy);
        } else {
            new Faults(kernel()).installCopy(mm, mm.findVma(vpn), vpn, decided, copy, actor());
        }
        copy = null;
        store();
    }

    /** The store, as the CPU retries it: any further fault is resolved at once. */
    private void store() {
        new Uaccess(owner).fill(address, 1, value);
        phase = Phase.DONE;
    }

    @Override
    public String toString() {
        return "store at " + Kernel.hex(address) + " from " + actor() + ", next: " + nextStep();
    }
}
