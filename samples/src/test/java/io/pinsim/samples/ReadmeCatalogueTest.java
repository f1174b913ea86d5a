package io.pinsim.samples;

import static org.assertj.core.api.Assertions.assertThat;

import io.pinsim.runtime.model.KernelModel;
import java.io.IOException;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * README.md's catalogue table is generated from the samples' own annotations ({@link Sample},
 * {@code @KnownBug}, {@code @ModelVariant}); this test keeps the two in sync and checks that every
 * sample is well-formed.
 */
class ReadmeCatalogueTest {

    static String table() {
        List<KernelModel> models = KernelModel.all();
        StringBuilder sb = new StringBuilder("| sample | what |");
        for (KernelModel m : models) {
            sb.append(' ').append(m.name()).append(" |");
        }
        sb.append(" variants |\n|---|---|").append("---|".repeat(models.size())).append("---|\n");
        for (Class<?> c : Catalogue.sampleClasses()) {
            Sample s = c.getAnnotation(Sample.class);
            sb.append("| `").append(s.id()).append("` | ").append(s.title()).append(" |");
            for (KernelModel m : models) {
                sb.append(' ').append(Catalogue.expected(c, m.name()).cell).append(" |");
            }
            List<String> vs = new ArrayList<>();
            for (String v : Catalogue.variants(c)) {
                vs.add(v + ": " + Catalogue.expected(c, v).cell);
            }
            sb.append(' ').append(vs.isEmpty() ? "—" : String.join(", ", vs)).append(" |\n");
        }
        return sb.toString();
    }

    @Test
    void readmeShowsTheCatalogueAsTheSamplesDeclareIt() throws IOException {
        String text = Files.readString(Path.of("..", "README.md"), StandardCharsets.UTF_8);
        assertThat(text).as("README.md must contain this table, generated from the samples' annotations:%n%s", table()).contains(table());
    }

    @Test
    void everySampleClassIsAnnotatedAndHasAUniqueId() throws IOException {
        List<Class<?>> samples = Catalogue.sampleClasses();
        Set<String> ids = new HashSet<>();
        for (Class<?> c : samples) {
            Sample s = c.getAnnotation(Sample.class);
            assertThat(ids.add(s.id())).as("duplicate sample id %s", s.id()).isTrue();
            assertThat(s.id()).as("id of %s", c.getSimpleName()).matches("[a-z0-9]+(-[a-z0-9]+)*");
            assertThat(s.title()).as("title of %s", s.id()).isNotBlank();
            assertThat(s.source()).as("source of %s", s.id()).isNotBlank();
            assertThat(s.story()).as("story of %s", s.id()).isNotBlank();
            assertThat(Modifier.isPublic(c.getModifiers())).as("%s need not be public", c.getSimpleName()).isFalse();
            Catalogue.sampleMethod(c);
        }
        // every *Sample class in the package is in the catalogue: none forgot @Sample
        try (var files = Files.list(Path.of("src", "test", "java", "io", "pinsim", "samples"))) {
            List<String> sources = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith("Sample.java") && !n.equals("Sample.java")).sorted().toList();
            assertThat(samples).extracting(c -> c.getSimpleName() + ".java").containsExactlyInAnyOrderElementsOf(sources);
        }
    }
}
