package io.pinsim.dsl;

import io.pinsim.runtime.FsKind;

/**
 * {@code file("data")} waiting for its filesystem: {@code .on(ext4)}, {@code .on(tmpfs)},
 * {@code .on(dax)}.
 *
 * @param <S> the scenario to continue
 */
@CheckReturnValue
public final class FileDecl<S extends ScenarioSteps<S>> {
    private final ScenarioSteps<S> scenario;
    private final String name;
    private final Size size;

    FileDecl(ScenarioSteps<S> scenario, String name, Size size) {
        this.scenario = scenario;
        this.name = name;
        this.size = size;
    }

    /** Creates the file on a new mount of this kind; its content is {@code 'F'} x its size. */
    @CheckReturnValue
    public S on(FsKind kind) {
        java.util.Objects.requireNonNull(kind, "kind");
        return scenario.createFile(name, size, kind);
    }
}
