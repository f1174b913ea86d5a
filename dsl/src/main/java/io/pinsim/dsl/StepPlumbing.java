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

    /** Runs a step: refuses to go on after an unasserted failure, records an errno or a signal. */
    S step(String name, Runnable body) {
        if (state.failure != null) {
            throw Failures.unexpectedFailure(state, name);
        }
        state.steps++;
        state.lastStep = name;
        try {
            body.run();
        } catch (ErrnoException | SignalException e) {
            state.failure = e;
            state.failedStep = name;
        }
        return self();
    }

    Process requireProcess(String step) {
        if (state.current == null) {
            throw new IllegalStateException(step + " needs a process: start with process(\"A\")");
        }
        return state.current;
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
