package io.pinsim.dsl;

import io.pinsim.runtime.FsKind;
import io.pinsim.runtime.Process;
import java.util.Objects;

/**
 * The steps on the scenario's file: declaring it on a filesystem, ftruncate(), hole punching,
 * writeback and fsync().
 *
 * @param <S> the scenario's own type, so steps keep the state-specific ones in reach
 */
abstract class FileSteps<S extends ScenarioSteps<S>> extends ProcessSteps<S> {
    FileSteps(ScenarioState state) {
        super(state);
    }

    /** Declares the scenario's file: complete with {@code .on(ext4)}; its content is {@code 'F'} x {@code size}. */
    @CheckReturnValue
    public FileDecl<S> file(String name) {
        return file(name, Pinsim.pages(1));
    }

    /** Declares the scenario's file with a size. */
    @CheckReturnValue
    public FileDecl<S> file(String name, Size size) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(size, "size");
        requireBufferSize(size, "file(\"" + name + "\", " + size + ")");
        if (name.indexOf('/') >= 0) {
            // checked before .on(..) mounts the filesystem, as Filesystem.create() would refuse it after
            throw new IllegalArgumentException("file name \"" + name + "\" contains '/': the model's filesystems have no directories; use a name without '/'");
        }
        return new FileDecl<>(self(), name, size);
    }

    S createFile(String name, Size size, FsKind kind) {
        return step("file(\"" + name + "\").on(" + kind + ")", () -> {
            byte[] content = new byte[(int) size.bytes()];
            java.util.Arrays.fill(content, (byte) 'F');
            state.file = state.kernel.mount(kind).create(name, content);
        });
    }

    /** ftruncate(file, 0) by the current process. */
    @CheckReturnValue
    public S truncate() {
        return truncate(0);
    }

    /** ftruncate(file, size) by the current process. */
    @CheckReturnValue
    public S truncate(long size) {
        Process p = requireProcess("truncate()");
        requireFile("truncate()");
        return step("truncate(" + size + ")", () -> openFile(p, false).ftruncate(size));
    }

    /** fallocate(PUNCH_HOLE) over the whole file by the current process. */
    @CheckReturnValue
    public S punchHole() {
        Process p = requireProcess("punchHole()");
        io.pinsim.runtime.Inode f = requireFile("punchHole()");
        return step("punchHole()", () -> openFile(p, false).punchHole(0, Math.max(1, f.size())));
    }

    /** The flusher writes the file's dirty pages back. */
    @CheckReturnValue
    public S writeback() {
        Process p = requireProcess("writeback()");
        requireFile("writeback()");
        return step("writeback()", () -> openFile(p, false).writeback());
    }

    /** fsync() of the file by the current process. */
    @CheckReturnValue
    public S fsync() {
        Process p = requireProcess("fsync()");
        requireFile("fsync()");
        return step("fsync()", () -> openFile(p, false).fsync());
    }
}
