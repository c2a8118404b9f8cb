package dev.pollen.benchmarks.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pollen.adapters.payments.FraudFeatures;
import dev.pollen.catalog.ArtifactKind;
import dev.pollen.catalog.ArtifactRef;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.PublishRequest;
import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.runtime.PollenRuntime;
import dev.pollen.testing.TestModels;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The load test itself, on a real catalog with a fraud-shaped model: the twin is published once, the alias moves
 * and is put back, both versions answer, nothing fails, and the JSON report says so.
 */
class LoadTestTest {
    @TempDir
    Path dir;

    @Test
    void aShortRunMovesTheAliasBetweenTwoVerifiedVersionsWithoutAFailedRequest() throws Exception {
        FileSystemCatalog catalog = FileSystemCatalog.open(dir.resolve("catalog"), PollenRuntime.validators());
        Manifest v1 = catalog.publish(PublishRequest.builder("payments", "fraud-scorer", ArtifactKind.MODEL)
                .owner("tests").signature(TestModels.fraudShapedSignature(FraudFeatures.COUNT))
                .property("threshold.review", "0.5").property("threshold.decline", "0.9")
                .payload(TestModels.write(dir, "f.onnx", TestModels.fraudShaped(FraudFeatures.COUNT, 5))).build());
        catalog.setAlias(v1.id(), "prod");
        LoadTest.Options options = new LoadTest.Options(Duration.ofSeconds(4), Duration.ofMillis(500),
                Duration.ofMillis(800), Duration.ofMillis(400), Map.of("payments", 300.0, "ads", 0.0,
                "personalization", 0.0), 2, Duration.ofMillis(500), "prod");
        LoadReport report;
        try (PollenRuntime runtime = PollenRuntime.builder(catalog).liveInterval(Duration.ofMillis(50)).build()) {
            report = LoadTest.run(runtime, options, line -> { });
        }
        assertEquals(1, report.adapters().size());
        LoadReport.Adapter a = report.adapters().get(0);
        assertEquals("payments", a.name());
        assertEquals(0, a.errors(), a.errorSamples().toString());
        assertEquals(0, a.unverified());
        assertEquals(a.requests(), a.ok(), "every request answered by the model");
        assertTrue(a.requests() > 1_000, "about 4 s at 300/s: " + a.requests());
        assertEquals(v1.id().toString(), a.original());
        assertEquals(List.of(a.original(), a.twin()), List.copyOf(a.versionsBySecond().keySet()),
                "both versions answered");
        assertTrue(report.moves().size() >= 4, report.moves().toString());
        assertTrue(a.swaps().count() > 0 && a.steady().count() > 0);
        assertEquals(v1.id(), catalog.resolve(ArtifactRef.parse("payments/fraud-scorer@prod")), "the alias is back");
        Manifest twin = catalog.describe(ArtifactRef.parse(a.twin()));
        assertEquals("1", twin.properties().get(Twins.TWIN_OF));
        assertEquals(v1.sha256(), twin.sha256(), "the twin is the same model");
        assertEquals(twin.id(), Twins.ensure(catalog, ArtifactRef.parse("payments/fraud-scorer@prod")).twin(),
                "published once");

        Path json = dir.resolve("report.json");
        report.write(json);
        JsonNode root = new ObjectMapper().readTree(json.toFile());
        JsonNode payments = root.get("adapters").get(0);
        assertEquals(0, payments.get("errors").asLong());
        assertEquals(a.requests(), payments.get("requests").asLong());
        assertTrue(payments.get("swapsMicros").get("p99").asDouble() > 0);
        assertTrue(report.text().contains("0 failed"), report.text());
    }
}
