package dev.pollen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The runtime's packages are layered, and a package uses only its own layer and the layers below it: it never names
 * a type of a higher one, in an import, a static import or a fully qualified name in code. Comments and string
 * literals do not count, so Javadoc may point up (the catalog's interface names its file-system implementation).
 *
 * <p>Read from the source tree ({@code src/main/java}, Surefire's working directory being the module), so a
 * constant inlined by the compiler is caught too. The layers, lowest first, are {@link #LAYERS}; a new package fails
 * {@link #everyPackageHasExactlyOneLayer()} until it is placed. The same scan keeps each third-party library in its
 * one package ({@link #LIBRARIES}).
 */
class LayeringTest {
    /**
     * Lowest first. Packages in one layer may use each other ({@code embedding.source} reads into
     * {@code embedding}'s types).
     */
    static final List<List<String>> LAYERS = List.of(
            List.of("dev.pollen"),                                  // ErrorCategory, PollenException
            List.of("dev.pollen.internal"),                         // helpers, not API
            List.of("dev.pollen.catalog"),                          // refs, manifests, trust, the Catalog interface
            List.of("dev.pollen.catalog.fs"),                       // the directory-tree catalog; Jackson
            List.of("dev.pollen.metrics"),                          // the metrics SPI
            List.of("dev.pollen.onnx"),                             // scoring over ONNX Runtime
            List.of("dev.pollen.embedding", "dev.pollen.embedding.source"),  // tables, indexes, vector sources
            List.of("dev.pollen.runtime"));                         // leases; assembles the layers below

    /** Each third-party library (by its package prefix) and the one runtime package that may use it. */
    static final Map<String, String> LIBRARIES = Map.of(
            "ai.onnxruntime", "dev.pollen.onnx",
            "org.agrona", "dev.pollen.embedding",
            "com.fasterxml.jackson", "dev.pollen.catalog.fs");

    private static final Path SOURCES = Path.of("src", "main", "java");
    private static final Pattern PACKAGE = Pattern.compile("^\\s*package\\s+([\\w.]+)\\s*;", Pattern.MULTILINE);
    private static final Pattern POLLEN_NAME = Pattern.compile("\\bdev\\s*\\.\\s*pollen(?:\\s*\\.\\s*\\w+)*");

    @Test
    void lowerPackagesNeverUseHigherOnes() {
        Map<String, Integer> layerOf = layerOf();
        List<String> violations = new ArrayList<>();
        int references = 0;
        for (Source s : sources()) {
            int own = layerOf.getOrDefault(s.pkg, -1);
            for (Reference r : pollenReferences(s.code)) {
                references++;
                int used = layerOf.getOrDefault(r.pkg, Integer.MAX_VALUE);
                if (used > own) {
                    violations.add(s.file + ":" + r.line + ": " + s.pkg + " (layer " + own + ") must not use "
                            + r.pkg + (used == Integer.MAX_VALUE ? " (no layer: not a runtime package)"
                            : " (layer " + used + ")") + ": " + r.name);
                }
            }
        }
        assertTrue(references > 100, "the scan must see the runtime's imports (found " + references + ")");
        assertEquals(List.of(), violations, "a lower layer never uses a higher one; layers, lowest first: " + LAYERS);
    }

    @Test
    void everyPackageHasExactlyOneLayer() {
        List<String> placed = LAYERS.stream().flatMap(List::stream).toList();
        assertEquals(placed.size(), new TreeSet<>(placed).size(), "a package is in one layer only: " + LAYERS);
        TreeSet<String> present = new TreeSet<>();
        for (Source s : sources()) {
            present.add(s.pkg);
        }
        assertEquals(present, new TreeSet<>(placed), "every runtime package must be placed in LAYERS, and only those");
    }

    @Test
    void eachLibraryStaysInItsPackage() {
        List<String> violations = new ArrayList<>();
        for (Source s : sources()) {
            for (Map.Entry<String, String> lib : LIBRARIES.entrySet()) {
                Matcher m = Pattern.compile("\\b" + Pattern.quote(lib.getKey()) + "\\b").matcher(s.code);
                if (m.find() && !s.pkg.equals(lib.getValue())) {
                    violations.add(s.file + ":" + line(s.code, m.start()) + ": " + lib.getKey() + " is used only in "
                            + lib.getValue() + " (found in " + s.pkg + ")");
                }
            }
        }
        assertEquals(List.of(), violations);
    }

    @Test
    void shouldSeeNamesInCodeButNotInCommentsOrStrings() {
        Source x = parse(Path.of("X.java"), """
                package dev.pollen.catalog;
                import dev.pollen.ErrorCategory;
                import static dev.pollen.onnx.OnnxErrors.map;
                /** {@link dev.pollen.runtime.PollenRuntime} */
                class X { // dev.pollen.embedding.TableArtifacts
                    Object a = dev.pollen.catalog.fs.FileSystemCatalog.class;
                    String b = "dev.pollen.metrics.PollenMetrics \\" dev.pollen.metrics.X";
                    char c = '"';
                    String d = \"""
                        dev.pollen.embedding.source.Sources
                        \""";
                    Object e = dev . pollen . embedding . source . Sources.class;
                    Object f = dev.pollen.features.chronicle.JvmFlags.class;
                }
                """);
        assertEquals("dev.pollen.catalog", x.pkg);
        List<String> found = pollenReferences(x.code).stream().map(r -> r.line + " " + r.pkg).toList();
        assertEquals(List.of("2 dev.pollen", "3 dev.pollen.onnx", "6 dev.pollen.catalog.fs",
                "12 dev.pollen.embedding.source", "13 dev.pollen.features.chronicle"), found);
    }

    // ---------------------------------------------------------------------------------------------- the scan

    private record Source(Path file, String pkg, String code) {
    }

    private record Reference(int line, String name, String pkg) {
    }

    private static Map<String, Integer> layerOf() {
        Map<String, Integer> layerOf = new LinkedHashMap<>();
        for (int i = 0; i < LAYERS.size(); i++) {
            for (String p : LAYERS.get(i)) {
                layerOf.put(p, i);
            }
        }
        return layerOf;
    }

    private static List<Source> sources() {
        assertTrue(Files.isDirectory(SOURCES.resolve("dev/pollen")), "run from the runtime module: "
                + SOURCES.toAbsolutePath() + " must hold the main sources");
        try (Stream<Path> files = Files.walk(SOURCES)) {
            List<Source> out = new ArrayList<>();
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
                out.add(parse(SOURCES.relativize(f), Files.readString(f)));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return the file's package, and its code without comments, literals and the package declaration */
    private static Source parse(Path file, String text) {
        String code = codeOnly(text);
        Matcher m = PACKAGE.matcher(code);
        assertTrue(m.find(), file + " must declare its package");
        StringBuilder blanked = new StringBuilder(code);
        for (int i = m.start(); i < m.end(); i++) {
            if (blanked.charAt(i) != '\n') {
                blanked.setCharAt(i, ' ');
            }
        }
        return new Source(file, m.group(1), blanked.toString());
    }

    /**
     * @return every {@code dev.pollen...} name in the code, with its package: the segments before the first that
     *     starts with a capital (Java's naming convention), so {@code dev.pollen.onnx.OnnxErrors.map} is in
     *     {@code dev.pollen.onnx} and {@code dev.pollen.onnx.*} too
     */
    private static List<Reference> pollenReferences(String code) {
        List<Reference> out = new ArrayList<>();
        Matcher m = POLLEN_NAME.matcher(code);
        while (m.find()) {
            String name = m.group().replaceAll("\\s+", "");
            StringBuilder pkg = new StringBuilder("dev.pollen");
            String[] parts = name.split("\\.");
            for (int i = 2; i < parts.length && Character.isLowerCase(parts[i].charAt(0)); i++) {
                pkg.append('.').append(parts[i]);
            }
            out.add(new Reference(line(code, m.start()), name, pkg.toString()));
        }
        return out;
    }

    private static int line(String code, int offset) {
        int line = 1;
        for (int i = 0; i < offset; i++) {
            if (code.charAt(i) == '\n') {
                line++;
            }
        }
        return line;
    }

    /**
     * @return the source with comments, string and character literals and text blocks blanked (newlines kept, so
     *     line numbers stay)
     */
    static String codeOnly(String src) {
        StringBuilder out = new StringBuilder(src.length());
        int i = 0;
        int n = src.length();
        while (i < n) {
            char c = src.charAt(i);
            if (c == '/' && i + 1 < n && src.charAt(i + 1) == '/') {
                while (i < n && src.charAt(i) != '\n') {
                    out.append(' ');
                    i++;
                }
            } else if (c == '/' && i + 1 < n && src.charAt(i + 1) == '*') {
                int end = src.indexOf("*/", i + 2);
                end = end < 0 ? n : end + 2;
                blank(src, i, end, out);
                i = end;
            } else if (src.startsWith("\"\"\"", i)) {
                int end = i + 3;
                while (end < n && !src.startsWith("\"\"\"", end)) {
                    end += src.charAt(end) == '\\' ? 2 : 1;
                }
                end = Math.min(n, end + 3);
                blank(src, i, end, out);
                i = end;
            } else if (c == '"' || c == '\'') {
                int end = i + 1;
                while (end < n && src.charAt(end) != c && src.charAt(end) != '\n') {
                    end += src.charAt(end) == '\\' ? 2 : 1;
                }
                end = Math.min(n, end + 1);
                blank(src, i, end, out);
                i = end;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    private static void blank(String src, int from, int to, StringBuilder out) {
        for (int j = from; j < to; j++) {
            out.append(src.charAt(j) == '\n' ? '\n' : ' ');
        }
    }
}
