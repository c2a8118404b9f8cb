package dev.pollen.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.PollenException;
import dev.pollen.catalog.Catalog;
import dev.pollen.embedding.UnknownIds;
import dev.pollen.metrics.DecisionMetrics;
import dev.pollen.metrics.FeatureStoreGauges;
import dev.pollen.onnx.ScoringContext;
import dev.pollen.runtime.ModelLease;
import dev.pollen.runtime.PollenRuntime;
import dev.pollen.runtime.TableLease;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every meter Pollen registers follows Micrometer's naming conventions: dotted lower-case names and tags. */
class MeterConventionsTest {
    private static final Pattern NAME = Pattern.compile("pollen(\\.[a-z]+)+");
    private static final Pattern TAG_KEY = Pattern.compile("[a-z]+");

    @TempDir
    Path dir;

    @Test
    void everyMeterHasADottedLowerCaseNameAndLowerCaseTags() {
        Catalog catalog = Fixtures.catalog(dir);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        MicrometerMetrics metrics = MicrometerMetrics.of(registry);
        Set<String> names = new TreeSet<>();
        try (PollenRuntime runtime = PollenRuntime.builder(catalog).metrics(metrics).build();
             ModelLease m = runtime.model("demo/m@1");
             ModelLease g = runtime.model("demo/g@1");
             TableLease table = runtime.table("studio/vectors@1")) {
            m.newContext(1).run(1);
            ScoringContext failing = g.newContext(1);
            failing.inputBuffer(0).putLong(0, 10);
            assertThrows(PollenException.class, () -> failing.run(1));
            assertThrows(PollenException.class, () -> runtime.model("studio/vectors@1"));
            table.table().gather(new long[] {-1}, 1, ByteBuffer.allocateDirect(32).order(ByteOrder.nativeOrder()), 0,
                    UnknownIds.zero());
            DecisionMetrics decisions = metrics.decisions("Payments.Fraud", List.of("Approve", "REVIEW"));
            decisions.decided(0, 1_000);
            decisions.decided(1, 1_000);
            decisions.rejected();
            FeatureStoreGauges store = new FakeStore("card-velocity", 7);
            metrics.bindFeatureStore(store);
            for (Meter meter : registry.getMeters()) {
                Meter.Id id = meter.getId();
                names.add(id.getName());
                assertTrue(NAME.matcher(id.getName()).matches(), id.toString());
                for (Tag tag : id.getTagsAsIterable()) {
                    assertTrue(TAG_KEY.matcher(tag.getKey()).matches(), id.toString());
                    assertEquals(tag.getValue().toLowerCase(Locale.ROOT), tag.getValue(), id.toString());
                }
            }
            assertEquals(1.0, registry.get("pollen.decisions").tags("adapter", "payments.fraud", "outcome", "review")
                    .counter().count());
            java.lang.ref.Reference.reachabilityFence(store);
        }
        assertEquals(new TreeSet<>(List.of("pollen.artifacts.loaded.bytes", "pollen.decision.latency",
                "pollen.decision.rejections", "pollen.decisions", "pollen.features.evictions", "pollen.features.keys",
                "pollen.features.late.drops", "pollen.features.refused", "pollen.load.errors", "pollen.models.loaded",
                "pollen.score.deadline.missed", "pollen.score.errors", "pollen.score.latency",
                "pollen.table.mapped.bytes", "pollen.table.rows",
                "pollen.table.unknown.ids")), names, "every meter in MicrometerMetrics' table was checked");
    }

    /** A feature store's facts, fixed. */
    record FakeStore(String schema, long keys) implements FeatureStoreGauges {

        @Override
        public long evictions() {
            return 1;
        }

        @Override
        public long lateDrops() {
            return 2;
        }

        @Override
        public long refusedTimes() {
            return 3;
        }

        @Override
        public long refusedFull() {
            return 4;
        }
    }
}
