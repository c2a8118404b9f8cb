package dev.pollen.micrometer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.Catalog;
import dev.pollen.metrics.DecisionMetrics;
import dev.pollen.runtime.ModelLease;
import dev.pollen.runtime.PollenRuntime;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** The latency timers' histograms, as configured on the builder, read from a Prometheus registry. */
class LatencyHistogramTest {
    @TempDir
    Path dir;

    private Catalog catalog;

    @BeforeEach
    void publish() {
        catalog = Fixtures.catalog(dir);
    }

    /** Scores once with the binding and returns the snapshot of the model's timer and of an adapter's. */
    private HistogramSnapshot[] scoreOnce(MeterRegistry registry, MicrometerMetrics metrics) {
        try (PollenRuntime runtime = PollenRuntime.builder(catalog).metrics(metrics).build();
             ModelLease lease = runtime.model("demo/m@1")) {
            lease.newContext(1).run(1);
        }
        DecisionMetrics decisions = metrics.decisions("payments.fraud", List.of("approve"));
        decisions.decided(0, 2_000_000);
        return new HistogramSnapshot[] {registry.get("pollen.score.latency").timer().takeSnapshot(),
                registry.get("pollen.decision.latency").timer().takeSnapshot()};
    }

    private static double[] buckets(HistogramSnapshot s) {
        return Arrays.stream(s.histogramCounts()).mapToDouble(CountAtBucket::bucket).toArray();
    }

    private static double[] percentiles(HistogramSnapshot s) {
        return Arrays.stream(s.percentileValues()).mapToDouble(ValueAtPercentile::percentile).toArray();
    }

    @Test
    void theDefaultsAreTheHistogramPollenAlwaysPublished() {
        PrometheusMeterRegistry before = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Timer old = Timer.builder("old").publishPercentileHistogram().register(before);
        old.record(1, TimeUnit.MILLISECONDS);
        double[] expected = buckets(old.takeSnapshot());
        assertTrue(expected.length > 10 && expected[0] == Duration.ofMillis(1).toNanos(), Arrays.toString(expected));

        for (boolean viaBuilder : new boolean[] {false, true}) {
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            MicrometerMetrics metrics = viaBuilder ? MicrometerMetrics.builder(registry).build()
                    : MicrometerMetrics.of(registry);
            for (HistogramSnapshot s : scoreOnce(registry, metrics)) {
                assertArrayEquals(expected, buckets(s), "buckets, builder " + viaBuilder);
                assertEquals(0, s.percentileValues().length, "no client-side percentiles");
            }
            assertTrue(registry.scrape().contains("pollen_score_latency_seconds_bucket{artifact=\"m\",domain=\"demo\","
                    + "version=\"1\",le=\"0.001\"}"), registry.scrape());
        }
    }

    @Test
    void histogramPercentilesAndServiceLevelObjectivesAreConfigurable() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        MicrometerMetrics metrics = MicrometerMetrics.builder(registry).histogram(false).percentiles(0.5, 0.99)
                .serviceLevelObjectives(Duration.ofMillis(5), Duration.ofMillis(50)).build();
        for (HistogramSnapshot s : scoreOnce(registry, metrics)) {
            assertArrayEquals(new double[] {5e6, 50e6}, buckets(s), "only the objectives are buckets");
            assertArrayEquals(new double[] {0.5, 0.99}, percentiles(s));
        }
        String text = registry.scrape();
        assertTrue(text.contains("pollen_score_latency_seconds_bucket{artifact=\"m\",domain=\"demo\",version=\"1\","
                + "le=\"0.005\"} 1"), text);
        assertTrue(!text.contains("le=\"0.001\""), text);

        PrometheusMeterRegistry summaries = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        scoreOnce(summaries, MicrometerMetrics.builder(summaries).histogram(false).percentiles(0.99).build());
        text = summaries.scrape();
        assertTrue(text.contains("pollen_score_latency_seconds{artifact=\"m\",domain=\"demo\",version=\"1\","
                + "quantile=\"0.99\"}"), text);
        assertTrue(!text.contains("_bucket"), text);
    }

    @Test
    void theExpectedRangeBoundsTheHistogramsBuckets() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        MicrometerMetrics metrics = MicrometerMetrics.builder(registry).minimumExpectedValue(Duration.ofNanos(10_000))
                .maximumExpectedValue(Duration.ofMillis(100)).build();
        for (HistogramSnapshot s : scoreOnce(registry, metrics)) {
            double[] b = buckets(s);
            assertTrue(b[0] <= 10_000 && b[b.length - 1] == 100e6, Arrays.toString(b));
        }
    }

    @Test
    void theBuilderRefusesSettingsMicrometerCouldNotHonour() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        refused("a latency percentile must be from 0 to 1 (found 1.5)",
                () -> MicrometerMetrics.builder(registry).percentiles(0.5, 1.5).build());
        refused("a latency percentile must be from 0 to 1 (found NaN)",
                () -> MicrometerMetrics.builder(registry).percentiles(Double.NaN).build());
        refused("a service level objective must be a positive duration (found PT0S)",
                () -> MicrometerMetrics.builder(registry).serviceLevelObjectives(Duration.ZERO).build());
        refused("an expected latency must be a positive duration (found PT-1S)",
                () -> MicrometerMetrics.builder(registry).maximumExpectedValue(Duration.ofSeconds(-1)).build());
        refused("the minimum expected latency must not exceed the maximum (found PT1M > PT30S)",
                () -> MicrometerMetrics.builder(registry).minimumExpectedValue(Duration.ofMinutes(1)).build());
        refused("tags must be key, value pairs (found 3 strings)",
                () -> MicrometerMetrics.builder(registry).tags("runtime", "blue", "zone"));
        refused("tag key 'domain' is one Pollen sets itself",
                () -> MicrometerMetrics.builder(registry).tags("domain", "x"));
        refused("a tag needs a key and a value, neither blank (found runtime= )",
                () -> MicrometerMetrics.builder(registry).tags("runtime", " "));
        assertEquals(0, registry.getMeters().size());
    }

    private static void refused(String message, Executable settings) {
        PollenException e = assertThrows(PollenException.class, settings);
        assertEquals(ErrorCategory.INVALID_ARGUMENT, e.category());
        assertTrue(e.getMessage().startsWith(message), e.getMessage());
    }
}
