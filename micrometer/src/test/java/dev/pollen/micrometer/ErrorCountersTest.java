package dev.pollen.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.PollenException;
import dev.pollen.catalog.Catalog;
import dev.pollen.onnx.ScoringContext;
import dev.pollen.runtime.ModelLease;
import dev.pollen.runtime.PollenRuntime;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Error counters appear when an error first happens, on a real ONNX Runtime failure. */
class ErrorCountersTest {
    @TempDir
    Path dir;

    @Test
    void aScoreErrorCounterIsCreatedWhenTheFirstErrorOfItsCategoryHappens() {
        Catalog catalog = Fixtures.catalog(dir);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (PollenRuntime runtime = PollenRuntime.builder(catalog).metrics(MicrometerMetrics.of(registry)).build();
             ModelLease lease = runtime.model("demo/g@1")) {
            ScoringContext ctx = lease.newContext(1);
            ctx.inputBuffer(0).putLong(0, 3);
            ctx.run(1);
            assertTrue(registry.find("pollen.score.errors").counters().isEmpty(),
                    "no error yet, no error counter: " + registry.getMetersAsString());
            ctx.inputBuffer(0).putLong(0, 10);
            PollenException e = assertThrows(PollenException.class, () -> ctx.run(1));
            String category = e.category().name().toLowerCase(Locale.ROOT);
            Collection<Counter> errors = registry.find("pollen.score.errors").counters();
            assertEquals(1, errors.size(), registry.getMetersAsString());
            Counter counter = registry.get("pollen.score.errors").tags("domain", "demo", "artifact", "g", "version",
                    "1", "category", category).counter();
            assertEquals(1.0, counter.count());
            assertThrows(PollenException.class, () -> ctx.run(1));
            assertEquals(2.0, counter.count());
            assertEquals(1, registry.find("pollen.score.errors").counters().size());
        }
    }

    @Test
    void aMissedDeadlineIsCountedByWhenItPassed() {
        Catalog catalog = Fixtures.catalog(dir);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (PollenRuntime runtime = PollenRuntime.builder(catalog).metrics(MicrometerMetrics.of(registry)).build();
             ModelLease lease = runtime.model("demo/g@1")) {
            ScoringContext ctx = lease.newContext(1);
            ctx.inputBuffer(0).putLong(0, 3);
            ctx.run(1, System.nanoTime() + 1_000_000_000L);
            PollenException e = assertThrows(PollenException.class, () -> ctx.run(1, System.nanoTime() - 1));
            assertEquals(dev.pollen.ErrorCategory.DEADLINE_EXCEEDED, e.category());
            assertEquals(1.0, registry.get("pollen.score.deadline.missed").tags("domain", "demo", "artifact", "g",
                    "version", "1", "when", "before").counter().count());
            assertEquals(0.0, registry.get("pollen.score.deadline.missed").tags("when", "during").counter().count());
            assertEquals(1, registry.get("pollen.score.latency").timer().count(), "the run within its deadline");
            assertTrue(registry.find("pollen.score.errors").counters().isEmpty(), "not an ONNX Runtime failure");
        }
    }

    @Test
    void aLoadErrorIsCountedUnderItsLowerCaseCategory() {
        Catalog catalog = Fixtures.catalog(dir);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (PollenRuntime runtime = PollenRuntime.builder(catalog).metrics(MicrometerMetrics.of(registry)).build()) {
            PollenException e = assertThrows(PollenException.class, () -> runtime.model("studio/vectors@1"));
            assertEquals(dev.pollen.ErrorCategory.INVALID_ARGUMENT, e.category(), e.getMessage());
            assertEquals(1.0, registry.get("pollen.load.errors").tags("domain", "studio", "artifact", "vectors",
                    "version", "1", "category", "invalid_argument").counter().count());
        }
        assertEquals(1, registry.find("pollen.load.errors").counters().size(), "kept after close: a count");
    }
}
