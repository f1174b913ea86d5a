package io.pinsim.runtime.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** README.md's tables of switches per model and of their requirements are the model itself: this test keeps them in sync. */
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

    /** Every requirement of every switch value, as README.md's "Model coherence" lists them. */
    static String requirementsTable() {
        StringBuilder sb = new StringBuilder("| value | needs | because |\n|---|---|---|\n");
        for (Class<? extends Switch> type : KernelModel.SWITCHES) {
            for (Switch v : type.getEnumConstants()) {
                for (Requirement r : v.requires()) {
                    sb.append("| `").append(type.getSimpleName()).append('.').append(v.name()).append("` | ").append(r.state()).append(": ");
                    for (int i = 0; i < r.anyOf().size(); i++) {
                        sb.append(i == 0 ? "" : " or ").append('`').append(r.on().getSimpleName()).append('.').append(r.anyOf().get(i).name()).append('`');
                    }
                    sb.append(" | ").append(r.commit()).append(": ").append(r.why()).append(" |\n");
                }
            }
        }
        return sb.toString();
    }

    /** README.md's "Proposals" table: each proposal model, its proposal values, their thread and fate, and what they change. */
    static String proposalsTable() {
        StringBuilder sb = new StringBuilder("| proposal model | value | thread and fate | what it changes |\n|---|---|---|---|\n");
        for (KernelModel m : KernelModel.proposals()) {
            for (Switch v : m.switches()) {
                if (v.isProposal()) {
                    sb.append("| `").append(m.name()).append("` | `").append(KernelModel.label(v)).append("` | ").append(v.source()).append(" | ")
                            .append(v.behaviour()).append(" |\n");
                }
            }
        }
        return sb.toString();
    }

    @Test
    void readmeListsEveryProposalWithItsThreadAndFate() throws IOException {
        String text = Files.readString(Path.of("..", "README.md"), StandardCharsets.UTF_8);
        assertThat(text).as("README.md must contain this table, generated from KernelModel.proposals():%n%s", proposalsTable()).contains(proposalsTable());
    }

    @Test
    void readmeListsEveryRequirementOfEverySwitchValue() throws IOException {
        String text = Files.readString(Path.of("..", "README.md"), StandardCharsets.UTF_8);
        assertThat(text).as("README.md must contain this table, generated from the switches' requirements:%n%s", requirementsTable()).contains(requirementsTable());
    }

    @Test
    void readmesExampleRefusalIsTheOneWithGives() throws IOException {
        String text = Files.readString(Path.of("..", "README.md"), StandardCharsets.UTF_8);
        String message = org.assertj.core.api.Assertions.catchThrowable(() -> KernelModel.LINUX_5_10.with(ForkPinned.EARLY_COPY_ANON_EXCLUSIVE)).getMessage();
        assertThat(text).as("README.md's \"Model coherence\" example must be:%n%s", message).contains("```\n" + message + "\n```");
    }

    @Test
    void readmeShowsEverySwitchOfEveryPredefinedModel() throws IOException {
        Path readme = Path.of("..", "README.md");
        String text = Files.readString(readme, StandardCharsets.UTF_8);
        assertThat(text).as("README.md must contain this table, generated from KernelModel:%n%s", table()).contains(table());
    }
}
