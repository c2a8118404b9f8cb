package dev.pollen.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pollen.catalog.ArtifactKind;
import dev.pollen.catalog.ArtifactRef;
import dev.pollen.catalog.Catalog;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.PublishRequest;
import dev.pollen.runtime.Live;
import dev.pollen.runtime.LiveSpec;
import dev.pollen.runtime.LiveVersions;
import dev.pollen.runtime.PollenRuntime;
import dev.pollen.testing.TestModels;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A live handle's switches and failures, counted in a real registry as aliases move on a real catalog. */
class LiveMetricsTest {
    @TempDir
    Path dir;

    @Test
    void swapsAndFailuresAreCountedByHandleStageAndCategory() {
        Catalog catalog = Fixtures.catalog(dir);
        catalog.setAlias(catalog.resolve(ArtifactRef.parse("demo/m@1")), "prod");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (PollenRuntime runtime = PollenRuntime.builder(catalog).metrics(MicrometerMetrics.of(registry))
                .liveInterval(Duration.ofMillis(20)).build();
             Live<LiveVersions> live = runtime.live(LiveSpec.of(ArtifactKind.MODEL, "demo/m@prod"))) {
            Manifest v2 = catalog.publish(PublishRequest.builder("demo", "m", ArtifactKind.MODEL).owner("t")
                    .signature(TestModels.logisticSignature(8))
                    .payload(TestModels.write(dir, "m2.onnx", TestModels.logistic(8, 2))).build());
            catalog.setAlias(v2.id(), "prod");
            await(() -> registry.find("pollen.live.swaps").counter() != null);
            Manifest v3 = catalog.publish(PublishRequest.builder("demo", "m", ArtifactKind.MODEL).owner("t")
                    .signature(TestModels.logisticSignature(8))
                    .payload(TestModels.write(dir, "m3.onnx", TestModels.failsWhenRun(8))).build());
            catalog.setAlias(v3.id(), "prod");
            await(() -> registry.find("pollen.live.failures").counter() != null);
            assertEquals(1.0, registry.get("pollen.live.swaps").tags("live", "demo.m").counter().count(),
                    registry.getMetersAsString());
            assertEquals(1.0, registry.get("pollen.live.failures").tags("live", "demo.m", "stage", "warm",
                    "category", "invalid_argument").counter().count(), registry.getMetersAsString());
            assertEquals(java.util.List.of(v2.id()), live.serving());
        }
    }

    @Test
    void shadowDeltasChangesAndDropsAreRecordedByHandle() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        MicrometerMetrics metrics = MicrometerMetrics.of(registry);
        metrics.shadowed("payments.fraud", -0.25, false);
        metrics.shadowed("payments.fraud", 0.5, true);
        metrics.shadowDropped("payments.fraud");
        var delta = registry.get("pollen.shadow.delta").tags("live", "payments.fraud").summary();
        assertEquals(2, delta.count());
        assertEquals(0.75, delta.totalAmount(), 1e-9, "absolute deltas");
        assertEquals(1.0, registry.get("pollen.shadow.changed").tags("live", "payments.fraud").counter().count());
        assertEquals(1.0, registry.get("pollen.shadow.dropped").tags("live", "payments.fraud").counter().count());
    }

    private static void await(java.util.function.BooleanSupplier condition) {
        long until = System.nanoTime() + 5_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - until > 0) {
                throw new AssertionError("not within 5 s");
            }
            Thread.onSpinWait();
        }
    }
}
