package dev.pollen.embedding;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class MappedEmbeddingTableTest {
    @TempDir
    Path dir;

    static float[][] vectors(int rows, int dim, long seed) {
        Random random = new Random(seed);
        float[][] v = new float[rows][dim];
        for (float[] row : v) {
            for (int i = 0; i < dim; i++) {
                row[i] = (float) random.nextGaussian();
            }
        }
        return v;
    }

    Path write(String name, float[][] v, TableDType dtype, IdKind kind) {
        Path table = dir.resolve(name + ".table");
        try (EmbeddingTableWriter w = EmbeddingTableWriter.create(table, dir.resolve(name + ".idx"), v[0].length,
                dtype, kind, "tests")) {
            for (int r = 0; r < v.length; r++) {
                if (kind == IdKind.LONG) {
                    w.append(1000L + 7L * r, v[r]);
                } else {
                    w.append("t" + r + (r % 5 == 0 ? "-é漢😀" : ""), v[r]);
                }
            }
            w.finish();
        }
        return table;
    }

    static float tolerance(TableDType dtype, float[] row) {
        float max = 0;
        for (float x : row) {
            max = Math.max(max, Math.abs(x));
        }
        return switch (dtype) {
            case FLOAT32 -> 0f;
            case FLOAT16 -> max / 1024f + 1e-7f;
            case INT8 -> max / 127f / 2f + 1e-6f;
        };
    }

    @ParameterizedTest
    @EnumSource(TableDType.class)
    void shouldReadBackEveryRowByIdAcrossSeveralMappedPieces(TableDType dtype) {
        float[][] v = vectors(300, 24, 1);
        Path table = write("t", v, dtype, IdKind.LONG);
        // 4 KiB pieces: a 24-dim float32 row takes 128 bytes, so 32 rows per piece and 10 pieces
        try (MappedEmbeddingTable t = MappedEmbeddingTable.open(table, dir.resolve("t.idx"),
                TableOpenOptions.defaults(), 4096)) {
            assertEquals(300, t.rows());
            assertEquals(24, t.dimension());
            assertEquals(dtype, t.dtype());
            assertEquals("tests", t.producer());
            float[] out = new float[24];
            RowView view = new RowView();
            for (int r = 0; r < v.length; r++) {
                long row = t.row(1000L + 7L * r);
                assertEquals(r, row);
                assertEquals(1000L + 7L * r, t.longId(row));
                t.copyRow(row, out, 0);
                view.wrap(t, row);
                float tol = tolerance(dtype, v[r]);
                for (int i = 0; i < 24; i++) {
                    assertEquals(v[r][i], out[i], tol, "row " + r + " element " + i);
                    assertEquals(out[i], view.get(i));
                    assertEquals(out[i], t.get(row, i));
                }
            }
            assertEquals(-1, t.row(999L));
            assertEquals(-1, t.row("1000"), "a long-id table has no string ids");
        }
    }

    @Test
    void shouldFindStringIdsIncludingNonAsciiOnes() {
        float[][] v = vectors(500, 8, 2);
        Path table = write("s", v, TableDType.FLOAT32, IdKind.STRING);
        try (MappedEmbeddingTable t = MappedEmbeddingTable.open(table, dir.resolve("s.idx"))) {
            for (int r = 0; r < v.length; r++) {
                String id = "t" + r + (r % 5 == 0 ? "-é漢😀" : "");
                assertEquals(r, t.row(id), id);
                assertEquals(r, t.row(new StringBuilder(id)), "any CharSequence");
                assertEquals(id, t.id(r));
            }
            assertEquals(-1, t.row("t0"), "a prefix of a stored id is not that id");
            assertEquals(-1, t.row("t0-é漢"), "a prefix that ends inside a multi-byte character");
            assertEquals(-1, t.row("t5-é漢😀x"));
            assertEquals(-1, t.row(""));
        }
    }

    @Test
    void shouldGatherRowsIntoADirectBufferWithEachUnknownIdPolicy() {
        float[][] v = vectors(50, 16, 3);
        Path table = write("g", v, TableDType.FLOAT32, IdKind.LONG);
        try (MappedEmbeddingTable t = MappedEmbeddingTable.open(table, dir.resolve("g.idx"))) {
            ByteBuffer dst = ByteBuffer.allocateDirect(4 * 16 * 4).order(ByteOrder.nativeOrder());
            long[] ids = {1000L + 7 * 3, 42L, 1000L + 7 * 49, 1000L};

            assertEquals(4, t.gather(ids, 4, dst, 0, UnknownIds.zero()));
            assertRow(v[3], dst, 0);
            assertRow(new float[16], dst, 1);
            assertRow(v[49], dst, 2);
            assertRow(v[0], dst, 3);
            assertEquals(1, t.unknownIds());

            assertEquals(4, t.gather(ids, 4, dst, 0, UnknownIds.defaultRow(7)));
            assertRow(v[7], dst, 1);

            assertEquals(3, t.gather(ids, 4, dst, 0, UnknownIds.skip()));
            assertRow(v[3], dst, 0);
            assertRow(v[49], dst, 1);
            assertRow(v[0], dst, 2);
            assertEquals(3, t.unknownIds(), "every unknown id is counted, whatever the policy");

            t.gatherRows(new long[] {5, 6}, 2, dst, 64);
            assertRow(v[5], dst, 1);
            assertRow(v[6], dst, 2);
        }
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(ints = {1, 2, 3, 16})
    void shouldGatherIntoABufferOfExactlyTheRightSizeWithEveryPolicy(int dim) {
        float[][] v = vectors(200, dim, 40 + dim);
        Path table = write("e" + dim, v, TableDType.FLOAT32, IdKind.LONG);
        try (MappedEmbeddingTable t = MappedEmbeddingTable.open(table, dir.resolve("e" + dim + ".idx"))) {
            Random random = new Random(dim);
            int count = 300;
            long[] ids = new long[count];
            int[] rows = new int[count];
            for (int i = 0; i < count; i++) {
                rows[i] = random.nextInt(10) == 0 ? -1 : random.nextInt(200);
                ids[i] = rows[i] < 0 ? -99 - i : 1000L + 7L * rows[i];
            }
            for (UnknownIds policy : new UnknownIds[] {UnknownIds.zero(), UnknownIds.defaultRow(5),
                UnknownIds.skip()}) {
                ByteBuffer dst = ByteBuffer.allocateDirect(count * dim * 4).order(ByteOrder.nativeOrder());
                int written = t.gather(ids, count, dst, 0, policy);
                int slot = 0;
                for (int i = 0; i < count; i++) {
                    float[] expected = rows[i] >= 0 ? v[rows[i]]
                            : policy == UnknownIds.zero() ? new float[dim]
                            : policy == UnknownIds.skip() ? null : v[5];
                    if (expected != null) {
                        assertRow(expected, dst, slot++);
                    }
                }
                assertEquals(slot, written, "rows written with " + policy);
            }
        }
    }

    private static void assertRow(float[] expected, ByteBuffer dst, int slot) {
        float[] actual = new float[expected.length];
        for (int i = 0; i < actual.length; i++) {
            actual[i] = dst.getFloat((slot * expected.length + i) * 4);
        }
        assertArrayEquals(expected, actual);
    }

    @Test
    void shouldRejectBadGatherArgumentsNamingTheRule() {
        float[][] v = vectors(10, 16, 4);
        Path table = write("b", v, TableDType.FLOAT32, IdKind.LONG);
        try (MappedEmbeddingTable t = MappedEmbeddingTable.open(table, dir.resolve("b.idx"))) {
            long[] ids = {1000, 1007};
            PollenException small = assertThrows(PollenException.class, () -> t.gather(ids, 2,
                    ByteBuffer.allocateDirect(100), 0, UnknownIds.zero()));
            assertTrue(small.getMessage().contains("must hold 2 rows × 16 floats = 128 bytes from offset 0 (found "
                    + "100)"), small.getMessage());
            PollenException heap = assertThrows(PollenException.class, () -> t.gather(ids, 2,
                    ByteBuffer.allocate(1000), 0, UnknownIds.zero()));
            assertTrue(heap.getMessage().contains("direct buffer (found a heap buffer)"), heap.getMessage());
            PollenException count = assertThrows(PollenException.class, () -> t.gather(ids, 3,
                    ByteBuffer.allocateDirect(1000), 0, UnknownIds.zero()));
            assertTrue(count.getMessage().contains("from 0 to the 2 ids given (found 3)"), count.getMessage());
            PollenException order = assertThrows(PollenException.class, () -> t.gather(ids, 2,
                    ByteBuffer.allocateDirect(1000).order(ByteOrder.BIG_ENDIAN), 0, UnknownIds.zero()));
            assertTrue(order.getMessage().contains("gather destination must be in native byte order LITTLE_ENDIAN "
                    + "(found BIG_ENDIAN)"), order.getMessage());
            PollenException defaultRow = assertThrows(PollenException.class, () -> t.gather(ids, 2,
                    ByteBuffer.allocateDirect(1000), 0, UnknownIds.defaultRow(10)));
            assertTrue(defaultRow.getMessage().contains("from 0 to 9 (found 10)"), defaultRow.getMessage());
            ByteBuffer untouched = ByteBuffer.allocateDirect(3 * 16 * 4).order(ByteOrder.nativeOrder());
            PollenException badRow = assertThrows(PollenException.class,
                    () -> t.gatherRows(new long[] {1, 2, 10}, 3, untouched, 0));
            assertEquals(ErrorCategory.INVALID_ARGUMENT, badRow.category());
            assertTrue(badRow.getMessage().contains("row must be from 0 to 9") && badRow.getMessage().contains(
                    "found 10"), badRow.getMessage());
            for (int i = 0; i < untouched.capacity(); i++) {
                assertEquals(0, untouched.get(i), "a refused gather writes nothing (byte " + i + ")");
            }
            PollenException row = assertThrows(PollenException.class, () -> t.norm(-1));
            assertTrue(row.getMessage().contains("row must be from 0 to 9") && row.getMessage().contains("found -1"),
                    row.getMessage());
        }
    }

    @ParameterizedTest
    @EnumSource(Similarity.class)
    void shouldReturnTheSameTopKAsABruteForceSort(Similarity similarity) {
        float[][] v = vectors(2000, 32, 5);
        Path table = write("k", v, TableDType.FLOAT32, IdKind.LONG);
        try (MappedEmbeddingTable t = MappedEmbeddingTable.open(table, dir.resolve("k.idx"))) {
            float[] q = v[17].clone();
            TopK top = new TopK(10);
            t.topK(q, similarity, top, 17);
            double[] scores = new double[v.length];
            for (int r = 0; r < v.length; r++) {
                double dot = 0;
                double n = 0;
                double qn = 0;
                for (int i = 0; i < 32; i++) {
                    dot += v[r][i] * q[i];
                    n += v[r][i] * v[r][i];
                    qn += q[i] * q[i];
                }
                scores[r] = r == 17 ? Double.NEGATIVE_INFINITY
                        : similarity == Similarity.DOT ? dot : dot / Math.sqrt(n) / Math.sqrt(qn);
            }
            Integer[] order = new Integer[v.length];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            java.util.Arrays.sort(order, (a, b) -> Double.compare(scores[b], scores[a]));
            assertEquals(10, top.size());
            for (int i = 0; i < 10; i++) {
                assertEquals((long) order[i], top.row(i), "rank " + i);
                assertEquals(scores[order[i]], top.score(i), 1e-4);
            }
            TopK all = new TopK(5000);
            t.topK(q, similarity, all);
            assertEquals(2000, all.size(), "a table smaller than k returns every row");
            assertEquals(17, all.row(0), "without exclusion the query's own row ranks first");
        }
    }

    @Test
    void shouldRejectDuplicateIdsNamingTheIdAndBothRowsAndLeaveNothingBehind() {
        Path table = dir.resolve("d.table");
        EmbeddingTableWriter w = EmbeddingTableWriter.create(table, dir.resolve("d.idx"), 2, TableDType.FLOAT32,
                IdKind.STRING, "");
        w.append("a", new float[] {1, 2});
        w.append("b", new float[] {1, 2});
        w.append("a", new float[] {3, 4});
        PollenException e = assertThrows(PollenException.class, w::finish);
        assertTrue(e.getMessage().contains("ids must be unique (found id 'a' at rows 0 and 2)"), e.getMessage());
        assertFalse(Files.exists(table));
        assertFalse(Files.exists(dir.resolve("d.idx")));
        try (var files = java.util.stream.Stream.of(dir.toFile().list())) {
            assertEquals(0, files.count(), "temporary files are removed");
        }
    }

    @Test
    void shouldRejectBadRowsNamingRowIdAndValue() {
        try (EmbeddingTableWriter w = EmbeddingTableWriter.create(dir.resolve("r.table"), dir.resolve("r.idx"), 3,
                TableDType.FLOAT32, IdKind.LONG, "")) {
            PollenException nan = assertThrows(PollenException.class, () -> w.append(5, new float[] {1, Float.NaN,
                0}));
            assertTrue(nan.getMessage().contains("row 0 (id 5): values must be finite (found NaN at element 1)"),
                    nan.getMessage());
            PollenException shortRow = assertThrows(PollenException.class, () -> w.append(5, new float[] {1, 2}));
            assertTrue(shortRow.getMessage().contains("needs 3 values from offset 0 (found 2)"), shortRow.getMessage());
            PollenException kind = assertThrows(PollenException.class, () -> w.append("x", new float[] {1, 2, 3}));
            assertTrue(kind.getMessage().contains("takes long ids (found string id 'x')"), kind.getMessage());
            PollenException empty = assertThrows(PollenException.class, w::finish);
            assertTrue(empty.getMessage().contains("needs at least one row"), empty.getMessage());
        }
        PollenException dim = assertThrows(PollenException.class, () -> EmbeddingTableWriter.create(
                dir.resolve("z.table"), dir.resolve("z.idx"), 0, TableDType.FLOAT32, IdKind.LONG, ""));
        assertTrue(dim.getMessage().contains("dimension must be from 1 to 65536 (found 0)"), dim.getMessage());
    }

    @Test
    void shouldRefuseToOverwriteATable() {
        Path table = write("o", vectors(2, 2, 6), TableDType.FLOAT32, IdKind.LONG);
        PollenException e = assertThrows(PollenException.class, () -> EmbeddingTableWriter.create(table,
                dir.resolve("o.idx"), 2, TableDType.FLOAT32, IdKind.LONG, ""));
        assertEquals(ErrorCategory.ALREADY_EXISTS, e.category());
    }

    @Test
    void shouldFailCallsAfterCloseButKeepViewsSafe() {
        Path table = write("c", vectors(3, 4, 7), TableDType.FLOAT32, IdKind.LONG);
        MappedEmbeddingTable t = MappedEmbeddingTable.open(table, dir.resolve("c.idx"));
        RowView view = new RowView().wrap(t, 1);
        t.close();
        t.close();
        PollenException e = assertThrows(PollenException.class, () -> t.row(1000L));
        assertEquals(ErrorCategory.ILLEGAL_STATE, e.category());
        assertTrue(Float.isFinite(view.get(0)), "the mapping outlives close while a view refers to it");
    }
}
