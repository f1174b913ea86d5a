package io.pinsim.dsl;

import io.pinsim.runtime.Inode;
import java.util.Arrays;
import org.assertj.core.api.AbstractAssert;

/** Assertions on a file ({@link Inode}); start with {@link PinsimAssertions#assertThatFile(Inode)}. */
public final class FileAssert extends AbstractAssert<FileAssert, Inode> {
    FileAssert(Inode actual) {
        super(actual, FileAssert.class);
    }

    /**
     * The file contains the data, as another reader would read it now (through the page cache). A
     * failure is a {@link BugKind#DEVICE_DATA_LOST} for a device's data ({@code dmaData(device, bytes)}),
     * else a {@link BugKind#DATA_CORRUPTION}.
     * <pre>{@code
     * assertThatFile(file).contains(fill('F'));                  // passes if every byte is 'F'
     * assertThatFile(file).contains(dmaData("mlx5_0", dma));     // fails after truncate orphaned the pinned page
     * }</pre>
     */
    public FileAssert contains(Data expected) {
        isNotNull();
        Data.Placed d = expected.place(null, actual.filesystem().kernel(), Math.max(1, actual.size()));
        byte[] seen = actual.read(d.offset(), d.bytes().length);
        if (!Arrays.equals(d.bytes(), seen)) {
            String because = describe(actual);
            throw Failures.failure(info, Failures.containsKind(d), Failures.shouldSee(who(actual), d, seen, because), because, d.description(), Data.describe(seen));
        }
        return myself;
    }

    /** How a failure message names a file: {@code file ext4:data (4096 bytes)}. */
    static String who(Inode f) {
        return "file " + f.filesystem().name() + ":" + f.name() + " (" + f.size() + " bytes)";
    }

    /** The because of a file that does not contain what was expected. */
    static String describe(Inode f) {
        return "the file has " + f.size() + " bytes and " + f.cachedPages() + " cached page(s)";
    }
}
