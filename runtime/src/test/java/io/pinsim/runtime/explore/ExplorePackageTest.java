package io.pinsim.runtime.explore;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The explorer is public API: like io.pinsim.runtime it reaches the model through the API only, never its implementation. */
class ExplorePackageTest {
    @Test
    void theExplorerUsesThePublicApiOnly() throws IOException {
        Path dir = Path.of("src/main/java/io/pinsim/runtime/explore");
        List<String> offenders;
        try (Stream<Path> files = Files.list(dir)) {
            offenders = files.filter(p -> p.toString().endsWith(".java")).filter(p -> read(p).contains("io.pinsim.runtime.internal")).map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertThat(dir).isDirectory();
        assertThat(offenders).as("explore sources that mention io.pinsim.runtime.internal").isEmpty();
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
