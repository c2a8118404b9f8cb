package dev.pollen.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.pollen.catalog.Catalog;
import dev.pollen.embedding.UnknownIds;
import dev.pollen.runtime.PollenRuntime;
import dev.pollen.runtime.TableLease;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The table meters, read from a real Micrometer registry while tables open and close. */
class TableMetricsTest {
    @TempDir
    Path dir;

    private Catalog catalog;
    private final ByteBuffer dst = ByteBuffer.allocateDirect(8 * 4 * 4).order(ByteOrder.nativeOrder());

    @BeforeEach
    void publish() {
        catalog = Fixtures.catalog(dir);
    }

    private PollenRuntime runtime(MeterRegistry registry) {
        return PollenRuntime.builder(catalog).metrics(MicrometerMetrics.of(registry)).build();
    }

    private void gatherUnknown(TableLease lease, int unknown) {
        long[] ids = new long[unknown + 1];
        ids[0] = 100;
        for (int i = 1; i <= unknown; i++) {
            ids[i] = -i;
        }
        lease.table().gather(ids, ids.length, dst, 0, UnknownIds.zero());
    }

    private static double rows(MeterRegistry registry) {
        return registry.get("pollen.table.rows").gauge().value();
    }

    private static double unknownIds(MeterRegistry registry) {
        return registry.get("pollen.table.unknown.ids").functionCounter().count();
    }

    @Test
    void aClosedTablesMetersLeaveTheRegistryAndReturnWithItsCountWhenItReopens() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (PollenRuntime runtime = runtime(registry)) {
            for (int open = 1; open <= 2; open++) {
                try (TableLease lease = runtime.table("studio/vectors@1")) {
                    gatherUnknown(lease, 1);
                    assertEquals(Fixtures.TABLE_ROWS, rows(registry));
                    assertEquals((double) lease.manifest().sizeBytes(),
                            registry.get("pollen.table.mapped.bytes").gauge().value(), "the whole file, mapped");
                    assertEquals(open, unknownIds(registry), "one unknown id per open, counted across opens");
                }
                assertNull(registry.find("pollen.table.rows").gauge(), "no table open, no gauge");
                assertNull(registry.find("pollen.table.mapped.bytes").gauge());
                assertNull(registry.find("pollen.table.unknown.ids").functionCounter());
            }
        }
    }

    @Test
    void aTableOpenInTwoRuntimesIsReadOnceAndItsUnknownIdsSummed() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (PollenRuntime a = runtime(registry); PollenRuntime b = runtime(registry)) {
            TableLease inA = a.table("studio/vectors@1");
            try (TableLease inB = b.table("studio/vectors@1")) {
                gatherUnknown(inA, 1);
                gatherUnknown(inB, 2);
                assertEquals(Fixtures.TABLE_ROWS, rows(registry), "rows of the version, not of both mappings");
                assertEquals(3.0, unknownIds(registry));
                inA.close();
                assertEquals(Fixtures.TABLE_ROWS, rows(registry), "b still has it open");
                assertEquals(3.0, unknownIds(registry), "a counter never goes back while it is registered");
                gatherUnknown(inB, 1);
                assertEquals(4.0, unknownIds(registry));
            }
            assertNull(registry.find("pollen.table.rows").gauge());
        }
        try (PollenRuntime c = runtime(registry); TableLease inC = c.table("studio/vectors@1")) {
            assertEquals(Fixtures.TABLE_ROWS, rows(registry), "the next runtime's table, not NaN");
            assertEquals(0.0, unknownIds(registry), "a new counter");
        }
    }
}
