package dev.pollen.ann;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.ArtifactRef;
import dev.pollen.catalog.Catalog;
import dev.pollen.catalog.Manifest;
import dev.pollen.catalog.fs.FileSystemCatalog;
import dev.pollen.embedding.EmbeddingTableWriter;
import dev.pollen.embedding.IdKind;
import dev.pollen.embedding.MappedEmbeddingTable;
import dev.pollen.embedding.Similarity;
import dev.pollen.embedding.TableArtifacts;
import dev.pollen.embedding.TableDType;
import dev.pollen.embedding.TopK;
import dev.pollen.runtime.PollenRuntime;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real JVector over real mapped files: one 20,000 × 64 table and its index, built once for the class. */
class AnnIndexTest {
    static final int ROWS = 20_000;
    static final int DIM = 64;
    static final int QUERIES = 200;

    @TempDir
    static Path dir;
    static Path tableFile;
    static Path idsFile;
    static Path annFile;
    static MappedEmbeddingTable table;
    static AnnIndex index;
    static AnnIndexes.BuildReport report;
    static float[][] queries;

    @BeforeAll
    static void build() {
        tableFile = dir.resolve("t.table");
        idsFile = dir.resolve("t.idx");
        writeTable(tableFile, idsFile, ROWS, DIM, 7);
        table = MappedEmbeddingTable.open(tableFile, idsFile);
        annFile = dir.resolve("t.ann");
        report = AnnIndexes.build(table, annFile, AnnBuildOptions.defaults());
        System.out.printf("built %,d × %d in %.2f s (+ %.2f s writing), %,d bytes%n", report.rows(),
                report.dimension(), report.buildNanos() / 1e9, report.writeNanos() / 1e9, report.sizeBytes());
        index = AnnIndex.open(annFile, table, Similarity.COSINE, AnnOpenOptions.defaults());
        // queries from the table's distribution (same centres, fresh draws), as real queries are
        Clustered source = new Clustered(DIM, 7);
        for (int r = 0; r < ROWS; r++) {
            source.next();
        }
        queries = new float[QUERIES][];
        for (int q = 0; q < QUERIES; q++) {
            queries[q] = source.next();
        }
    }

    @AfterAll
    static void close() {
        index.close();
        table.close();
    }

    /** Unit rows around 100 random centres (embeddings cluster), long ids 1000 + row. */
    static void writeTable(Path table, Path ids, int rows, int dim, long seed) {
        Clustered source = new Clustered(dim, seed);
        try (EmbeddingTableWriter w = EmbeddingTableWriter.create(table, ids, dim, TableDType.FLOAT32, IdKind.LONG,
                "tests")) {
            for (int r = 0; r < rows; r++) {
                w.append(1000 + r, source.next());
            }
            w.finish();
        }
    }

    /** Unit vectors around 100 random unit centres, the noise's norm about that of a centre. */
    static final class Clustered {
        final float[][] centres = new float[100][];
        final SplittableRandom random;
        final int dim;

        Clustered(int dim, long seed) {
            this.dim = dim;
            this.random = new SplittableRandom(seed);
            for (int c = 0; c < centres.length; c++) {
                centres[c] = unit(random, dim);
            }
        }

        float[] next() {
            float[] c = centres[random.nextInt(centres.length)];
            float[] v = new float[dim];
            double norm = 0;
            for (int i = 0; i < dim; i++) {
                v[i] = c[i] + (float) (gaussian(random) / Math.sqrt(dim));
                norm += (double) v[i] * v[i];
            }
            for (int i = 0; i < dim; i++) {
                v[i] /= (float) Math.sqrt(norm);
            }
            return v;
        }
    }

    static float[] unit(SplittableRandom random, int dim) {
        float[] v = new float[dim];
        double norm = 0;
        for (int i = 0; i < dim; i++) {
            v[i] = (float) gaussian(random);
            norm += (double) v[i] * v[i];
        }
        for (int i = 0; i < dim; i++) {
            v[i] /= (float) Math.sqrt(norm);
        }
        return v;
    }

    static double gaussian(SplittableRandom random) {
        double u = 1 - random.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble());
    }

    static double recall(AnnIndex ann, MappedEmbeddingTable t, float[][] qs, int beamWidth) {
        TopK exact = new TopK(10);
        TopK approx = new TopK(10);
        long found = 0;
        for (float[] q : qs) {
            t.topK(q, ann.similarity(), exact);
            ann.search(q, 10, beamWidth, approx, -1);
            Set<Long> truth = new HashSet<>();
            for (int i = 0; i < exact.size(); i++) {
                truth.add(exact.row(i));
            }
            for (int i = 0; i < approx.size(); i++) {
                if (truth.contains(approx.row(i))) {
                    found++;
                }
            }
        }
        return found / (10.0 * qs.length);
    }

    @Test
    void shouldFindAtLeast95PercentOfTheExactTop10() {
        double recall = recall(index, table, queries, index.defaultBeamWidth());
        System.out.printf("recall@10 = %.4f at beam %d%n", recall, index.defaultBeamWidth());
        assertTrue(recall >= 0.95, "recall@10 " + recall);
    }

    @Test
    void shouldFindMoreWithAWiderBeam() {
        double narrow = recall(index, table, queries, 10);
        double wide = recall(index, table, queries, 200);
        System.out.printf("recall@10 = %.4f at beam 10, %.4f at beam 200%n", narrow, wide);
        assertTrue(wide >= narrow, narrow + " then " + wide);
        assertTrue(wide >= 0.98, "recall@10 at beam 200: " + wide);
    }

    @Test
    void shouldScoreRowsAsTheExactScanDoes() {
        TopK exact = new TopK(10);
        TopK approx = new TopK(10);
        table.topK(queries[0], Similarity.COSINE, exact);
        index.search(queries[0], 10, approx);
        assertEquals(10, approx.size());
        assertEquals(exact.row(0), approx.row(0));
        assertEquals(exact.score(0), approx.score(0), 1e-5f);
        for (int i = 1; i < approx.size(); i++) {
            assertTrue(approx.score(i) <= approx.score(i - 1), "best first");
        }
    }

    @Test
    void shouldReturnFewerThanKAsked() {
        TopK top = new TopK(10);
        index.search(queries[1], 3, top);
        assertEquals(3, top.size());
    }

    @Test
    void shouldAnswerTheSameAfterReopening() {
        TopK before = new TopK(10);
        TopK after = new TopK(10);
        try (MappedEmbeddingTable t = MappedEmbeddingTable.open(tableFile, idsFile);
                AnnIndex reopened = AnnIndex.open(annFile, t, Similarity.COSINE, AnnOpenOptions.defaults())) {
            for (float[] q : queries) {
                index.search(q, 10, before);
                reopened.search(q, 10, after);
                assertEquals(before.size(), after.size());
                for (int i = 0; i < before.size(); i++) {
                    assertEquals(before.row(i), after.row(i));
                    assertEquals(before.score(i), after.score(i));
                }
            }
        }
    }

    @Test
    void shouldLeaveTheExcludedRowOut() {
        TopK top = new TopK(10);
        float[] row = new float[DIM];
        table.copyRow(1234, row, 0);
        index.search(row, 10, top);
        assertEquals(1234, top.row(0), "a row is its own nearest neighbour");
        index.search(row, 10, 100, top, 1234);
        for (int i = 0; i < top.size(); i++) {
            assertFalse(top.row(i) == 1234);
        }
        assertEquals(10, top.size());
        TopK like = new TopK(10);
        index.searchLike(1234, 10, like);
        assertEquals(10, like.size());
        for (int i = 0; i < like.size(); i++) {
            assertEquals(top.row(i), like.row(i), "more like this is a search by the row, the row left out");
        }
        TopK exact = new TopK(10);
        table.topK(row, Similarity.COSINE, exact, 1234);
        assertEquals(exact.row(0), like.row(0));
    }

    @Test
    void shouldRefuseBadInputsNamingTheRuleAndTheValue() {
        TopK top = new TopK(10);
        assertInvalid(() -> index.search(queries[0], 0, top), "k must be from 1 to the holder's capacity 10",
                "found 0");
        assertInvalid(() -> index.search(queries[0], 11, top), "k must be from 1", "found 11");
        assertInvalid(() -> index.search(new float[DIM + 1], 10, top), "query must have the dimension 64",
                "found 65");
        float[] nan = queries[0].clone();
        nan[5] = Float.NaN;
        assertInvalid(() -> index.search(nan, 10, top), "query values must be finite", "found NaN at 5");
        float[] inf = queries[0].clone();
        inf[0] = Float.NEGATIVE_INFINITY;
        assertInvalid(() -> index.search(inf, 10, top), "finite", "found -Infinity at 0");
        assertInvalid(() -> index.search(new float[DIM], 10, top), "must not be all zeros for cosine");
        assertInvalid(() -> index.search(queries[0], 10, 0, top, -1), "beam width must be from 1 to 4096",
                "found 0");
        assertInvalid(() -> index.search(queries[0], 10, 100, top, ROWS), "excluded row must be -1 or a row from 0"
                + " to 19999", "found 20000");
        assertInvalid(() -> index.searchLike(-3, 10, top), "row must be from 0 to 19999", "found -3");
        assertInvalid(() -> AnnOpenOptions.defaults().beamWidth(5000), "found 5000");
        assertInvalid(() -> AnnBuildOptions.defaults().maxDegree(1), "maxDegree must be from 2 to 512", "found 1");
        assertInvalid(() -> AnnBuildOptions.defaults().alpha(Float.NaN), "alpha must be from 1 to 4", "found NaN");
    }

    @Test
    void shouldFailSearchesOnceClosed() {
        try (MappedEmbeddingTable t = MappedEmbeddingTable.open(tableFile, idsFile)) {
            AnnIndex reopened = AnnIndex.open(annFile, t, Similarity.COSINE, AnnOpenOptions.defaults());
            reopened.close();
            reopened.close();
            PollenException e = assertThrows(PollenException.class,
                    () -> reopened.search(queries[0], 10, new TopK(10)));
            assertEquals(ErrorCategory.ILLEGAL_STATE, e.category());
        }
    }

    @Test
    void shouldRefuseAFileThatIsNoGraph() throws IOException {
        Path junk = dir.resolve("junk.ann");
        Files.write(junk, new byte[4096]);
        PollenException e = assertThrows(PollenException.class,
                () -> AnnIndex.open(junk, table, Similarity.COSINE, AnnOpenOptions.defaults()));
        assertEquals(ErrorCategory.CORRUPT_FILE, e.category(), e.getMessage());
        assertTrue(e.getMessage().contains("must be a JVector on-disk graph, starting with magic 0xffff0d61 and "
                + "version 3 (found 0x0 and 0 in 4096 bytes)"), e.getMessage());
    }

    @Test
    void shouldRefuseAnIndexOfAnotherShapeOfTable() {
        Path small = dir.resolve("small.table");
        Path smallIds = dir.resolve("small.idx");
        writeTable(small, smallIds, 500, DIM, 3);
        try (MappedEmbeddingTable t = MappedEmbeddingTable.open(small, smallIds)) {
            PollenException e = assertThrows(PollenException.class,
                    () -> AnnIndex.open(annFile, t, Similarity.COSINE, AnnOpenOptions.defaults()));
            assertEquals(ErrorCategory.SIGNATURE_MISMATCH, e.category());
            assertTrue(e.getMessage().contains("one node per row of table"), e.getMessage());
            assertTrue(e.getMessage().contains("expected 500, found 20000"), e.getMessage());
        }
    }

    @Test
    void shouldOpenTheIndexFromTheCatalogAndAnswerAsTheFileDoes() {
        Catalog catalog = FileSystemCatalog.open(dir.resolve("catalog-ok"), AnnIndexes.validators());
        Manifest m = catalog.publish(AnnIndexes.request("studio", "vectors", tableFile, idsFile, annFile,
                AnnBuildOptions.defaults()).owner("tests").build());
        assertTrue(AnnIndexes.hasIndex(m));
        assertEquals("cosine", m.properties().get(AnnIndexes.SIMILARITY_PROPERTY));
        assertEquals(report.sizeBytes(), m.attachment(AnnIndexes.ANN_FILE).sizeBytes());
        TopK fromFile = new TopK(10);
        TopK fromCatalog = new TopK(10);
        try (PollenRuntime runtime = PollenRuntime.builder(catalog).build()) {
            long start = System.nanoTime();
            try (AnnLease lease = AnnIndexes.open(runtime, ArtifactRef.parse("studio/vectors@1"),
                    AnnOpenOptions.defaults().verify(false))) {
                System.out.printf("opened from the catalog (unverified) in %.2f ms%n",
                        (System.nanoTime() - start) / 1e6);
                assertEquals("studio/vectors@1", lease.id().toString());
                for (float[] q : queries) {
                    index.search(q, 10, fromFile);
                    lease.index().search(q, 10, fromCatalog);
                    for (int i = 0; i < fromFile.size(); i++) {
                        assertEquals(fromFile.row(i), fromCatalog.row(i));
                    }
                }
            }
            try (AnnLease lease = AnnIndexes.open(runtime, "studio/vectors")) {
                lease.index().search(queries[0], 10, fromCatalog);
                assertEquals(10, fromCatalog.size());
            }
        }
    }

    @Test
    void shouldRefuseADamagedIndexByItsChecksum() throws IOException {
        Catalog catalog = FileSystemCatalog.open(dir.resolve("catalog-damaged"), AnnIndexes.validators());
        Manifest m = catalog.publish(AnnIndexes.request("studio", "vectors", tableFile, idsFile, annFile,
                AnnBuildOptions.defaults()).owner("tests").build());
        Path stored = catalog.attachment(m.id(), AnnIndexes.ANN_FILE);
        stored.toFile().setWritable(true);
        try (FileChannel ch = FileChannel.open(stored, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            long at = ch.size() / 2;
            ch.read(b, at);
            b.put(0, (byte) (b.get(0) ^ 0x40)).rewind();
            ch.write(b, at);
        }
        try (PollenRuntime runtime = PollenRuntime.builder(catalog).build()) {
            PollenException e = assertThrows(PollenException.class, () -> AnnIndexes.open(runtime, "studio/vectors@1"));
            assertEquals(ErrorCategory.CHECKSUM_MISMATCH, e.category());
            assertTrue(e.getMessage().contains("ANN index attachment"), e.getMessage());
            assertTrue(e.getMessage().contains(m.attachment(AnnIndexes.ANN_FILE).sha256()), e.getMessage());
            // the failed open released its table lease: the runtime closes cleanly with nothing leaked
        }
        truncate(stored, 100);
        try (PollenRuntime runtime = PollenRuntime.builder(catalog).build()) {
            PollenException e = assertThrows(PollenException.class, () -> AnnIndexes.open(runtime,
                    ArtifactRef.parse("studio/vectors@1"), AnnOpenOptions.defaults().verify(false)));
            assertEquals(ErrorCategory.CHECKSUM_MISMATCH, e.category());
            assertTrue(e.getMessage().contains("must be " + report.sizeBytes() + " bytes"), e.getMessage());
        }
    }

    @Test
    void shouldSayATableVersionHasNoIndex() {
        Catalog catalog = FileSystemCatalog.open(dir.resolve("catalog-plain"), AnnIndexes.validators());
        catalog.publish(TableArtifacts.request("studio", "plain", tableFile, idsFile).owner("tests").build());
        try (PollenRuntime runtime = PollenRuntime.builder(catalog).build()) {
            PollenException e = assertThrows(PollenException.class, () -> AnnIndexes.open(runtime, "studio/plain"));
            assertEquals(ErrorCategory.NOT_FOUND, e.category());
            assertTrue(e.getMessage().contains("has no ANN index"), e.getMessage());
        }
    }

    @Test
    void shouldRefuseToPublishAnIndexOfAnotherTable() {
        Path small = dir.resolve("other.table");
        Path smallIds = dir.resolve("other.idx");
        writeTable(small, smallIds, 500, DIM, 5);
        Catalog catalog = FileSystemCatalog.open(dir.resolve("catalog-mismatch"), AnnIndexes.validators());
        PollenException e = assertThrows(PollenException.class, () -> catalog.publish(AnnIndexes.request("studio",
                "other", small, smallIds, annFile, AnnBuildOptions.defaults()).owner("tests").build()));
        assertTrue(e.getMessage().contains("one node per row"), e.getMessage());
    }

    private static void truncate(Path file, long size) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(size);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void assertInvalid(Runnable call, String... parts) {
        PollenException e = assertThrows(PollenException.class, call::run);
        assertEquals(ErrorCategory.INVALID_ARGUMENT, e.category(), e.getMessage());
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "'" + part + "' in: " + e.getMessage());
        }
    }
}
