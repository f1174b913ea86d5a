package io.pinsim.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The catalogue runner: what the README's catalogue command does, run in-process. */
class CatalogueTest {

    @Test
    void everyCellMatchesItsDeclarationAndTheReportsAreWritten(@TempDir Path dir) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int unexpected = new Catalogue(dir).run(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);

        assertThat(unexpected).as("unexpected cells; the runner printed:%n%s", out).isZero();
        int samples = Catalogue.sampleClasses().size();
        assertThat(out).contains(samples + " samples: ").contains(" 0 unexpected");
        // one row per sample, in id order, with the expected cell on every model
        for (Class<?> c : Catalogue.sampleClasses()) {
            String id = c.getAnnotation(Sample.class).id();
            assertThat(out).containsPattern("(?m)^" + id.replace("-", "\\-") + " +(ok|bug)");
        }
        String json = Files.readString(dir.resolve("catalogue.json"), StandardCharsets.UTF_8);
        assertThat(json).contains("\"models\": [\"LINUX_4_19\", \"LINUX_5_8\", \"LINUX_5_10\", \"LINUX_6_1\", \"LINUX_6_6\"]")
                .contains("\"variants\": [\"5.9\", \"5.9-rc1\"]")
                .contains("{\"id\": \"odirect-read-fork\", \"title\": ")
                .contains("\"results\": {\"LINUX_4_19\": \"BUG_REPRODUCED\", \"LINUX_5_8\": \"BUG_REPRODUCED\", \"LINUX_5_10\": \"OK\", "
                        + "\"LINUX_6_1\": \"OK\", \"LINUX_6_6\": \"OK\", \"5.9\": \"BUG_REPRODUCED\"}")
                .doesNotContain("UNEXPECTED");
        String html = Files.readString(dir.resolve("index.html"), StandardCharsets.UTF_8);
        assertThat(html).contains("<h2 id=\"vmsplice-child-leak\">");
        // a reproduced bug's files say so (and are not overwritten as a pass)
        assertThat(Files.readString(dir.resolve("runs").resolve("RdmaMrForkParentWritesSample.parentSeesTheNicsData[LINUX_5_8]").resolve("trace.txt")))
                .contains("the documented bug reproduced").doesNotContain("\npassed\n");
        try (var runs = Files.list(dir.resolve("runs"))) {
            // every run of every sample on every model and variant left its trace and timeline
            long expectedRuns = Catalogue.sampleClasses().stream().mapToLong(c -> io.pinsim.runtime.model.KernelModel.all().size() + Catalogue.variants(c).size()).sum();
            assertThat(runs.filter(p -> Files.exists(p.resolve("timeline.html")) && Files.exists(p.resolve("trace.txt"))).count())
                    .isEqualTo(expectedRuns);
        }
    }
}
