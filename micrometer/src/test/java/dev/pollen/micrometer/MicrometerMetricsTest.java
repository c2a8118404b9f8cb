package dev.pollen.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.PollenException;
import dev.pollen.catalog.ArtifactKind;
import dev.pollen.catalog.PublishRequest;
import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.onnx.ScoringContext;
import dev.pollen.runtime.ModelLease;
import dev.pollen.runtime.PollenRuntime;
import dev.pollen.testing.TestModels;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MicrometerMetricsTest {
    @TempDir
    Path dir;

    @Test
    void shouldRecordLatencyGaugesAndErrorsIntoTheApplicationsRegistry() {
        FileSystemCatalog catalog = FileSystemCatalog.open(dir.resolve("c"), PollenRuntime.validators());
        catalog.publish(PublishRequest.builder("demo", "m", ArtifactKind.MODEL).owner("t")
                .signature(TestModels.logisticSignature(8))
                .payload(TestModels.write(dir, "m.onnx", TestModels.logistic(8, 1))).build());
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (PollenRuntime runtime = PollenRuntime.builder(catalog).metrics(MicrometerMetrics.of(registry)).build();
             ModelLease lease = runtime.model("demo/m@1")) {
            ScoringContext ctx = lease.newContext(4);
            for (int i = 0; i < 5; i++) {
                ctx.run(4);
            }
            Timer timer = registry.get("pollen.score.latency").tags("domain", "demo", "artifact", "m", "version", "1")
                    .timer();
            assertEquals(5, timer.count());
            assertTrue(timer.totalTime(java.util.concurrent.TimeUnit.NANOSECONDS) > 0);
            assertEquals(1.0, registry.get("pollen.models.loaded").gauge().value());
            assertEquals((double) lease.manifest().sizeBytes(),
                    registry.get("pollen.artifacts.loaded.bytes").gauge().value());
            String text = registry.scrape();
            assertTrue(text.contains("pollen_score_latency_seconds_bucket{artifact=\"m\",domain=\"demo\""), text);
            assertTrue(text.contains("pollen_models_loaded 1"), text);
        }
        PrometheusMeterRegistry second = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (PollenRuntime runtime = PollenRuntime.builder(catalog).metrics(MicrometerMetrics.of(second)).build()) {
            java.nio.file.Path payload = catalog.payload(new dev.pollen.catalog.ArtifactId("demo", "m", 1));
            payload.toFile().setWritable(true);
            java.nio.file.Files.write(payload, new byte[] {0}, java.nio.file.StandardOpenOption.APPEND);
            assertThrows(PollenException.class, () -> runtime.model("demo/m@1"));
            assertEquals(1.0, second.get("pollen.load.errors").tag("category", "checksum_mismatch").counter().count());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
