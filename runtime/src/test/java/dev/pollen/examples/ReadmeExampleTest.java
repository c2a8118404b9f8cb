package dev.pollen.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.catalog.ArtifactKind;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.PublishRequest;
import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.embedding.EmbeddingTableWriter;
import dev.pollen.embedding.IdKind;
import dev.pollen.embedding.TableArtifacts;
import dev.pollen.embedding.TableDType;
import dev.pollen.runtime.PollenRuntime;
import dev.pollen.testing.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's embedding examples, run on stand-ins with the demo catalog's names and signatures (the cli's
 * {@code ReadmeServiceIT} runs them on the real demo catalog, in a project of their own), and shown verbatim.
 */
class ReadmeExampleTest {
    @TempDir
    Path dir;

    @Test
    void theReadmeScoringExampleScoresATransaction() {
        Path catalogDir = dir.resolve("catalog");
        FileSystemCatalog catalog = FileSystemCatalog.open(catalogDir, PollenRuntime.validators());
        Manifest m = catalog.publish(PublishRequest.builder("payments", "fraud-scorer", ArtifactKind.MODEL).owner("t")
                .signature(TestModels.logisticProbabilitySignature(30))
                .payload(TestModels.write(dir, "m.onnx", TestModels.logisticProbability(30, 5))).build());
        catalog.setAlias(m.id(), "prod");
        float[] features = new float[30];
        Arrays.fill(features, 0.25f);
        features[7] = -1;
        float probability = EmbeddedScoringExample.score(catalogDir, features);
        assertEquals(TestModels.expectedLogistic(30, 5, features), probability, 1e-5);
    }

    @Test
    void theReadmeTableExampleFindsTheTitlesMostLikeTheFirst() {
        Path catalogDir = dir.resolve("catalog");
        FileSystemCatalog catalog = FileSystemCatalog.open(catalogDir, PollenRuntime.validators());
        int n = 50;
        float[][] rows = new float[n][16];
        Random random = new Random(4);
        Path table = dir.resolve("t.table");
        try (EmbeddingTableWriter w = EmbeddingTableWriter.create(table, dir.resolve("t.idx"), 16, TableDType.FLOAT32,
                IdKind.STRING, "tests")) {
            for (int r = 0; r < n; r++) {
                for (int i = 0; i < 16; i++) {
                    rows[r][i] = (float) random.nextGaussian();
                }
                w.append(String.format("t%06d", r), rows[r]);
            }
            w.finish();
        }
        Manifest content = catalog.publish(TableArtifacts.request("studio", "content-embeddings", table,
                dir.resolve("t.idx")).owner("t").build());
        catalog.setAlias(content.id(), "prod");
        String[] titles = {"t000017", "t000003", "t000042"};
        List<String> expected = IntStream.range(0, n).filter(r -> r != 17).boxed()
                .sorted(Comparator.comparingDouble(r -> -cosine(rows[17], rows[r]))).limit(5)
                .map(r -> String.format("t%06d", r)).collect(Collectors.toList());
        assertEquals(expected, EmbeddedTableExample.moreLikeTheFirst(catalogDir, titles));
    }

    private static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    @Test
    void theReadmeShowsTheExamplesVerbatimWithTheirImports() throws Exception {
        assertReadmeShows("EmbeddedScoringExample.java");
        assertReadmeShows("EmbeddedTableExample.java");
    }

    /** The README's block: the file's imports, a blank line, then the region between the markers, dedented. */
    static String readmeBlock(String source) {
        List<String> imports = new ArrayList<>();
        for (String line : source.lines().toList()) {
            if (line.startsWith("import ")) {
                imports.add(line);
            }
        }
        String region = source.substring(source.indexOf("// README-BEGIN\n") + 16, source.indexOf("        // README-END"));
        String dedented = region.lines().map(l -> l.length() >= 8 ? l.substring(8) : l.strip())
                .collect(Collectors.joining("\n"));
        return String.join("\n", imports) + "\n\n" + dedented;
    }

    private static void assertReadmeShows(String file) throws Exception {
        String block = readmeBlock(Files.readString(Path.of("src/test/java/dev/pollen/examples/" + file)));
        String readme = Files.readString(Path.of("../README.md"));
        assertTrue(readme.contains(block), "README.md must contain the example exactly as compiled:\n" + block);
    }
}
