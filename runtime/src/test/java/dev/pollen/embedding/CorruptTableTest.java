package dev.pollen.embedding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every damaged-file case is refused with a clear error, never a crash. */
class CorruptTableTest {
    @TempDir
    Path dir;
    Path table;
    Path index;

    @BeforeEach
    void writeTable() {
        table = dir.resolve("t.table");
        index = dir.resolve("t.idx");
        float[][] v = MappedEmbeddingTableTest.vectors(100, 16, 9);
        try (EmbeddingTableWriter w = EmbeddingTableWriter.create(table, index, 16, TableDType.FLOAT32, IdKind.STRING,
                "studio/content-encoder@1")) {
            for (int r = 0; r < v.length; r++) {
                w.append("id-" + r, v[r]);
            }
            w.finish();
        }
    }

    private PollenException refused(ErrorCategory category, String... fragments) {
        return refused(TableOpenOptions.defaults(), category, fragments);
    }

    private PollenException refused(TableOpenOptions options, ErrorCategory category, String... fragments) {
        PollenException e = assertThrows(PollenException.class, () -> MappedEmbeddingTable.open(table, index,
                options).close());
        assertEquals(category, e.category(), e.getMessage());
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "'" + f + "' missing from: " + e.getMessage());
        }
        return e;
    }

    private static void patch(Path file, long position, byte... bytes) throws IOException {
        byte[] all = Files.readAllBytes(file);
        System.arraycopy(bytes, 0, all, (int) position, bytes.length);
        Files.write(file, all);
    }

    private static void flip(Path file, long position) throws IOException {
        byte[] all = Files.readAllBytes(file);
        all[(int) position] ^= 0x10;
        Files.write(file, all);
    }

    @Test
    void shouldRejectTableWithBadMagic() throws IOException {
        patch(table, 0, "PNG\r\n\u001a\n\0".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        refused(ErrorCategory.CORRUPT_FILE, table.toString(), "must start with the magic 'PLNTABLE'",
                "found 'PNG\\x0d\\x0a\\x1a\\x0a\\x00'");
    }

    @Test
    void shouldRejectAnEmptyFile() throws IOException {
        Files.write(table, new byte[0]);
        refused(ErrorCategory.CORRUPT_FILE, "must start with the magic", "<0 bytes>");
    }

    @Test
    void shouldRejectTruncatedTable() throws IOException {
        byte[] all = Files.readAllBytes(table);
        Files.write(table, Arrays.copyOf(all, all.length - 100));
        refused(ErrorCategory.CORRUPT_FILE, "is truncated: its header says " + all.length + " bytes (found "
                + (all.length - 100) + ")");
        Files.write(table, Arrays.copyOf(all, 100));
        refused(ErrorCategory.CORRUPT_FILE, "is truncated: the header needs 256 bytes (found 100)");
    }

    @Test
    void shouldRejectTableWithBytesAfterItsEnd() throws IOException {
        Files.write(table, new byte[] {1, 2, 3}, java.nio.file.StandardOpenOption.APPEND);
        refused(ErrorCategory.CORRUPT_FILE, "has 3 bytes after the end its header states");
    }

    @Test
    void shouldRejectTableWhoseHeaderChecksumDoesNotMatch() throws IOException {
        flip(table, TableFormat.OFF_DIMENSION);
        refused(ErrorCategory.CHECKSUM_MISMATCH, "header checksum must be", "the header is damaged");
    }

    @Test
    void shouldRejectTableWhoseChecksumDoesNotMatch() throws IOException {
        flip(table, TableFormat.ROWS_OFFSET + 64 * 50 + 3);
        refused(ErrorCategory.CHECKSUM_MISMATCH, "data checksum must be", "the rows, norms or ids are damaged");
    }

    @Test
    void shouldRejectAFutureFormatVersion() throws IOException {
        ByteBuffer v = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 2);
        patch(table, TableFormat.OFF_VERSION, v.array());
        refused(ErrorCategory.CORRUPT_FILE, "has format version 2; this Pollen reads version 1");
    }

    @Test
    void shouldRejectAMissingFile() throws IOException {
        Files.delete(table);
        refused(ErrorCategory.NOT_FOUND, "does not exist", table.toString());
    }

    @Test
    void shouldRejectIndexWithBadMagicOrTruncation() throws IOException {
        byte[] all = Files.readAllBytes(index);
        Files.write(index, Arrays.copyOf(all, all.length - 16));
        refused(ErrorCategory.CORRUPT_FILE, "id index", "is truncated");
        Files.write(index, "not an index at all".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        refused(ErrorCategory.CORRUPT_FILE, "id index", "must start with the magic 'PLNIDIDX'", "found 'not an i'");
    }

    @Test
    void shouldRejectIndexWhoseSlotsAreDamaged() throws IOException {
        byte[] all = Files.readAllBytes(index);
        for (int p = MappedIdIndex.HEADER_LENGTH + 8; p < all.length; p += 16) {
            if (all[p] != 0) {
                all[p] ^= 0x40;
                break;
            }
        }
        Files.write(index, all);
        refused(ErrorCategory.CHECKSUM_MISMATCH, "id index", "slots checksum must be");
    }

    @Test
    void shouldRejectTheIndexOfAnotherTable() throws IOException {
        Path other = dir.resolve("o.table");
        Path otherIndex = dir.resolve("o.idx");
        try (EmbeddingTableWriter w = EmbeddingTableWriter.create(other, otherIndex, 16, TableDType.FLOAT32,
                IdKind.STRING, "")) {
            float[][] v = MappedEmbeddingTableTest.vectors(100, 16, 10);
            for (int r = 0; r < v.length; r++) {
                w.append("id-" + r, v[r]);
            }
            w.finish();
        }
        Files.copy(otherIndex, index, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        refused(ErrorCategory.CHECKSUM_MISMATCH, "was built for a table with data checksum", "not this one");
    }

    /** Rewrites the header's checksum after a deliberate change, so only the field checks can catch it. */
    private void patchHeaderLong(int at, long value) throws IOException {
        byte[] all = Files.readAllBytes(table);
        ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(at, value);
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(all, 0, TableFormat.OFF_HEADER_CRC);
        b.putLong(TableFormat.OFF_HEADER_CRC, crc.getValue());
        Files.write(table, all);
    }

    @Test
    void shouldRejectAHeaderWhoseRowCountCannotFitTheFile() throws IOException {
        patchHeaderLong(TableFormat.OFF_ROW_COUNT, 140_000_000_000_000_000L);
        refused(TableOpenOptions.defaults().verifyData(false), ErrorCategory.CORRUPT_FILE,
                "row count must fit the file's", "140000000000000000");
    }

    @Test
    void shouldFailLookupsClearlyWhenAnUnverifiedIndexPointsOutsideTheTable() throws IOException {
        byte[] all = Files.readAllBytes(index);
        ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        for (int p = MappedIdIndex.HEADER_LENGTH; p < all.length; p += 16) {
            if (b.getLong(p + 8) != 0) {
                b.putLong(p + 8, 1_000_000L);
            }
        }
        Files.write(index, all);
        try (MappedEmbeddingTable t = MappedEmbeddingTable.open(table, index,
                TableOpenOptions.defaults().verifyData(false))) {
            PollenException e = assertThrows(PollenException.class, () -> t.row("id-5"));
            assertEquals(ErrorCategory.CORRUPT_FILE, e.category());
            assertTrue(e.getMessage().contains("outside its table's 100 rows"), e.getMessage());
        }
    }

    @Test
    void shouldFailIdReadsClearlyWhenUnverifiedStringIdOffsetsAreDamaged() throws IOException {
        TableFormat.Header h = TableArtifacts.readHeader(table);
        byte[] all = Files.readAllBytes(table);
        ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        for (int r = 0; r <= 100; r++) {
            b.putLong((int) h.idsOffset() + 8 * r, 1L << 40);
        }
        Files.write(table, all);
        try (MappedEmbeddingTable t = MappedEmbeddingTable.open(table, index,
                TableOpenOptions.defaults().verifyData(false))) {
            assertEquals(5, t.row("id-5"), "lookups use the index's own copy of each id's place");
            PollenException e = assertThrows(PollenException.class, () -> t.id(5));
            assertEquals(ErrorCategory.CORRUPT_FILE, e.category());
            assertTrue(e.getMessage().contains("must lie inside the table's ids region"), e.getMessage());
        }
        refused(ErrorCategory.CHECKSUM_MISMATCH, "data checksum must be");
    }

    @Test
    void shouldRefuseCallsForTheOtherIdKind() {
        try (MappedEmbeddingTable t = MappedEmbeddingTable.open(table, index)) {
            PollenException e = assertThrows(PollenException.class, () -> t.gather(new long[] {1}, 1,
                    ByteBuffer.allocateDirect(64), 0, UnknownIds.zero()));
            assertEquals(ErrorCategory.INVALID_ARGUMENT, e.category());
            assertTrue(e.getMessage().contains("has string ids (found a call for long ids)"), e.getMessage());
            assertThrows(PollenException.class, () -> t.longId(0));
        }
    }

    @Test
    void shouldFailLookupsClearlyWhenAnUnverifiedIndexPointsOutsideTheIds() throws IOException {
        byte[] all = Files.readAllBytes(index);
        ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        for (int p = MappedIdIndex.HEADER_LENGTH; p < all.length; p += 16) {
            long value = b.getLong(p + 8);
            if (value != 0) {
                b.putLong(p + 8, (0x7fffffffL << 32) | (value & 0xffffffffL));
            }
        }
        Files.write(index, all);
        try (MappedEmbeddingTable t = MappedEmbeddingTable.open(table, index,
                TableOpenOptions.defaults().verifyData(false))) {
            PollenException e = assertThrows(PollenException.class, () -> t.row("id-5"));
            assertEquals(ErrorCategory.CORRUPT_FILE, e.category());
            assertTrue(e.getMessage().contains("outside the table's") && e.getMessage().contains("bytes of ids"),
                    e.getMessage());
        }
    }
}
