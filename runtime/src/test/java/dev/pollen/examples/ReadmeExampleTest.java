package dev.pollen.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.catalog.ArtifactKind;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.PublishRequest;
import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.testing.TestModels;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
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
        FileSystemCatalog catalog = FileSystemCatalog.open(catalogDir);
        Manifest m = catalog.publish(PublishRequest.builder("demo", "mlp-scorer", ArtifactKind.MODEL).owner("t")
                .signature(TestModels.logisticSignature(32))
                .payload(TestModels.write(dir, "m.onnx", TestModels.logistic(32, 5))).build());
        catalog.setAlias(m.id(), "prod");
        float[] features = new float[32];
        Arrays.fill(features, 0.25f);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        float score = EmbeddedScoringExample.score(catalogDir, registry, features);
        assertEquals(TestModels.expectedLogistic(32, 5, features), score, 1e-5);
        assertEquals(1, registry.get("pollen.score.latency").timer().count());
    }

    @Test
    void theReadmeShowsTheExampleVerbatim() throws Exception {
        String source = Files.readString(Path.of("src/test/java/dev/pollen/examples/EmbeddedScoringExample.java"));
        String region = source.substring(source.indexOf("// README-BEGIN\n") + 16, source.indexOf("        // README-END"));
        String dedented = region.lines().map(l -> l.length() >= 8 ? l.substring(8) : l.strip())
                .collect(Collectors.joining("\n"));
        String readme = Files.readString(Path.of("../README.md"));
        assertTrue(readme.contains(dedented), "README.md must contain the example exactly as compiled:\n" + dedented);
    }
}
