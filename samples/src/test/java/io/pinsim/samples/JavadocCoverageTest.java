package io.pinsim.samples;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.source.tree.ClassTree;
import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.MethodTree;
import com.sun.source.tree.ModifiersTree;
import com.sun.source.tree.Tree;
import com.sun.source.tree.VariableTree;
import com.sun.source.util.DocTrees;
import com.sun.source.util.JavacTask;
import com.sun.source.util.TreePath;
import com.sun.source.util.TreePathScanner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.lang.model.element.Modifier;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * Every public type and member of the deployed modules has a javadoc comment, and each of their
 * packages a package-info.java. The build's javadoc runs doclint without its "missing" group (in
 * JDK 17 that group also demands an {@code @param} and {@code @return} on every method); this test
 * is the part of it we keep. {@code io.pinsim.runtime.internal} is not API and not checked.
 */
class JavadocCoverageTest {
    private static final List<String> DEPLOYED = List.of("runtime", "devices", "dsl", "junit-extension");

    @Test
    void everyPublicTypeAndMemberOfTheDeployedModulesHasJavadoc() throws IOException {
        Path root = Path.of("").toAbsolutePath().getParent();
        List<Path> sources = new ArrayList<>();
        for (String module : DEPLOYED) {
            try (Stream<Path> files = Files.walk(root.resolve(module).resolve("src/main/java"))) {
                files.filter(p -> p.toString().endsWith(".java") && !p.toString().contains("/internal/")).forEach(sources::add);
            }
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        List<String> missing = new ArrayList<>();
        try (StandardJavaFileManager fm = javac.getStandardFileManager(null, null, null)) {
            JavacTask task = (JavacTask) javac.getTask(null, fm, null, List.of("-proc:none"), null, fm.getJavaFileObjectsFromPaths(sources));
            DocTrees docs = DocTrees.instance(task);
            for (CompilationUnitTree unit : task.parse()) {
                String file = root.relativize(Path.of(unit.getSourceFile().toUri())).toString();
                if (unit.getSourceFile().isNameCompatible("package-info", JavaFileObject.Kind.SOURCE)) {
                    if (docs.getDocCommentTree(new TreePath(unit)) == null && docs.getDocCommentTree(TreePath.getPath(unit, unit.getPackage())) == null) {
                        missing.add(file + ": the package");
                    }
                    continue;
                }
                new TreePathScanner<Void, Boolean>() {
                    @Override
                    public Void visitClass(ClassTree node, Boolean inInterface) {
                        check(node.getModifiers(), inInterface, "type " + node.getSimpleName());
                        Tree.Kind k = node.getKind();
                        boolean exposed = isExposed(node.getModifiers(), inInterface);
                        return exposed ? super.visitClass(node, k == Tree.Kind.INTERFACE || k == Tree.Kind.ANNOTATION_TYPE) : null;
                    }

                    @Override
                    public Void visitMethod(MethodTree node, Boolean inInterface) {
                        boolean generated = docs.getDocCommentTree(getCurrentPath()) == null && node.getName().contentEquals("<init>")
                                && node.getParameters().isEmpty() && node.getBody() != null && node.getBody().getStatements().size() <= 1
                                && getCurrentPath().getParentPath().getLeaf().getKind() == Tree.Kind.ENUM;
                        boolean inherits = node.getModifiers().getAnnotations().stream().anyMatch(a -> a.getAnnotationType().toString().equals("Override"));
                        if (!generated && !inherits) {
                            check(node.getModifiers(), inInterface, "method " + node.getName());
                        }
                        return null;
                    }

                    @Override
                    public Void visitVariable(VariableTree node, Boolean inInterface) {
                        Tree parent = getCurrentPath().getParentPath().getLeaf();
                        boolean enumConstant = parent.getKind() == Tree.Kind.ENUM && node.getModifiers().getFlags().isEmpty();
                        if (parent instanceof ClassTree && (enumConstant || isExposed(node.getModifiers(), inInterface))) {
                            check(node.getModifiers(), true, "field " + node.getName());
                        }
                        return null;
                    }

                    private void check(ModifiersTree mods, boolean inInterface, String what) {
                        if (isExposed(mods, inInterface) && docs.getDocCommentTree(getCurrentPath()) == null) {
                            missing.add(file + ":" + unit.getLineMap().getLineNumber(docs.getSourcePositions().getStartPosition(unit, getCurrentPath().getLeaf()))
                                    + ": " + what);
                        }
                    }
                }.scan(unit, false);
            }
        }
        for (String module : DEPLOYED) {
            try (Stream<Path> dirs = Files.walk(root.resolve(module).resolve("src/main/java"))) {
                dirs.filter(Files::isDirectory).filter(JavadocCoverageTest::hasJavaFiles).filter(d -> !Files.exists(d.resolve("package-info.java")))
                        .forEach(d -> missing.add(root.relativize(d) + ": no package-info.java"));
            }
        }
        assertThat(missing).as("public types and members without javadoc (write one sentence that says what it is or does)").isEmpty();
    }

    private static boolean isExposed(ModifiersTree mods, boolean inInterface) {
        return mods.getFlags().contains(Modifier.PUBLIC) || mods.getFlags().contains(Modifier.PROTECTED)
                || inInterface && !mods.getFlags().contains(Modifier.PRIVATE);
    }

    private static boolean hasJavaFiles(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.anyMatch(p -> p.toString().endsWith(".java") && !p.getFileName().toString().equals("package-info.java"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
