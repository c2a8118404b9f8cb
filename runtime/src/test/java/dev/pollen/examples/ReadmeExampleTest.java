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
import java.util.Arrays;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReadmeExampleTest {
    @TempDir
    Path dir;

    @Test
    void theReadmeEmbeddingExampleRunsAndScores() {
        Path catalogDir = dir.resolve("catalog");
        FileSystemCatalog catalog = FileSystemCatalog.open(catalogDir, PollenRuntime.validators());
        Manifest m = catalog.publish(PublishRequest.builder("demo", "mlp-scorer", ArtifactKind.MODEL).owner("t")
                .signature(TestModels.logisticSignature(32))
                .payload(TestModels.write(dir, "m.onnx", TestModels.logistic(32, 5))).build());
        catalog.setAlias(m.id(), "prod");
        float[] features = new float[32];
        Arrays.fill(features, 0.25f);
        float score = EmbeddedScoringExample.score(catalogDir, features);
        assertEquals(TestModels.expectedLogistic(32, 5, features), score, 1e-5);
    }

    @Test
    void theReadmeTableExampleGathersIntoTheRankerAndPicksTheBest() {
        Path catalogDir = dir.resolve("catalog");
        FileSystemCatalog catalog = FileSystemCatalog.open(catalogDir, PollenRuntime.validators());
        Manifest ranker = catalog.publish(PublishRequest.builder("personalization", "ranker", ArtifactKind.MODEL)
                .owner("t").signature(TestModels.logisticSignature(8))
                .payload(TestModels.write(dir, "r.onnx", TestModels.logistic(8, 9))).build());
        catalog.setAlias(ranker.id(), "prod");
        float[][] rows = new float[20][8];
        java.util.Random random = new java.util.Random(4);
        Path table = dir.resolve("t.table");
        try (EmbeddingTableWriter w = EmbeddingTableWriter.create(table, dir.resolve("t.idx"), 8, TableDType.FLOAT32,
                IdKind.STRING, "tests")) {
            for (int r = 0; r < rows.length; r++) {
                for (int i = 0; i < 8; i++) {
                    rows[r][i] = (float) random.nextGaussian();
                }
                w.append("t" + r, rows[r]);
            }
            w.finish();
        }
        Manifest content = catalog.publish(TableArtifacts.request("studio", "content-embeddings", table,
                dir.resolve("t.idx")).owner("t").build());
        catalog.setAlias(content.id(), "prod");
        String[] candidates = {"t3", "t7", "t11", "t19"};
        int expected = 0;
        for (int i = 1; i < candidates.length; i++) {
            int r = Integer.parseInt(candidates[i].substring(1));
            int b = Integer.parseInt(candidates[expected].substring(1));
            expected = TestModels.expectedLogistic(8, 9, rows[r]) > TestModels.expectedLogistic(8, 9, rows[b])
                    ? i : expected;
        }
        assertEquals(expected, EmbeddedTableExample.best(catalogDir, candidates));
    }

    @Test
    void theReadmeShowsTheExamplesVerbatim() throws Exception {
        assertReadmeShows("EmbeddedScoringExample.java");
        assertReadmeShows("EmbeddedTableExample.java");
    }

    private static void assertReadmeShows(String file) throws Exception {
        String source = Files.readString(Path.of("src/test/java/dev/pollen/examples/" + file));
        String region = source.substring(source.indexOf("// README-BEGIN\n") + 16, source.indexOf("        // README-END"));
        String dedented = region.lines().map(l -> l.length() >= 8 ? l.substring(8) : l.strip())
                .collect(Collectors.joining("\n"));
        String readme = Files.readString(Path.of("../README.md"));
        assertTrue(readme.contains(dedented), "README.md must contain the example exactly as compiled:\n" + dedented);
    }
}
