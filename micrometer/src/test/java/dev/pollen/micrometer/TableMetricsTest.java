package dev.pollen.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pollen.catalog.Catalog;
import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.embedding.EmbeddingTableWriter;
import dev.pollen.embedding.IdKind;
import dev.pollen.embedding.TableArtifacts;
import dev.pollen.embedding.TableDType;
import dev.pollen.embedding.UnknownIds;
import dev.pollen.runtime.PollenRuntime;
import dev.pollen.runtime.TableLease;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The table meters, read from a real Micrometer registry while tables open and close. */
class TableMetricsTest {
    @TempDir
    Path dir;

    @Test
    void shouldKeepCountingUnknownIdsAcrossReopensOfATable() {
        Catalog catalog = FileSystemCatalog.open(dir.resolve("catalog"), PollenRuntime.validators());
        Path table = dir.resolve("vectors.table");
        Path index = dir.resolve("vectors.idx");
        try (EmbeddingTableWriter w = EmbeddingTableWriter.create(table, index, 8, TableDType.FLOAT32, IdKind.LONG,
                "tests")) {
            for (int r = 0; r < 64; r++) {
                w.append(100 + r, new float[] {r, 1, 2, 3, 4, 5, 6, 7});
            }
            w.finish();
        }
        catalog.publish(TableArtifacts.request("studio", "vectors", table, index).owner("studio-ml").build());
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ByteBuffer dst = ByteBuffer.allocateDirect(8 * 4 * 2).order(ByteOrder.nativeOrder());
        try (PollenRuntime runtime = PollenRuntime.builder(catalog).metrics(MicrometerMetrics.of(registry)).build()) {
            for (int open = 0; open < 2; open++) {
                try (TableLease lease = runtime.table("studio/vectors@1")) {
                    lease.table().gather(new long[] {100, -5}, 2, dst, 0, UnknownIds.zero());
                    assertEquals(64.0, registry.get("pollen.table.rows").gauge().value());
                }
                assertEquals(0.0, registry.get("pollen.table.rows").gauge().value(), "no table open");
            }
            assertEquals(2.0, registry.get("pollen.table.unknown.ids").functionCounter().count(),
                    "one unknown id per open, counted across both");
        }
    }
}
