package io.pinsim.dsl;

import io.pinsim.runtime.ErrnoException;
import io.pinsim.runtime.OpenFile;
import io.pinsim.runtime.OpenFlags;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.SignalException;

/**
 * The bottom of the scenario chain: its state, running a step, and the checks a step makes before it
 * runs. The steps are in the classes that extend it, one concern each, in a single line so that the
 * user sees one fluent chain: {@link ProcessSteps}, {@link FileSteps}, {@link DeviceSteps}, then
 * {@link ScenarioSteps} (the assertions, and the public type of the chain).
 *
 * @param <S> the scenario's own type, so steps keep the state-specific ones in reach
 */
abstract class StepPlumbing<S extends ScenarioSteps<S>> {
    final ScenarioState state;

    StepPlumbing(ScenarioState state) {
        this.state = state;
    }

    abstract S self();

    /**
     * Runs a step: refuses to go on after an unasserted failure, records an errno or a signal. A
     * step the runtime refuses as misuse (it checks its arguments before it changes anything) did
     * not happen: the scenario's step count stays as it was.
     */
    S step(String name, Runnable body) {
        if (state.unreplayable == null) {
            state.unreplayable = name;
        }
        return run(name, body);
    }

    /** {@link #step(String, Runnable)} of a step that {@code replay} redoes on a fresh scenario, for the explorer's setup. */
    S step(String name, Runnable body, java.util.function.Consumer<Scenario> replay) {
        S s = run(name, body);
        state.replay.add(replay);
        return s;
    }

    private S run(String name, Runnable body) {
        if (state.failure != null) {
            throw Failures.unexpectedFailure(state, name);
        }
        int steps = state.steps;
        String last = state.lastStep;
        state.steps++;
        state.lastStep = name;
        try {
            body.run();
        } catch (ErrnoException | SignalException e) {
            state.failure = e;
            state.failedStep = name;
        } catch (IllegalArgumentException | IllegalStateException | NullPointerException | IndexOutOfBoundsException e) {
            state.steps = steps;
            state.lastStep = last;
            throw e;
        }
        return self();
    }

    Process requireProcess(String step) {
        if (state.current == null) {
            throw new IllegalStateException(step + " needs a process: start with process(\"A\")");
        }
        return requireAlive(state.current, step);
    }

    /**
     * A process a step runs in must be alive: one that exited or was killed has no memory to work on.
     * After an unasserted failure (the process may have been killed by it) the step reports that
     * failure instead.
     */
    Process requireAlive(Process p, String step) {
        if (state.failure != null) {
            return p;
        }
        if (p == null) {
            throw new IllegalStateException(step + " needs the child of a fork, and there is none: the fork() before it failed");
        }
        if (!p.isAlive()) {
            throw new IllegalStateException(step + " needs a live process, but \"" + p.name() + "\" " + (p.state() == Process.State.EXITED ? "has exited"
                    : "was killed by " + p.killedBy()) + "; switch to a live one with process(..), inParent() or inChild()");
        }
        return p;
    }

    /**
     * A buffer a step maps: the steps read and write it whole, through byte arrays, so it is at most
     * Integer.MAX_VALUE bytes.
     */
    static Size requireBufferSize(Size size, String step) {
        if (size.bytes() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(step + ": " + size + " is more than the 2 GiB - 1 a scenario's buffer or file can hold (its steps read and "
                    + "write it whole); map larger memory through then() and the handle layer");
        }
        return size;
    }

    Buffer requireBuffer(String step) {
        requireProcess(step);
        if (state.buffer == null) {
            throw new IllegalStateException(step + " needs a buffer: add malloc(pages(1)), mmapShared(..) or mmapFile(..) first");
        }
        return state.buffer;
    }

    ScenarioState.Registration requireRegistration(String step) {
        if (state.registration == null) {
            throw new IllegalStateException(step + " needs a device holding the buffer: add pin(rdma), pin(vfio), gup(..) or registerBuffer() first");
        }
        return state.registration;
    }

    io.pinsim.runtime.Inode requireFile(String step) {
        if (state.file == null) {
            throw new IllegalStateException(step + " needs a file: add file(\"data\").on(ext4) first");
        }
        return state.file;
    }

    OpenFile openFile(Process p, boolean direct) {
        io.pinsim.runtime.Inode f = requireFile(direct ? "O_DIRECT" : "file I/O");
        var map = direct ? state.directFiles : state.openFiles;
        return map.computeIfAbsent(p, x -> x.open(f, OpenFlags.RDWR | (direct ? OpenFlags.DIRECT : 0)));
    }

    void checkNoFailure(String assertion) {
        if (state.failure != null) {
            throw Failures.unexpectedFailure(state, assertion + "(..)");
        }
    }
}
