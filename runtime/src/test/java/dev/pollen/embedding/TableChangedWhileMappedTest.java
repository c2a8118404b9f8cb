package dev.pollen.embedding;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * A table's file truncated or rewritten in place by another writer while the table is open, on every JDK: once the
 * change is seen (by the background check, or by {@link MappedEmbeddingTable#checkUnchanged()}), every read fails
 * with {@link ErrorCategory#CORRUPT_FILE} naming the file, before it touches the mapping. No read here touches a page
 * that is gone, so no SIGBUS is raised (see {@link TruncatedWhileMappedTest} for reads that do).
 */
class TableChangedWhileMappedTest {
    private static final int ROWS = 512;
    private static final int DIM = 32;

    @TempDir
    Path dir;

    private Path write(String name) {
        Path table = dir.resolve(name + ".table");
        float[][] v = MappedEmbeddingTableTest.vectors(ROWS, DIM, 5);
        try (EmbeddingTableWriter w = EmbeddingTableWriter.create(table, index(table), DIM, TableDType.FLOAT32,
                IdKind.LONG, "test")) {
            for (int r = 0; r < ROWS; r++) {
                w.append(1000L + r, v[r]);
            }
            w.finish();
        }
        return table;
    }

    private static Path index(Path table) {
        return table.resolveSibling(table.getFileName().toString().replace(".table", ".idx"));
    }

    private static MappedEmbeddingTable open(Path table, Duration interval) {
        return MappedEmbeddingTable.open(table, index(table), TableOpenOptions.defaults().changeCheckInterval(interval));
    }

    private static void truncate(Path file, long length) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(length);
        }
    }

    private static Map<String, Executable> reads(MappedEmbeddingTable t) {
        long[] ids = {1000, 1100, 1511};
        ByteBuffer dst = ByteBuffer.allocateDirect(3 * DIM * 4).order(ByteOrder.nativeOrder());
        Map<String, Executable> reads = new LinkedHashMap<>();
        reads.put("gather", () -> t.gather(ids, 3, dst, 0, UnknownIds.zero()));
        reads.put("gatherRows", () -> t.gatherRows(new long[] {0, 100, 511}, 3, dst, 0));
        reads.put("topK", () -> t.topK(new float[DIM], Similarity.COSINE, new TopK(5)));
        reads.put("copyRow", () -> t.copyRow(100, new float[DIM], 0));
        reads.put("get", () -> t.get(400, 3));
        reads.put("norm", () -> t.norm(400));
        reads.put("longId", () -> t.longId(400));
        reads.put("id", () -> t.id(400));
        reads.put("row", () -> t.row(1400L));
        reads.put("index.row", () -> t.index().row(1400L));
        return reads;
    }

    private static void assertEveryReadFails(MappedEmbeddingTable t, String rule) {
        for (Map.Entry<String, Executable> read : reads(t).entrySet()) {
            PollenException e = assertThrows(PollenException.class, read.getValue(), read.getKey());
            assertEquals(ErrorCategory.CORRUPT_FILE, e.category(), read.getKey() + ": " + e.getMessage());
            assertTrue(e.getMessage().contains(rule), read.getKey() + ": '" + rule + "' missing from: "
                    + e.getMessage());
            assertNull(e.getCause(), "fails before touching the mapping: " + e.getCause());
        }
    }

    private static void awaitChangeSeen(MappedEmbeddingTable t) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!t.changeSeen() && System.nanoTime() < deadline) {
            Thread.sleep(2);
        }
        assertTrue(t.changeSeen(), "the background check saw the change within 10 s");
    }

    @Test
    void shouldFailEveryReadOnceTheBackgroundCheckSawTheTableTruncated() throws Throwable {
        Path table = write("background");
        long length = Files.size(table);
        try (MappedEmbeddingTable t = open(table, Duration.ofMillis(5))) {
            for (Executable read : reads(t).values()) {
                read.execute();
            }
            assertFalse(t.changeSeen());
            truncate(table, TableFormat.ROWS_OFFSET);
            awaitChangeSeen(t); // no read until then: on JDK 17 a read of a page gone faults asynchronously
            assertEveryReadFails(t, "embedding table " + table + " was truncated or changed while mapped (expected "
                    + length + " bytes, found " + TableFormat.ROWS_OFFSET + " bytes); a table must not be rewritten"
                    + " in place while it is open");
            RowView view = new RowView();
            assertThrows(PollenException.class, () -> view.wrap(t, 3));
        }
    }

    @Test
    void shouldFailEveryReadOnceTheBackgroundCheckSawTheIndexTruncated() throws Exception {
        Path table = write("index");
        Path index = index(table);
        long length = Files.size(index);
        try (MappedEmbeddingTable t = open(table, Duration.ofMillis(5))) {
            assertEquals(400, t.row(1400L));
            truncate(index, 64);
            awaitChangeSeen(t);
            assertEveryReadFails(t, "id index " + index + " was truncated or changed while mapped (expected " + length
                    + " bytes, found 64 bytes)");
        }
    }

    @Test
    void shouldFailAtOnceWhenCheckUnchangedLooksAfterATruncation() throws IOException {
        Path table = write("explicit");
        long length = Files.size(table);
        try (MappedEmbeddingTable t = open(table, Duration.ZERO)) {
            t.checkUnchanged();
            truncate(table, length / 2);
            PollenException e = assertThrows(PollenException.class, t::checkUnchanged);
            assertEquals(ErrorCategory.CORRUPT_FILE, e.category());
            String rule = "(expected " + length + " bytes, found " + length / 2 + " bytes)";
            assertTrue(e.getMessage().contains(rule), e.getMessage());
            assertEveryReadFails(t, rule);
        }
    }

    @Test
    void shouldFailEveryReadOfATableRewrittenInPlaceToTheSameLength() throws IOException {
        Path table = write("rewritten");
        long length = Files.size(table);
        FileTime published = FileTime.from(Instant.parse("2026-01-01T00:00:00Z"));
        Files.setLastModifiedTime(table, published); // as a file published a while ago
        try (MappedEmbeddingTable t = open(table, Duration.ZERO)) {
            float before = t.get(10, 0);
            try (FileChannel ch = FileChannel.open(table, StandardOpenOption.WRITE)) {
                ByteBuffer junk = ByteBuffer.allocate(DIM * 4);
                while (junk.hasRemaining()) {
                    junk.put((byte) 0x7f);
                }
                ch.write(junk.flip(), TableFormat.ROWS_OFFSET);
            }
            assertEquals(length, Files.size(table));
            PollenException e = assertThrows(PollenException.class, t::checkUnchanged);
            assertEquals(ErrorCategory.CORRUPT_FILE, e.category());
            assertTrue(e.getMessage().contains("its " + length + " bytes were rewritten in place"), e.getMessage());
            assertTrue(e.getMessage().contains("mapped when modified " + published), e.getMessage());
            assertEveryReadFails(t, "rewritten in place");
            assertTrue(Float.isFinite(before));
        }
    }

    @Test
    void shouldKeepServingTheMappedFileWhenANewFileIsRenamedOverItsPathOrItIsDeleted() throws Exception {
        Path table = write("replaced");
        Path other = write("other");
        try (MappedEmbeddingTable t = open(table, Duration.ofMillis(5))) {
            float[] before = new float[DIM];
            t.copyRow(7, before, 0);
            // A new version published the right way: a new file, moved over the old path.
            Files.move(other, table, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Files.delete(index(table));
            Thread.sleep(50); // ten background checks
            t.checkUnchanged();
            assertFalse(t.changeSeen());
            float[] after = new float[DIM];
            t.copyRow(7, after, 0);
            assertArrayEquals(before, after, "still the mapped file's rows");
            assertEquals(7, t.row(1007L));
        }
    }

    @Test
    void shouldRefuseACheckOfAClosedTable() {
        Path table = write("closed");
        MappedEmbeddingTable t = open(table, Duration.ofMillis(5));
        t.close();
        PollenException e = assertThrows(PollenException.class, t::checkUnchanged);
        assertEquals(ErrorCategory.ILLEGAL_STATE, e.category());
    }

    @Test
    void shouldRefuseAChangeCheckIntervalOutsideItsRange() {
        for (Duration bad : new Duration[] {Duration.ofMillis(-1), Duration.ofNanos(999_999), Duration.ofHours(2)}) {
            PollenException e = assertThrows(PollenException.class,
                    () -> TableOpenOptions.defaults().changeCheckInterval(bad));
            assertEquals(ErrorCategory.INVALID_ARGUMENT, e.category());
            assertTrue(e.getMessage().contains("table change check interval must be zero (never) or from 1 ms to 1 "
                    + "hour (found " + bad + ")"), e.getMessage());
        }
        assertEquals(Duration.ofMillis(50), TableOpenOptions.defaults().changeCheckInterval());
    }
}
