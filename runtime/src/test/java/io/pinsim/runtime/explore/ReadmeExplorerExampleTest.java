package io.pinsim.runtime.explore;

import static org.assertj.core.api.Assertions.assertThat;

import io.pinsim.runtime.Foll;
import io.pinsim.runtime.GupFast;
import io.pinsim.runtime.Kernel;
import io.pinsim.runtime.MapFlags;
import io.pinsim.runtime.Process;
import io.pinsim.runtime.Prot;
import io.pinsim.runtime.Task;
import io.pinsim.runtime.model.GupFastVsFork;
import io.pinsim.runtime.model.KernelModel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** README.md's "Exploring interleavings" example runs as written and prints what the README shows. */
class ReadmeExplorerExampleTest {

    /** What the setup builds; the pin stores its operation. */
    static class Race {
        Process a;
        Task t2;
        long buf;
        GupFast pin;

        Race(Kernel k) {
            a = k.spawn("A");
            buf = a.mmap(4096, Prot.READ | Prot.WRITE, MapFlags.PRIVATE | MapFlags.ANONYMOUS);
            a.fill(buf, 4096, (byte) 'A');
            t2 = a.spawnThread("T2");
        }
    }

    @Test
    void theReadmeExampleFindsTheRaceAndPrintsWhatTheReadmeShows() throws IOException {
        KernelModel linux59 = KernelModel.LINUX_5_10.with(GupFastVsFork.UNSERIALIZED);   // 5.9 / 5.10.0
        Explorer<Race> explorer = Explorer.on(Kernel.builder().model(linux59), Race::new)
                .thread("fork", Op.steps("fork()", r -> r.a.mainThread().forkSteps("B")))
                .thread("pin", Op.steps("pin_user_pages_fast()",
                        r -> r.pin = r.t2.pinUserPagesFastSteps(r.buf, 1, Foll.WRITE | Foll.LONGTERM, "rdma0 MR#1")))
                .check("the pin follows the parent", (k, r) -> {
                    r.a.fill(r.buf, 4096, (byte) 'P');                     // the parent writes after the fork
                    if (!r.pin.result().isCoherent(0)) {
                        throw new AssertionError("the parent's write moved the page away from the pin");
                    }
                });
        Report report = explorer.explore(Search.preemptionBounded(2));   // or Search.pct(depth, runs)
        ScheduleRun again = explorer.replay("T1*3,T2*3,T1*4");           // the same run, byte for byte

        String readme = Files.readString(Path.of("..", "README.md"), StandardCharsets.UTF_8);
        int section = readme.indexOf("## Exploring interleavings");
        assertThat(section).as("README.md has an \"Exploring interleavings\" section").isNotNegative();
        int start = readme.indexOf("```text\n", section) + "```text\n".length();
        String shown = readme.substring(start, readme.indexOf("```", start));
        String printed = report.render();
        for (String line : shown.split("\n")) {
            if (!line.equals("...")) {
                assertThat(printed).as("the README shows this line of the report; it now prints:%n%s", printed).contains(line.stripTrailing());
            }
        }
        assertThat(again.render()).isEqualTo(report.smallestFailure().orElseThrow().render());
    }
}
