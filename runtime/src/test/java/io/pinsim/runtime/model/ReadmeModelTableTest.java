package io.pinsim.runtime.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** README.md's table of switches per model is the model itself: this test keeps them in sync. */
class ReadmeModelTableTest {

    static String table() {
        StringBuilder sb = new StringBuilder("| switch |");
        for (KernelModel m : KernelModel.all()) {
            sb.append(' ').append(m.name()).append(" |");
        }
        sb.append("\n|---|");
        sb.append("---|".repeat(KernelModel.all().size()));
        sb.append('\n');
        for (Class<? extends Switch> type : KernelModel.SWITCHES) {
            sb.append("| `").append(type.getSimpleName()).append("` |");
            for (KernelModel m : KernelModel.all()) {
                sb.append(' ').append(m.get(type).name()).append(" |");
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    @Test
    void readmeShowsEverySwitchOfEveryPredefinedModel() throws IOException {
        Path readme = Path.of("..", "README.md");
        String text = Files.readString(readme, StandardCharsets.UTF_8);
        assertThat(text).as("README.md must contain this table, generated from KernelModel:%n%s", table()).contains(table());
    }
}
