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

    /**
     * Creates the file on a new mount of this kind; its content is {@code 'F'} x its size.
     *
     * @throws IllegalArgumentException for {@link FsKind#HUGETLBFS}, which is not mountable: use
     *                                  {@code memfdHugetlb(size)}
     */
    @CheckReturnValue
    public S on(FsKind kind) {
        java.util.Objects.requireNonNull(kind, "kind");
        if (kind == FsKind.HUGETLBFS) {
            throw new IllegalArgumentException("file(\"" + name + "\").on(HUGETLBFS): hugetlbfs is not mountable in the model; use memfdHugetlb(size) for a hugetlbfs file");
        }
        return scenario.createFile(name, size, kind);
    }
}
