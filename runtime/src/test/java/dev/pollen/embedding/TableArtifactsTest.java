package dev.pollen.embedding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.ArtifactKind;
import dev.pollen.catalog.ArtifactRef;
import dev.pollen.catalog.Catalog;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.PublishRequest;
import dev.pollen.catalog.SearchQuery;
import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.onnx.ScoringContext;
import dev.pollen.runtime.ModelLease;
import dev.pollen.runtime.PollenRuntime;
import dev.pollen.runtime.TableLease;
import dev.pollen.testing.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TableArtifactsTest {
    @TempDir
    Path dir;
    Catalog catalog;
    float[][] vectors;

    @BeforeEach
    void setUp() {
        catalog = FileSystemCatalog.open(dir.resolve("catalog"), PollenRuntime.validators());
        vectors = MappedEmbeddingTableTest.vectors(64, 8, 11);
        catalog.publish(PublishRequest.builder("demo", "logistic8", ArtifactKind.MODEL).owner("tests")
                .signature(TestModels.logisticSignature(8))
                .payload(TestModels.write(dir, "l8.onnx", TestModels.logistic(8, 3))).build());
        catalog.publish(PublishRequest.builder("demo", "logistic5", ArtifactKind.MODEL).owner("tests")
                .signature(TestModels.logisticSignature(5))
                .payload(TestModels.write(dir, "l5.onnx", TestModels.logistic(5, 3))).build());
    }

    private Manifest publishTable(String name, TableDType dtype) {
        Path table = dir.resolve(name + ".table");
        Path index = dir.resolve(name + ".idx");
        try (EmbeddingTableWriter w = EmbeddingTableWriter.create(table, index, 8, dtype, IdKind.LONG,
                "demo/logistic8@1")) {
            for (int r = 0; r < vectors.length; r++) {
                w.append(100 + r, vectors[r]);
            }
            w.finish();
        }
        return catalog.publish(TableArtifacts.request("studio", name, table, index).owner("studio-ml")
                .description("test vectors").build());
    }

    @Test
    void shouldPublishATableFindableByDimensionDtypeAndLineage() {
        Manifest m = publishTable("vectors", TableDType.FLOAT16);
        assertEquals(ArtifactKind.TABLE, m.kind());
        assertEquals("float16", m.properties().get("table.dtype"));
        assertEquals("64", m.properties().get("table.rows"));
        assertEquals("demo/logistic8@1", m.lineage().producedBy());
        assertEquals(List.of(m), catalog.search(SearchQuery.all().withKind(ArtifactKind.TABLE)
                .withOutputDimension(8)));
        assertEquals(List.of(), catalog.search(SearchQuery.all().withKind(ArtifactKind.TABLE)
                .withOutputDimension(384)));
        assertEquals(List.of(m), catalog.search(SearchQuery.all().withDtype("float16")));
        assertEquals(List.of(), catalog.search(SearchQuery.all().withKind(ArtifactKind.TABLE).withDtype("int8")));
        assertEquals(List.of(), catalog.search(SearchQuery.all().withKind(ArtifactKind.TABLE).withDtype("float32")),
                "a float16 table is not a float32 one, though readers see float32 vectors");
        assertEquals(List.of(m), catalog.search(SearchQuery.all().withDerivedFrom(ArtifactRef.parse(
                "demo/logistic8@1"))));
        assertTrue(catalog.verify(m.id().ref()).get(0).ok());
    }

    @Test
    void shouldShareOneOpenTablePerVersionAndGatherIntoAModelInput() {
        publishTable("vectors", TableDType.FLOAT32);
        try (PollenRuntime runtime = PollenRuntime.builder(catalog).build();
             TableLease a = runtime.table("studio/vectors@1");
             TableLease b = runtime.table("studio/vectors");
             ModelLease model = runtime.model("demo/logistic8@1")) {
            assertSame(a.table(), b.table(), "one mapping per version per process");
            ScoringContext ctx = model.newContext(4);
            TableBinding binding = TableBinding.bind(a.table(), ctx, "features");
            long[] ids = {100 + 5, 999, 100 + 63};
            assertEquals(3, binding.gather(ids, 3, 0, UnknownIds.zero()));
            ctx.run(3);
            assertEquals(TestModels.expectedLogistic(8, 3, vectors[5]), ctx.outputFloats(0).get(0), 1e-5);
            assertEquals(TestModels.expectedLogistic(8, 3, new float[8]), ctx.outputFloats(0).get(1), 1e-5);
            assertEquals(TestModels.expectedLogistic(8, 3, vectors[63]), ctx.outputFloats(0).get(2), 1e-5);
            assertEquals(1, a.table().unknownIds());
            PollenException tooMany = assertThrows(PollenException.class,
                    () -> binding.gather(new long[5], 5, 0, UnknownIds.zero()));
            assertTrue(tooMany.getMessage().contains("max batch 4"), tooMany.getMessage());
        }
    }

    @Test
    void shouldRefuseToBindATableWhoseDimensionDisagreesWithTheModelInput() {
        publishTable("vectors", TableDType.FLOAT32);
        try (PollenRuntime runtime = PollenRuntime.builder(catalog).build();
             TableLease table = runtime.table("studio/vectors@1");
             ModelLease model = runtime.model("demo/logistic5@1")) {
            ScoringContext ctx = model.newContext(4);
            PollenException e = assertThrows(PollenException.class,
                    () -> TableBinding.bind(table.table(), ctx, "features"));
            assertEquals(ErrorCategory.SIGNATURE_MISMATCH, e.category());
            assertEquals("table dimension must match model input 'features' of demo/logistic5@1 (expected 5, found 8)"
                    + " in studio/vectors@1", e.getMessage());
        }
    }

    @Test
    void shouldRefuseToPublishATableWithTheIndexOfAnotherTable() {
        publishTable("good", TableDType.FLOAT32);
        Path table = dir.resolve("other.table");
        Path index = dir.resolve("other.idx");
        try (EmbeddingTableWriter w = EmbeddingTableWriter.create(table, index, 8, TableDType.FLOAT32, IdKind.LONG,
                "")) {
            w.append(1, vectors[0]);
            w.finish();
        }
        PollenException e = assertThrows(PollenException.class, () -> catalog.publish(TableArtifacts.request(
                "studio", "bad", table, dir.resolve("good.idx")).owner("o").build()));
        assertEquals(ErrorCategory.CORRUPT_FILE, e.category(), e.getMessage());
        assertTrue(catalog.search(SearchQuery.all().withDomain("studio").withText("bad")).isEmpty());
    }

    @Test
    void shouldRefuseAModelAsATableAndReportTableLeasesNeverReleased() throws Exception {
        Manifest m = publishTable("vectors", TableDType.INT8);
        PollenRuntime runtime = PollenRuntime.builder(catalog).build();
        PollenException e = assertThrows(PollenException.class, () -> runtime.table("demo/logistic8@1"));
        assertTrue(e.getMessage().contains("is a model, not an embedding table"), e.getMessage());
        TableLease leaked = runtime.table(m.id().ref());
        runtime.close();
        assertEquals(1, runtime.unreleasedLeases().size());
        assertTrue(runtime.unreleasedLeases().get(0).contains("studio/vectors@1"));
        assertTrue(leaked.table().isClosed());
    }

    @Test
    void shouldFailOpeningATableWhoseStoredCopyWasDamaged() throws Exception {
        Manifest m = publishTable("vectors", TableDType.FLOAT32);
        Path stored = catalog.payload(m.id());
        byte[] bytes = Files.readAllBytes(stored);
        bytes[TableFormat.ROWS_OFFSET + 5] ^= 1;
        Path damaged = dir.resolve("damaged");
        Files.write(damaged, bytes);
        Files.move(damaged, stored, StandardCopyOption.REPLACE_EXISTING);
        assertFalse(catalog.verify(m.id().ref()).get(0).ok());
        try (PollenRuntime runtime = PollenRuntime.builder(catalog).build()) {
            PollenException e = assertThrows(PollenException.class, () -> runtime.table("studio/vectors@1"));
            assertEquals(ErrorCategory.CHECKSUM_MISMATCH, e.category());
            assertTrue(e.getMessage().startsWith("embedding table studio/vectors@1 (")
                    && e.getMessage().contains("data checksum must be"), e.getMessage());
        }
    }
}
