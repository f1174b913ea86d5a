package io.pinsim.runtime.internal.fs;

import io.pinsim.runtime.DirectReadSteps;
import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.Footprint;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.Task;
import io.pinsim.runtime.internal.mm.GupFastImpl;
import io.pinsim.runtime.internal.mm.GupPagesImpl;
import io.pinsim.runtime.internal.mm.MmCore;
import io.pinsim.runtime.internal.mm.Page;
import io.pinsim.runtime.trace.TraceKind;
import java.util.List;

/**
 * A blocking O_DIRECT read(2) from one thread as steps (see {@link DirectReadSteps}). The step
 * boundaries are where another CPU can get in:
 * <ul>
 * <li>before the first step, i_rwsem: ext4 takes it shared for the whole read (ext4_dio_read_iter()
 *     since b1b4705d54ab (5.5); ext4_direct_IO_read() since 16c54688592c (4.9)), so truncate and
 *     punch hole, which take it exclusive, wait for the read and the read waits for them;</li>
 * <li>inside bio_iov_iter_get_pages(), the boundaries of {@link GupFastImpl}: the lockless walk per
 *     PTE (local_irq_save(), no lock; write_protect_seq for FOLL_PIN from 57efa1fe5957) and
 *     mmap_lock for the slow path;</li>
 * <li>after submit_bio() nothing is locked but i_rwsem: the device DMAs whenever it likes and the
 *     completion (iomap_dio_bio_end_io() -&gt; bio_release_pages()) drops the page references; the
 *     thread sleeps in iomap_dio_rw() (the DMA and completion steps are the device's, traced under
 *     its name in the thread's column).</li>
 * </ul>
 * {@link #run()} runs every step in a row, which is exactly what pread() of an O_DIRECT file does.
 */
public final class DirectReadStepsImpl implements DirectReadSteps {
    private enum Phase { START, GUP, SUBMIT, DMA, COMPLETE, DONE }

    private final OpenFileImpl file;
    private final Task thread;
    private final long userAddress;
    private final int length;
    private final long offset;
    private final String call;
    private Phase phase = Phase.START;
    private DirectIoImpl dio;
    private GupFastImpl gup;
    private boolean locked;
    private int result;

    /**
     * pread(fd, userAddress, length, offset) of an O_DIRECT file from {@code thread}, as steps.
     *
     * @throws IllegalArgumentException if the thread is not one of the file's process
     * @throws IllegalStateException    if the file is not open with O_DIRECT, or the process exited
     * @throws ErrnoException           for a closed file or a bad range (EBADF, EINVAL), as pread() would
     */
    public static DirectReadStepsImpl of(OpenFileImpl file, Task thread, long userAddress, int length, long offset) {
        java.util.Objects.requireNonNull(thread, "thread");
        file.process().requireAlive();
        if (thread.process() != file.process()) {
            throw new IllegalArgumentException(thread + " is not a thread of process \"" + file.process().name() + "\", which opened " + file.label());
        }
        DirectIoImpl.requireDirect(file);
        DirectReadStepsImpl steps = new DirectReadStepsImpl(file, thread, userAddress, length, offset);
        DirectIoImpl.check(file, false, userAddress, length, offset, steps.call);
        return steps;
    }

    private DirectReadStepsImpl(OpenFileImpl file, Task thread, long userAddress, int length, long offset) {
        this.file = file;
        this.thread = thread;
        this.userAddress = userAddress;
        this.length = length;
        this.offset = offset;
        this.call = "pread(" + file.label() + ", " + Kernel.hex(userAddress) + ", " + length + ", " + offset + ")";
    }

    private MmCore kernel() {
        return file.process().mm().kernel;
    }

    @Override
    public String actor() {
        return thread.actor();
    }

    @Override
    public boolean isDone() {
        return phase == Phase.DONE;
    }

    @Override
    public boolean isBlocked() {
        return switch (phase) {
            case START -> !file.inode().iRwsem.canRead(this);
            case GUP -> gup.isBlocked();
            default -> false;
        };
    }

    @Override
    public String nextStep() {
        return switch (phase) {
            case START -> call + ": inode_lock_shared(i_rwsem), filemap_write_and_wait_range()" + (isBlocked() ? " (waits for i_rwsem)" : "");
            case GUP -> "bio_iov_iter_get_pages(): " + gup.nextStep();
            case SUBMIT -> "submit_bio() of " + dio.name() + ": bio_set_pages_dirty(), inode_dio_begin()";
            case DMA -> dio.deviceName() + ": DMA of " + dio.name() + " into the frames it holds";
            case COMPLETE -> dio.deviceName() + ": complete " + dio.name() + " (bio_release_pages()), wake the reader, inode_unlock_shared()";
            case DONE -> "done";
        };
    }

    /**
     * What the next step touches: the lockless GUP steps have {@link GupFastImpl}'s footprint; the
     * DMA writes the frames the request holds and nothing else; the other steps read and write the
     * page cache, the file's direct-I/O count, i_rwsem and page references that the reverse map, the
     * page allocator and truncate see: everything.
     */
    @Override
    public Footprint nextFootprint() {
        if (kernel().hasPendingOps()) {
            return Footprint.ALL;
        }
        return switch (phase) {
            case GUP -> gup.nextFootprint();
            case DMA -> {
                Footprint.Builder b = Footprint.builder();
                GupPagesImpl p = dio.pages();
                for (int i = 0; i < p.count(); i++) {
                    b.write(Page.objectId(p.frame(i).pfn()));
                }
                yield b.build();
            }
            case DONE -> Footprint.NONE;
            default -> Footprint.ALL;
        };
    }

    /** While blocked: i_rwsem (held for write by truncate) or the mmap_lock GUP's slow path waits for. */
    @Override
    public String waitsFor() {
        if (!isBlocked()) {
            return null;
        }
        return phase == Phase.START ? file.inode().iRwsem.id() : gup.waitsFor();
    }

    /** i_rwsem, held for read from the first step to the last. */
    @Override
    public List<String> holds() {
        return locked ? List.of(file.inode().iRwsem.id()) : List.of();
    }

    @Override
    public void step() {
        if (isDone()) {
            throw new IllegalStateException(call + " is already done");
        }
        if (isBlocked()) {
            throw new IllegalStateException(call + " waits: " + nextStep() + "; step the operation that holds " + waitsFor() + " first");
        }
        try {
            switch (phase) {
                case START -> kernel().run(actor(), nextStep(), userAddress, this::start);
                case GUP -> {
                    gup.step();
                    if (gup.isDone()) {
                        phase = Phase.SUBMIT;
                    }
                }
                case SUBMIT -> kernel().run(actor(), nextStep(), userAddress, () -> {
                    dio.submitBio(gup.result(), call);
                    phase = Phase.DMA;
                });
                case DMA -> {
                    dio.dma();
                    phase = Phase.COMPLETE;
                }
                case COMPLETE -> {
                    dio.endIo();
                    kernel().run(actor(), call + " returns " + dio.transferLength(), userAddress, this::finish);
                }
                default -> throw new IllegalStateException(phase.name());
            }
        } catch (ErrnoException e) {
            if (locked) {
                file.inode().iRwsem.upRead(this, actor());
                locked = false;
            }
            phase = Phase.DONE;
            throw e;
        }
    }

    private void start() {
        file.process().requireAlive();
        file.inode().iRwsem.downRead(this, actor());
        locked = true;
        dio = DirectIoImpl.prepare(file, false, userAddress, length, offset, call);
        if (dio.isDone()) {
            finish();
            return;
        }
        gup = dio.gupSteps(thread);
        phase = Phase.GUP;
    }

    private void finish() {
        file.inode().iRwsem.upRead(this, actor());
        locked = false;
        result = dio.transferLength();
        kernel().trace().record(actor(), TraceKind.INFO, userAddress, -1, call + " = " + result + " (inode_unlock_shared)");
        phase = Phase.DONE;
    }

    @Override
    public int run() {
        while (!isDone()) {
            step();
        }
        return result;
    }

    @Override
    public int result() {
        if (!isDone()) {
            throw new IllegalStateException(call + " is not done yet; next step: " + nextStep());
        }
        return result;
    }

    @Override
    public DirectIoImpl request() {
        return dio != null && dio.bio() != null ? dio : null;
    }

    @Override
    public String toString() {
        return call + " from " + actor() + ", next: " + nextStep();
    }
}
