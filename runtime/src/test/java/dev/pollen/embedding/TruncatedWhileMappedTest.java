package dev.pollen.embedding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * A table (or its index) truncated by another writer while it is mapped: every read fails with a clear
 * {@link ErrorCategory#CORRUPT_FILE} error naming the file and both lengths, never the JVM's {@link InternalError}.
 * The files are truncated for real ({@link FileChannel#truncate}), in this JVM, so reads past the new end raise SIGBUS.
 *
 * <p>Runs on JDK 25 and later: JDK 17 reports a SIGBUS in JIT-compiled code asynchronously, at the thread's next
 * transition into the VM, usually after the read returned, so no catch inside the read can see it (see
 * {@link MappedEmbeddingTable}'s "Files changed under a reader"). Run it there with
 * {@code JAVA_HOME=<a JDK 25> mvn -pl runtime test -Dtest=TruncatedWhileMappedTest}.
 */
class TruncatedWhileMappedTest {
    private static final int ROWS = 2048;
    private static final int DIM = 64;

    @TempDir
    Path dir;

    @BeforeEach
    void requireSynchronousFaults() {
        assumeTrue(Runtime.version().feature() >= 25, "JDK " + Runtime.version().feature() + " raises a SIGBUS"
                + " of compiled code asynchronously, after the read returned; this behaviour is tested on JDK 25+");
    }

    private Path write(String name, TableDType dtype, IdKind kind) {
        Path table = dir.resolve(name + ".table");
        float[][] v = MappedEmbeddingTableTest.vectors(ROWS, DIM, 3);
        try (EmbeddingTableWriter w = EmbeddingTableWriter.create(table, dir.resolve(name + ".idx"), DIM, dtype, kind,
                "test")) {
            for (int r = 0; r < ROWS; r++) {
                if (kind == IdKind.LONG) {
                    w.append(1000L + r, v[r]);
                } else {
                    w.append("id-" + r, v[r]);
                }
            }
            w.finish();
        }
        return table;
    }

    private static MappedEmbeddingTable open(Path table) {
        return MappedEmbeddingTable.open(table, index(table));
    }

    private static Path index(Path table) {
        return table.resolveSibling(table.getFileName().toString().replace(".table", ".idx"));
    }

    /** Truncates a file the way another process would: through its own channel, leaving our mapping in place. */
    private static void truncate(Path file, long length) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(length);
        }
    }

    private static void assertTruncated(Executable read, String what, long expected, long found) {
        PollenException e = assertThrows(PollenException.class, read);
        assertEquals(ErrorCategory.CORRUPT_FILE, e.category(), e.getMessage());
        String rule = what + " was truncated or changed while mapped (expected " + expected + " bytes, found " + found
                + " bytes)";
        assertTrue(e.getMessage().contains(rule), "'" + rule + "' missing from: " + e.getMessage());
        assertTrue(e.getCause() instanceof InternalError, "keeps the JVM's fault as the cause: " + e.getCause());
    }

    private static ByteBuffer destination(int rows) {
        return ByteBuffer.allocateDirect(rows * DIM * 4).order(ByteOrder.nativeOrder());
    }

    private static Map<String, Executable> longIdReads(MappedEmbeddingTable t) {
        long[] ids = {1000, 1500, 3047};
        Map<String, Executable> reads = new LinkedHashMap<>();
        reads.put("gather", () -> t.gather(ids, 3, destination(3), 0, UnknownIds.zero()));
        reads.put("gatherRows", () -> t.gatherRows(new long[] {0, 1000, 2047}, 3, destination(3), 0));
        reads.put("topK", () -> t.topK(new float[DIM], Similarity.COSINE, new TopK(5)));
        reads.put("copyRow", () -> t.copyRow(1500, new float[DIM], 0));
        reads.put("get", () -> t.get(2000, 3));
        reads.put("norm", () -> t.norm(2000));
        reads.put("longId", () -> t.longId(2000));
        reads.put("id", () -> t.id(2000));
        reads.put("rowView.get", () -> new RowView().wrap(t, 2000).get(5));
        reads.put("rowView.dot", () -> new RowView().wrap(t, 2000).dot(new float[DIM]));
        return reads;
    }

    @Test
    void shouldFailEveryReadOfATableTruncatedWhileMappedWithCorruptFile() throws IOException {
        for (TableDType dtype : TableDType.values()) {
            Path table = write("long-" + dtype, dtype, IdKind.LONG);
            long length = Files.size(table);
            try (MappedEmbeddingTable t = open(table)) {
                Map<String, Executable> reads = longIdReads(t);
                for (Executable read : reads.values()) {
                    read.execute(); // all fine before
                }
                truncate(table, TableFormat.ROWS_OFFSET);
                for (Map.Entry<String, Executable> read : reads.entrySet()) {
                    assertTruncated(read.getValue(), "embedding table " + table, length, TableFormat.ROWS_OFFSET);
                }
                assertEquals(500, t.row(1500L), "the index, untouched, still answers");
            } catch (Throwable e) {
                throw new AssertionError(dtype + ": " + e, e);
            }
        }
    }

    @Test
    void shouldFailStringIdLookupsAndGathersOfATableTruncatedWhileMapped() throws IOException {
        Path table = write("string", TableDType.FLOAT32, IdKind.STRING);
        long length = Files.size(table);
        try (MappedEmbeddingTable t = open(table)) {
            CharSequence[] ids = {"id-1", "id-2000", "id-17"};
            assertEquals(2000, t.row("id-2000"));
            assertEquals(3, t.gather(ids, 3, destination(3), 0, UnknownIds.zero()));
            truncate(table, TableFormat.ROWS_OFFSET);
            String what = "embedding table " + table;
            assertTruncated(() -> t.row("id-2000"), what, length, TableFormat.ROWS_OFFSET);
            assertTruncated(() -> t.index().row("id-2000"), what, length, TableFormat.ROWS_OFFSET);
            assertTruncated(() -> t.gather(ids, 3, destination(3), 0, UnknownIds.zero()), what, length,
                    TableFormat.ROWS_OFFSET);
            assertTruncated(() -> t.id(2000), what, length, TableFormat.ROWS_OFFSET);
        }
    }

    @Test
    void shouldFailLookupsThroughAnIndexTruncatedWhileMapped() throws IOException {
        Path table = write("index", TableDType.FLOAT32, IdKind.LONG);
        Path index = index(table);
        long length = Files.size(index);
        try (MappedEmbeddingTable t = open(table)) {
            long[] ids = {1000, 2000, 3000};
            assertEquals(1000, t.row(2000L));
            truncate(index, 4096);
            String what = "id index " + index;
            // Probe enough ids that some land on slots past the new end.
            assertTruncated(() -> {
                for (long id = 1000; id < 1000 + ROWS; id++) {
                    t.row(id);
                }
            }, what, length, 4096);
            assertTruncated(() -> {
                for (long id = 1000; id < 1000 + ROWS; id += 3) {
                    ids[0] = id;
                    t.gather(ids, 3, destination(3), 0, UnknownIds.zero());
                }
            }, what, length, 4096);
        }
    }

    @Test
    void shouldFailAWarmGatherAndTopKOfATableTruncatedWhileMapped() throws IOException {
        // The hot paths once the JIT has compiled them: a fault in compiled code is raised at a safepoint poll, and
        // the gather's and top-k's loops poll inside the call.
        Path table = write("warm", TableDType.FLOAT32, IdKind.LONG);
        long length = Files.size(table);
        try (MappedEmbeddingTable t = open(table)) {
            long[] ids = new long[16];
            ByteBuffer dst = destination(ids.length);
            float sink = 0;
            for (int i = 0; i < 30_000; i++) {
                for (int j = 0; j < ids.length; j++) {
                    ids[j] = 1000 + (i * 31L + j * 7L) % ROWS;
                }
                t.gather(ids, ids.length, dst, 0, UnknownIds.zero());
                sink += dst.getFloat(0);
                if (i % 100 == 0) {
                    TopK top = new TopK(3);
                    t.topK(new float[DIM], Similarity.DOT, top);
                    sink += top.size();
                }
            }
            assertTrue(Float.isFinite(sink));
            truncate(table, TableFormat.ROWS_OFFSET);
            for (int i = 0; i < 200; i++) {
                assertTruncated(() -> t.gather(ids, ids.length, dst, 0, UnknownIds.zero()),
                        "embedding table " + table, length, TableFormat.ROWS_OFFSET);
            }
            float[] query = new float[DIM];
            for (int i = 0; i < 200; i++) {
                assertTruncated(() -> t.topK(query, Similarity.DOT, new TopK(3)), "embedding table " + table, length,
                        TableFormat.ROWS_OFFSET);
            }
        }
    }
}
