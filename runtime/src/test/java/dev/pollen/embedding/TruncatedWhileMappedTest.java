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
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * A table (or its index) truncated by another writer while it is mapped, with the background check off: the read
 * that faults fails with a clear {@link ErrorCategory#CORRUPT_FILE} error naming the file and both lengths, never the
 * JVM's {@link InternalError}, and every later read fails the same way before it touches the mapping. The files are
 * truncated for real ({@link FileChannel#truncate}), in this JVM, so reads past the new end raise SIGBUS.
 * {@link TableChangedWhileMappedTest} covers the background check, on every JDK.
 *
 * <p>Runs by hand, on JDK 25 and later: {@code JAVA_HOME=<a JDK 25> mvn -pl runtime test -Dpollen.sigbus=true}
 * (a JVM of its own). JDK 17 reports a SIGBUS in JIT-compiled code asynchronously, at the thread's next transition
 * into the VM, usually after the read returned, so no catch inside the read can see it; and JDK 25 has crashed
 * (SIGSEGV in C2-compiled {@code MappedEmbeddingTable.element}) on the same reads, so the build does not depend on
 * it (see {@link MappedEmbeddingTable}'s "Files changed under a reader").
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
        return MappedEmbeddingTable.open(table, index(table), TableOpenOptions.defaults()
                .changeCheckInterval(Duration.ZERO));
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

    /** Asserts the read fails with the truncation error; returns it. */
    private static PollenException assertTruncated(Executable read, String what, long expected, long found) {
        PollenException e = assertThrows(PollenException.class, read);
        assertEquals(ErrorCategory.CORRUPT_FILE, e.category(), e.getMessage());
        String rule = what + " was truncated or changed while mapped (expected " + expected + " bytes, found " + found
                + " bytes)";
        assertTrue(e.getMessage().contains(rule), "'" + rule + "' missing from: " + e.getMessage());
        return e;
    }

    /** Asserts the first read after the truncation faulted in the mapping and kept the JVM's fault as the cause. */
    private static void assertFaulted(Executable read, String what, long expected, long found) {
        PollenException e = assertTruncated(read, what, expected, found);
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
            for (String faulting : longIdReads(null).keySet()) {
                // A table of its own per read, so each read's own catch meets the fault.
                Path table = write("long-" + dtype + "-" + faulting, dtype, IdKind.LONG);
                long length = Files.size(table);
                String what = "embedding table " + table;
                try (MappedEmbeddingTable t = open(table)) {
                    Map<String, Executable> reads = longIdReads(t);
                    reads.get(faulting).execute(); // fine before; the others stay cold, compiled by no warm-up
                    truncate(table, TableFormat.ROWS_OFFSET);
                    assertFaulted(reads.get(faulting), what, length, TableFormat.ROWS_OFFSET);
                    for (Executable read : reads.values()) {
                        assertTruncated(read, what, length, TableFormat.ROWS_OFFSET);
                    }
                    assertTruncated(() -> t.row(1500L), what, length, TableFormat.ROWS_OFFSET);
                } catch (Throwable e) {
                    throw new AssertionError(dtype + ", " + faulting + ": " + e, e);
                }
            }
        }
    }

    @Test
    void shouldFailStringIdLookupsAndGathersOfATableTruncatedWhileMapped() throws IOException {
        CharSequence[] ids = {"id-1", "id-2000", "id-17"};
        for (String faulting : stringIdReads(null, ids).keySet()) {
            Path table = write("string-" + faulting, TableDType.FLOAT32, IdKind.STRING);
            long length = Files.size(table);
            String what = "embedding table " + table;
            try (MappedEmbeddingTable t = open(table)) {
                assertEquals(2000, t.row("id-2000"));
                assertEquals(3, t.gather(ids, 3, destination(3), 0, UnknownIds.zero()));
                Map<String, Executable> reads = stringIdReads(t, ids);
                truncate(table, TableFormat.ROWS_OFFSET);
                assertFaulted(reads.get(faulting), what, length, TableFormat.ROWS_OFFSET);
                for (Executable read : reads.values()) {
                    assertTruncated(read, what, length, TableFormat.ROWS_OFFSET);
                }
            } catch (Throwable e) {
                throw new AssertionError(faulting + ": " + e, e);
            }
        }
    }

    private static Map<String, Executable> stringIdReads(MappedEmbeddingTable t, CharSequence[] ids) {
        Map<String, Executable> reads = new LinkedHashMap<>();
        reads.put("row", () -> t.row("id-2000"));
        reads.put("index.row", () -> t.index().row("id-2000"));
        reads.put("gather", () -> t.gather(ids, 3, destination(3), 0, UnknownIds.zero()));
        reads.put("id", () -> t.id(2000));
        return reads;
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
            assertFaulted(() -> {
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
        // the gather's and top-k's loops poll inside the call. A table each, so each meets the fault itself.
        long[] ids = new long[16];
        ByteBuffer dst = destination(ids.length);
        float[] query = new float[DIM];
        Map<String, Executable> reads = new LinkedHashMap<>();
        for (String faulting : new String[] {"gather", "topK"}) {
            Path table = write("warm-" + faulting, TableDType.FLOAT32, IdKind.LONG);
            long length = Files.size(table);
            String what = "embedding table " + table;
            try (MappedEmbeddingTable t = open(table)) {
                reads.put("gather", () -> t.gather(ids, ids.length, dst, 0, UnknownIds.zero()));
                reads.put("topK", () -> t.topK(query, Similarity.DOT, new TopK(3)));
                float sink = 0;
                for (int i = 0; i < 30_000; i++) {
                    for (int j = 0; j < ids.length; j++) {
                        ids[j] = 1000 + (i * 31L + j * 7L) % ROWS;
                    }
                    t.gather(ids, ids.length, dst, 0, UnknownIds.zero());
                    sink += dst.getFloat(0);
                    if (i % 100 == 0) {
                        TopK top = new TopK(3);
                        t.topK(query, Similarity.DOT, top);
                        sink += top.size();
                    }
                }
                assertTrue(Float.isFinite(sink));
                truncate(table, TableFormat.ROWS_OFFSET);
                assertFaulted(reads.get(faulting), what, length, TableFormat.ROWS_OFFSET);
                for (int i = 0; i < 200; i++) {
                    for (Executable read : reads.values()) {
                        assertTruncated(read, what, length, TableFormat.ROWS_OFFSET);
                    }
                }
            }
        }
    }
}
