package io.pinsim.samples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pinsim.dsl.BugKind;
import io.pinsim.dsl.PinsimAssertionError;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java code in README.md is the code that runs: every {@code ```java} block of README.md
 * itself (not a copy) is compiled with {@link JavaCompiler} against the test classpath, as the body
 * of a method (its {@code import} lines as the class's imports), and run. An HTML comment on the
 * line before a block changes what happens to it:
 * <ul>
 *   <li>{@code <!-- fragment -->}: it is not a complete statement list (declarations with
 *       {@code ...}, an annotation alone) and is not compiled;</li>
 *   <li>{@code <!-- fails with KIND -->}: running it must throw a {@link PinsimAssertionError} of
 *       that {@link BugKind}; with {@code , as shown below} its message must be the next plain
 *       {@code ```} block of the README;</li>
 *   <li>{@code <!-- given: ... -->}: Java (imports and statements, on the lines after the one
 *       that says {@code given:}) that runs first, for the variables the block assumes.</li>
 * </ul>
 * An HTML comment on the line after a block, {@code <!-- check: ... -->}, is Java (on the lines
 * after the one that says {@code check:} and what it checks) that runs after it: the checks that
 * hold the README's comments to their word.
 */
class ReadmeCodeTest {
    private static final Path README = Path.of("..", "README.md");

    /** One {@code ```java} block: its first line in README.md, the comments around it, its code, and the plain block after it. */
    record Block(int line, String before, String code, String after, String shownBelow) {
        boolean isFragment() {
            return before.equals("fragment");
        }

        String failsWith() {
            return before.startsWith("fails with ") ? before.substring("fails with ".length()).replace(", as shown below", "").trim() : null;
        }

        String given() {
            return code("given:", before);
        }

        String check() {
            return code("check:", after);
        }

        /** The Java of a given: or check: comment: its lines after the first (which may say what it is for). */
        private static String code(String marker, String comment) {
            int newline = comment.indexOf('\n');
            return comment.startsWith(marker) && newline > 0 ? comment.substring(newline + 1) : "";
        }

        String name() {
            return "README.md line " + line + (failsWith() != null ? ": fails with " + failsWith() : ": runs");
        }
    }

    static List<Block> javaBlocks() throws IOException {
        List<String> lines = Files.readAllLines(README, StandardCharsets.UTF_8);
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).strip().equals("```java")) {
                continue;
            }
            int end = i + 1;
            while (!lines.get(end).strip().equals("```")) {
                end++;
            }
            String before = commentEndingAt(lines, i - 1);
            String after = end + 1 < lines.size() && lines.get(end + 1).strip().startsWith("<!--") ? commentStartingAt(lines, end + 1) : "";
            String shown = null;
            if (before.endsWith(", as shown below")) {
                int open = end + 1;
                while (!lines.get(open).strip().equals("```")) {
                    open++;
                }
                int close = open + 1;
                while (!lines.get(close).strip().equals("```")) {
                    close++;
                }
                shown = String.join("\n", lines.subList(open + 1, close));
            }
            blocks.add(new Block(i + 1, before, String.join("\n", lines.subList(i + 1, end)), after, shown));
            i = end;
        }
        return blocks;
    }

    /** The text of the HTML comment that ends on this line, or "" if it does not end one. */
    private static String commentEndingAt(List<String> lines, int last) {
        if (last < 0 || !lines.get(last).strip().endsWith("-->")) {
            return "";
        }
        int first = last;
        while (!lines.get(first).contains("<!--")) {
            first--;
        }
        return comment(lines.subList(first, last + 1));
    }

    private static String commentStartingAt(List<String> lines, int first) {
        int last = first;
        while (!lines.get(last).contains("-->")) {
            last++;
        }
        return comment(lines.subList(first, last + 1));
    }

    private static String comment(List<String> lines) {
        String text = String.join("\n", lines).strip();
        return text.substring("<!--".length(), text.length() - "-->".length()).strip();
    }

    /** The block as a class: its imports (and the given's) on top, everything else the body of {@code run()}. */
    static String source(String className, Block b) {
        List<String> imports = new ArrayList<>();
        List<String> body = new ArrayList<>();
        for (String part : List.of(b.given(), b.code(), b.check())) {
            for (String line : part.split("\n", -1)) {
                (line.strip().startsWith("import ") ? imports : body).add(line);
            }
        }
        return "package readme;\n" + String.join("\n", imports) + "\n\npublic final class " + className + " {\n"
                + "    public static void run() throws Throwable {\n" + String.join("\n", body) + "\n    }\n}\n";
    }

    /** Each block that is not a fragment: compiled (all at once), then run as its own test. */
    @TestFactory
    Stream<DynamicTest> everyJavaBlockOfTheReadmeCompilesAndRuns(@TempDir Path dir) throws IOException {
        List<Block> runnable = javaBlocks().stream().filter(b -> !b.isFragment()).toList();
        List<Path> sources = new ArrayList<>();
        for (int n = 0; n < runnable.size(); n++) {
            Path src = dir.resolve("src").resolve("readme").resolve("ReadmeBlock" + n + ".java");
            Files.createDirectories(src.getParent());
            Files.writeString(src, source("ReadmeBlock" + n, runnable.get(n)), StandardCharsets.UTF_8);
            sources.add(src);
        }
        Path classes = Files.createDirectories(dir.resolve("classes"));
        compile(sources, classes, runnable);
        URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()}, ReadmeCodeTest.class.getClassLoader());
        List<DynamicTest> tests = new ArrayList<>();
        for (int n = 0; n < runnable.size(); n++) {
            Block b = runnable.get(n);
            String className = "readme.ReadmeBlock" + n;
            tests.add(DynamicTest.dynamicTest(b.name(), () -> run(loader.loadClass(className), b)));
        }
        return tests.stream();
    }

    private static void run(Class<?> block, Block b) throws Throwable {
        Throwable thrown = null;
        try {
            block.getMethod("run").invoke(null);
        } catch (InvocationTargetException e) {
            thrown = e.getCause();
        }
        if (b.failsWith() == null) {
            if (thrown != null) {
                throw thrown;
            }
            return;
        }
        BugKind kind = BugKind.valueOf(b.failsWith());
        assertThat(thrown).as("%s must fail with a %s assertion", b.name(), kind).isInstanceOfSatisfying(PinsimAssertionError.class,
                e -> assertThat(e.kind()).isEqualTo(kind));
        if (b.shownBelow() != null) {
            assertEquals(b.shownBelow().strip(), thrown.getMessage().strip(), b.name() + ": the failure the README shows below it");
        }
    }

    private static void compile(List<Path> sources, Path classes, List<Block> blocks) throws IOException {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertThat(javac).as("the tests run on a JDK").isNotNull();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        try (StandardJavaFileManager files = javac.getStandardFileManager(diagnostics, Locale.ROOT, StandardCharsets.UTF_8)) {
            List<String> options = List.of("-d", classes.toString(), "-classpath", String.join(java.io.File.pathSeparator, testClasspath()),
                    "-proc:none", "-Xlint:none");
            boolean ok = javac.getTask(null, files, diagnostics, options, null, files.getJavaFileObjectsFromPaths(sources)).call();
            if (!ok) {
                StringBuilder sb = new StringBuilder("README.md's Java does not compile:\n");
                diagnostics.getDiagnostics().forEach(d -> sb.append(d).append('\n'));
                for (int n = 0; n < sources.size(); n++) {
                    sb.append("\n--- ").append(blocks.get(n).name()).append(" as compiled:\n").append(Files.readString(sources.get(n)));
                }
                throw new AssertionError(sb.toString());
            }
        }
    }

    /** The test classpath: java.class.path, with the Class-Path of a manifest-only jar (surefire's) expanded. */
    static List<String> testClasspath() {
        Set<String> out = new LinkedHashSet<>();
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            out.add(entry);
            if (!entry.endsWith(".jar")) {
                continue;
            }
            try (JarFile jar = new JarFile(entry)) {
                Manifest m = jar.getManifest();
                String cp = m == null ? null : m.getMainAttributes().getValue("Class-Path");
                if (cp != null) {
                    for (String url : cp.trim().split("\\s+")) {
                        out.add(Path.of(new URL(Path.of(entry).toUri().toURL(), url).toURI()).toString());
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (URISyntaxException e) {
                throw new IllegalStateException(e);
            }
        }
        return new ArrayList<>(out);
    }

    /** Every block runs or says it is a fragment; how many of each there are is part of the test. */
    @Test
    void everyJavaBlockRunsOrIsMarkedAsAFragment(TestReporter reporter) throws IOException {
        List<Block> blocks = javaBlocks();
        for (Block b : blocks) {
            assertThat(b.before()).as("README.md line %d: the comment before a java block", b.line())
                    .matches("|fragment|fails with [A-Z_]+(, as shown below)?|given:(?s).*");
            assertThat(b.after()).as("README.md line %d: the comment after a java block", b.line()).matches("|check:(?s).*");
        }
        long run = blocks.stream().filter(b -> !b.isFragment()).count();
        long fragments = blocks.size() - run;
        reporter.publishEntry("README.md java blocks", run + " compiled and run, " + fragments + " fragments");
        assertThat(run).as("java blocks of README.md compiled and run (fragments: %d)", fragments).isEqualTo(14);
        assertThat(fragments).as("java blocks of README.md marked <!-- fragment -->").isEqualTo(4);
    }
}
