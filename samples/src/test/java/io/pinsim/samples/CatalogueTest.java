package io.pinsim.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
        // the second matrix, sample x proposal, in the samples' own terms; it never counts as unexpected
        assertThat(out).contains("proposals (PROPOSAL_TRUNCATE_WAITS_FOR_PIN, PROPOSAL_FORK_COPY_GUP_PAGES, PROPOSAL_FORK_REQUIRES_DONTFORK,"
                        + " PROPOSAL_NOTIFIER_MAY_FAIL, PROPOSAL_LAYOUT_LEASE, PROPOSAL_TRUNCATE_NOTIFY_THEN_DUMMY_PAGE): what each sample sees on each proposal model")
                // fs-DAX's wait applied to the page cache: the ftruncate of a pinned page blocks instead of orphaning it
                .containsPattern("(?m)^truncate-pinned-file-page +ftruncate blocks +data lost +data lost +data lost +data lost +data lost$")
                // copying GUPed pages at fork keeps O_DIRECT's data in the parent on 4.19, but not against the GUP-fast race;
                // requiring MADV_DONTFORK refuses the fork of a pinned page, but sees neither O_DIRECT's FOLL_GET nor a later pin
                .containsPattern("(?m)^odirect-read-fork +data lost +ok +data lost +data lost +data lost +data lost$")
                .containsPattern("(?m)^gup-fast-fork-race +ok +data lost +fork refused: EBUSY +data lost +data lost +ok$")
                .containsPattern("(?m)^vmsplice-child-leak +ok +leak to child +ok +leak to child +leak to child +ok$")
                .containsPattern("(?m)^rdma-mr-fork-parent-writes +ok +ok +fork refused: EBUSY +data lost +data lost +ok$")
                // an invalidation that may fail: the fork that the ODP driver cannot follow fails instead of leaking
                .containsPattern("(?m)^odp-invalidate-cannot-fail +leak to child +leak to child +leak to child +fork refused: EAGAIN +leak to child +leak to child$")
                // notify then dummy page: the file server's NIC is told, then reads its dummy page instead of the orphan
                .containsPattern("(?m)^ftruncate-vs-rdma-fileserver +ftruncate blocks +data corrupted +data corrupted +data corrupted +data corrupted +device redirected$")
                // an fs-DAX file the NIC may pin under an unbreakable layout lease: the truncate is refused instead
                .containsPattern("(?m)^dax-rdma-truncate-options +ok +ok +ok +ok +ftruncate refused: ETXTBSY +ok$");
        String proposals = Files.readString(dir.resolve("proposals.md"), StandardCharsets.UTF_8);
        assertThat(Files.readString(Path.of("..", "README.md"), StandardCharsets.UTF_8))
                .as("README.md's Proposals section must show the matrix the catalogue wrote:%n%s", proposals).contains(proposals);
        String json = Files.readString(dir.resolve("catalogue.json"), StandardCharsets.UTF_8);
        assertThat(json).contains("\"proposals\": [{\"name\": \"PROPOSAL_TRUNCATE_WAITS_FOR_PIN\", \"standsFor\": \"proposal, not merged: ")
                .contains("{\"value\": \"TruncatePinnedPage.PROPOSAL_WAIT_FOR_UNPIN\", \"source\": \"proposal: xfs_break_dax_layouts()")
                .contains("\"proposals\": {\"PROPOSAL_TRUNCATE_WAITS_FOR_PIN\": \"ftruncate blocks\", \"PROPOSAL_FORK_COPY_GUP_PAGES\": \"data lost\", "
                        + "\"PROPOSAL_FORK_REQUIRES_DONTFORK\": \"data lost\", \"PROPOSAL_NOTIFIER_MAY_FAIL\": \"data lost\", \"PROPOSAL_LAYOUT_LEASE\": \"data lost\", "
                        + "\"PROPOSAL_TRUNCATE_NOTIFY_THEN_DUMMY_PAGE\": \"data lost\"}}")
                .containsPattern("\"PROPOSAL_FORK_COPY_GUP_PAGES\": \\{\"trace\": \"runs/[^\"]+\\[PROPOSAL_FORK_COPY_GUP_PAGES\\]/trace.txt\"");
        // report metadata: the project version (filtered resource) and an ISO-8601 time
        assertThat(json).startsWith("{\n  \"version\": \"" + Catalogue.version() + "\",\n  \"generatedAt\": \"")
                .containsPattern("\"generatedAt\": \"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\"");
        assertThat(Catalogue.version()).matches("\\d+\\.\\d+\\.\\d+.*");
        assertThat(json).contains("\"models\": [\"LINUX_4_19\", \"LINUX_5_8\", \"LINUX_5_10\", \"LINUX_6_1\", \"LINUX_6_6\"]")
                // variants with their base model and the switches they apply
                .containsPattern("\"variants\": \\[\\{\"name\": \"5.9\", \"base\": \"LINUX_[0-9_]+\", \"with\": \\[\"[A-Za-z]+\\.[A-Z_0-9]+\"")
                .containsPattern("\\{\"name\": \"5.9-rc1\", \"base\": \"LINUX_[0-9_]+\", \"with\": \\[")
                .contains("{\"id\": \"odirect-read-fork\", \"title\": ")
                // each sample's reference (its @KnownBug's fix) and story
                .containsPattern("\"id\": \"odirect-read-fork\", [^\n]*\"reference\": \"[^\"]+\", \"story\": \"[^\"]+")
                // each run's files, relative to catalogue.json
                .contains("\"runs\": {\"LINUX_4_19\": {\"trace\": \"runs/io.pinsim.samples.OdirectReadForkSample.")
                .containsPattern("\"5.9\": \\{\"trace\": \"runs/[^\"]+\\[5.9\\]/trace.txt\", \"timeline\": \"runs/[^\"]+\\[5.9\\]/timeline.html\"}")
                .contains("\"results\": {\"LINUX_4_19\": \"BUG_REPRODUCED\", \"LINUX_5_8\": \"BUG_REPRODUCED\", \"LINUX_5_10\": \"OK\", "
                        + "\"LINUX_6_1\": \"OK\", \"LINUX_6_6\": \"OK\", \"5.9\": \"BUG_REPRODUCED\"}")
                // each reproduced bug as its failing assertion saw it: the kind and the because: line
                .contains("\"bugs\": {\"LINUX_4_19\": {\"kind\": \"LEAK_TO_CHILD\", \"because\": \"the pipe copies from the frames its buffers hold at read time: "
                        + "frame #1; at step 8 (\\\"A\\\", write fault) write fault at 0x7f0000000000: reused frame #1")
                .contains("\"5.9-rc1\": {\"kind\": \"DEVICE_DATA_LOST\", \"because\": \"at step 9 (parent, write fault) write fault at 0x7f0000000000: "
                        + "copied frame #1 to new frame #2: refcount 1025 > 1: PIN by rdma0 MR#256")
                .doesNotContain("UNEXPECTED");
        assertThat(json.split("\"kind\": ", -1)).as("one kind per reproduced bug").hasSize(1 + 73);
        // an explored sample's cells: the schedules explored and failed, and how, in the JSON and under its row
        assertThat(json).containsPattern("\"id\": \"odp-fault-skips-read-retry\", [^\n]*\"explored\": \\{\"LINUX_4_19\": \\{\"schedules\": [1-9][0-9]*, "
                        + "\"failed\": [1-9][0-9]*, \"search\": \"up to 3 preemptions\"}")
                .containsPattern("\"id\": \"odp-fault-vs-invalidate\", [^\n]*\"explored\": \\{\"LINUX_4_19\": \\{\"schedules\": [1-9][0-9]*, \"failed\": 0, ")
                .containsPattern("\"id\": \"gup-fast-fork-race\", [^\n]*\"explored\": \\{\"LINUX_4_19\": \\{\"schedules\": [1-9][0-9]*, \"failed\": [1-9]");
        assertThat(out).containsPattern("(?m)^odp-fault-skips-read-retry +bug +bug +bug +bug +bug\n  schedules +[1-9][0-9]* of [1-9][0-9]* failed +");
        String html = Files.readString(dir.resolve("index.html"), StandardCharsets.UTF_8);
        assertThat(html).containsPattern("<td class=\"BUG_REPRODUCED\" title=\"STALE_PIN: [^\"]*\"><a [^>]*>bug</a> <a [^>]*>txt</a><br><small>[1-9][0-9]* of [1-9][0-9]* failed \\(up to 3 preemptions\\)</small></td>");
        assertThat(html).contains("<h2 id=\"proposals\">").contains("<th>PROPOSAL_FORK_COPY_GUP_PAGES</th>")
                .containsPattern("<td class=\"PROPOSAL\"><a href=\"runs/[^\"]+PROPOSAL_TRUNCATE_WAITS_FOR_PIN[^\"]+/timeline.html\">ftruncate blocks</a>");
        assertThat(html).contains("<h2 id=\"vmsplice-child-leak\">").containsPattern("<a href=\"runs/[^\"]+/timeline.html\">bug</a> <a class=\"txt\" href=\"runs/[^\"]+/trace.txt\">").contains("<td class=\"BUG_REPRODUCED\" title=\"LEAK_TO_CHILD: the pipe copies");
        // a reproduced bug's files say so (and are not overwritten as a pass)
        assertThat(Files.readString(dir.resolve("runs").resolve("io.pinsim.samples.RdmaMrForkParentWritesSample.parentSeesTheNicsData[LINUX_5_8]").resolve("trace.txt")))
                .contains("the documented bug reproduced").doesNotContain("\npassed\n");
        // each timeline is titled with its sample and model, and links to its trace.txt
        assertThat(Files.readString(dir.resolve("runs").resolve("io.pinsim.samples.RdmaMrForkParentWritesSample.parentSeesTheNicsData[LINUX_5_8]").resolve("timeline.html")))
                .contains("<title>rdma-mr-fork-parent-writes: io.pinsim.samples.RdmaMrForkParentWritesSample#parentSeesTheNicsData [LINUX_5_8]</title>")
                .contains("<a href=\"trace.txt\">");
        try (var runs = Files.list(dir.resolve("runs"))) {
            // every run of every sample on every model and variant left its trace and timeline
            // ... and on every proposal model
            long expectedRuns = Catalogue.sampleClasses().stream().mapToLong(c -> io.pinsim.runtime.model.KernelModel.all().size() + Catalogue.variants(c).size()
                    + io.pinsim.runtime.model.KernelModel.proposals().size()).sum();
            assertThat(runs.filter(p -> Files.exists(p.resolve("timeline.html")) && Files.exists(p.resolve("trace.txt"))).count())
                    .isEqualTo(expectedRuns);
        }
    }

    /**
     * A sample that fails on a model its @KnownBug names, but not as declared (an assertion of
     * another kind, or a step that could not run), is an UNEXPECTED FAILURE cell: the runner counts
     * it, prints why, and the JSON records it, while the same samples' correct cells stay ok.
     */
    @Test
    void aSampleThatFailsOtherwiseThanDeclaredIsAnUnexpectedFailure(@TempDir Path dir) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int unexpected = new Catalogue(dir, List.of(CatalogueTestCases.WrongKind.class, CatalogueTestCases.StepCannotRun.class))
                .run(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);

        assertThat(unexpected).as(out).isEqualTo(3);
        assertThat(out).containsPattern("(?m)^step-cannot-run +UNEXPECTED FAILURE +ok +ok +ok +ok$")
                .containsPattern("(?m)^wrong-kind +UNEXPECTED FAILURE +ok +UNEXPECTED FAILURE +ok +ok$")
                .contains("UNEXPECTED FAILURE: wrong-kind on LINUX_5_10: Not the documented bug: @KnownBug(a wrong kind) expects DEVICE_DATA_LOST "
                        + "(a process or a file does not see the data a device wrote) on LINUX_5_10, but a STALE_PIN assertion failed")
                .contains("UNEXPECTED FAILURE: step-cannot-run on LINUX_4_19: Not the documented bug: @KnownBug(a step that cannot run) expects "
                        + "DATA_CORRUPTION (a process, a file or a pipe holds other data than was written there) on LINUX_4_19, but the test failed with "
                        + "StepFailedException, not with an assertion")
                .contains("2 samples: 7 ok, 0 bug reproduced, 3 unexpected");
        assertThat(Files.readString(dir.resolve("catalogue.json"), StandardCharsets.UTF_8))
                .containsPattern("\\{\"id\": \"step-cannot-run\", \"title\": \"a known bug that is a step that cannot run\", \"source\": \"CatalogueTest\", "
                        + "\"reference\": \"a step that cannot run\", \"story\": \"[^\"]*\", ")
                .contains("\"results\": {\"LINUX_4_19\": \"UNEXPECTED_FAILURE\", \"LINUX_5_8\": \"OK\", \"LINUX_5_10\": \"OK\", \"LINUX_6_1\": \"OK\", "
                        + "\"LINUX_6_6\": \"OK\"}, \"bugs\": {}, \"explored\": {}, \"runs\": {")
                .contains("\"results\": {\"LINUX_4_19\": \"UNEXPECTED_FAILURE\", \"LINUX_5_8\": \"OK\", \"LINUX_5_10\": \"UNEXPECTED_FAILURE\", "
                        + "\"LINUX_6_1\": \"OK\", \"LINUX_6_6\": \"OK\"}, \"bugs\": {}, \"explored\": {}, \"runs\": {");
        assertThat(Catalogue.sampleClasses()).as("the fixtures are not in the real catalogue")
                .doesNotContain(CatalogueTestCases.WrongKind.class, CatalogueTestCases.StepCannotRun.class);
    }
}
