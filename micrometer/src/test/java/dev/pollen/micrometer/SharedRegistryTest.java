package dev.pollen.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.catalog.Catalog;
import dev.pollen.metrics.MetricsRegistration;
import dev.pollen.runtime.ModelLease;
import dev.pollen.runtime.PollenRuntime;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Several runtimes recording into one registry, one after another and at once. */
class SharedRegistryTest {
    @TempDir
    java.nio.file.Path dir;

    private Catalog catalog;
    private long modelBytes;

    @BeforeEach
    void publish() {
        catalog = Fixtures.catalog(dir);
        modelBytes = catalog.describe(dev.pollen.catalog.ArtifactRef.parse("demo/m@1")).sizeBytes();
    }

    private PollenRuntime runtime(MeterRegistry registry) {
        return PollenRuntime.builder(catalog).metrics(MicrometerMetrics.of(registry)).build();
    }

    private static Gauge loaded(MeterRegistry registry) {
        return registry.find("pollen.models.loaded").gauge();
    }

    @Test
    void aSecondRuntimeOnTheRegistryReadsItsOwnGaugesAfterTheFirstClosed() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (PollenRuntime a = runtime(registry); ModelLease lease = a.model("demo/m@1")) {
            assertEquals(1.0, loaded(registry).value());
        }
        assertNull(loaded(registry), "the closed runtime's gauge left the registry");
        assertNull(registry.find("pollen.artifacts.loaded.bytes").gauge());
        System.gc();
        try (PollenRuntime b = runtime(registry)) {
            assertEquals(0.0, loaded(registry).value(), "the second runtime's gauge, not NaN");
            try (ModelLease lease = b.model("demo/m@1")) {
                assertEquals(1.0, loaded(registry).value());
                assertEquals((double) modelBytes, registry.get("pollen.artifacts.loaded.bytes").gauge().value());
                assertTrue(registry.scrape().contains("pollen_models_loaded 1.0"), registry.scrape());
            }
            assertEquals(0.0, loaded(registry).value());
        }
        assertNull(loaded(registry));
    }

    @Test
    void oneMicrometerMetricsCanServeRuntimesOneAfterAnother() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        MicrometerMetrics metrics = MicrometerMetrics.of(registry);
        for (int i = 0; i < 2; i++) {
            try (PollenRuntime r = PollenRuntime.builder(catalog).metrics(metrics).build();
                 ModelLease lease = r.model("demo/m@1")) {
                assertEquals(1.0, loaded(registry).value(), "runtime " + i);
            }
            assertNull(loaded(registry), "runtime " + i);
        }
    }

    @Test
    void runtimesOpenAtOnceOnOneRegistrySumTheirGauges() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (PollenRuntime a = runtime(registry); PollenRuntime b = runtime(registry)) {
            assertEquals(0.0, loaded(registry).value());
            try (ModelLease inA = a.model("demo/m@1")) {
                assertEquals(1.0, loaded(registry).value());
                try (ModelLease inB = b.model("demo/m@1")) {
                    assertEquals(2.0, loaded(registry).value(), "one session in each runtime");
                    assertEquals(2.0 * modelBytes, registry.get("pollen.artifacts.loaded.bytes").gauge().value());
                }
                assertEquals(1.0, loaded(registry).value());
            }
            try (ModelLease inB = b.model("demo/m@1")) {
                a.close();
                assertEquals(1.0, loaded(registry).value(), "b's gauge stays when a closes");
                assertEquals((double) modelBytes, registry.get("pollen.artifacts.loaded.bytes").gauge().value());
            }
            assertEquals(1, registry.find("pollen.models.loaded").gauges().size());
        }
        assertNull(loaded(registry));
    }

    @Test
    void runtimesGivenTheirOwnTagsKeepTheirGaugesApart() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (PollenRuntime blue = PollenRuntime.builder(catalog)
                     .metrics(MicrometerMetrics.builder(registry).tags("runtime", "blue").build()).build();
             PollenRuntime green = PollenRuntime.builder(catalog)
                     .metrics(MicrometerMetrics.builder(registry).tags("runtime", "green").build()).build();
             ModelLease inBlue = blue.model("demo/m@1")) {
            inBlue.newContext(1).run(1);
            assertEquals(1.0, registry.get("pollen.models.loaded").tag("runtime", "blue").gauge().value());
            assertEquals(0.0, registry.get("pollen.models.loaded").tag("runtime", "green").gauge().value());
            assertEquals(1, registry.get("pollen.score.latency").tag("runtime", "blue").timer().count());
            green.close();
            assertNull(registry.find("pollen.models.loaded").tag("runtime", "green").gauge());
            assertEquals(1.0, registry.get("pollen.models.loaded").tag("runtime", "blue").gauge().value());
        }
        assertNull(loaded(registry));
    }

    @Test
    void aFeatureStoresMetersReadTheStoreBoundLastAndLeaveWhenNoneIsBound() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        MeterConventionsTest.FakeStore first = new MeterConventionsTest.FakeStore("card-velocity", 7);
        MetricsRegistration a = MicrometerMetrics.of(registry).bindFeatureStore(first);
        assertEquals(7.0, keys(registry));
        assertEquals(4.0, registry.get("pollen.features.refused").tag("reason", "full").functionCounter().count());
        a.close();
        assertTrue(registry.find("pollen.features.keys").gauges().isEmpty(), registry.getMetersAsString());
        assertTrue(registry.find("pollen.features.refused").functionCounters().isEmpty());

        MetricsRegistration b = MicrometerMetrics.of(registry).bindFeatureStore(first);
        assertEquals(7.0, keys(registry), "registered again, reading the store");
        MetricsRegistration c = MicrometerMetrics.of(registry)
                .bindFeatureStore(new MeterConventionsTest.FakeStore("card-velocity", 9));
        assertEquals(9.0, keys(registry), "the store bound last");
        c.close();
        c.close();
        assertEquals(7.0, keys(registry), "the other store, still bound");
        b.close();
        assertTrue(registry.find("pollen.features.keys").gauges().isEmpty());
    }

    private static double keys(MeterRegistry registry) {
        return registry.get("pollen.features.keys").tag("schema", "card-velocity").gauge().value();
    }

    @Test
    void timersOfAClosedRuntimeKeepCountingInTheNextOne() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        for (int i = 0; i < 2; i++) {
            try (PollenRuntime r = runtime(registry); ModelLease lease = r.model("demo/m@1")) {
                lease.newContext(1).run(1);
            }
        }
        assertEquals(2, registry.get("pollen.score.latency").timer().count(), "a timer is cumulative");
    }
}
