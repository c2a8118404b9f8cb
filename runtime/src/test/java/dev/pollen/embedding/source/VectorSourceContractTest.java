package dev.pollen.embedding.source;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What every {@link VectorSource} does; each format's test class extends this one. */
abstract class VectorSourceContractTest {
    @TempDir
    Path dir;

    /**
     * @param m the rows
     * @param idColumn whether the format's own ids are written (CSV's first column); {@code false} when the test
     *     gives an id file
     * @return the file
     */
    abstract Path write(float[][] m, boolean idColumn);

    /** @return the id of row {@code r} when no id file is given */
    abstract String ownId(int r);

    /** @return whether the format states its row count */
    abstract boolean knowsRowCount();

    private static float[] read(VectorSource source, float[] row) {
        assertTrue(source.next(row), "expected another row");
        return Arrays.copyOf(row, source.dimension());
    }

    @Test
    void shouldStreamEveryRowInOrderWithItsOwnIds() {
        float[][] m = VectorFiles.matrix(5, 3);
        try (VectorSource source = VectorSources.open(write(m, true))) {
            assertEquals(3, source.dimension());
            assertEquals(knowsRowCount() ? 5 : -1, source.rowsHint());
            assertEquals(-1, source.row());
            float[] row = new float[3];
            for (int r = 0; r < 5; r++) {
                assertArrayEquals(m[r], read(source, row));
                assertEquals(r, source.row());
                assertEquals(ownId(r), source.id());
            }
            assertFalse(source.next(row));
            assertFalse(source.next(row), "the end is sticky");
            assertEquals(ownId(4), source.id(), "id() still names the last row");
        }
    }

    @Test
    void shouldTakeIdsFromTheIdFileInRowOrder() {
        float[][] m = VectorFiles.matrix(4, 2);
        Path ids = VectorFiles.write(dir.resolve("ids.txt"), "alpha\r\nbeta\n\u00e9t\u00e9 \u2603\ndelta");
        try (VectorSource source = VectorSources.open(write(m, false), ids, null)) {
            float[] row = new float[2];
            String[] seen = new String[4];
            for (int r = 0; r < 4; r++) {
                assertArrayEquals(m[r], read(source, row));
                seen[r] = source.id();
            }
            assertFalse(source.next(row));
            assertArrayEquals(new String[] {"alpha", "beta", "\u00e9t\u00e9 \u2603", "delta"}, seen,
                    "CRLF, LF and no final line end; ids verbatim, UTF-8");
        }
    }

    @Test
    void shouldReportProgressUpToTheTotalOfBothFiles() throws Exception {
        float[][] m = VectorFiles.matrix(20, 4);
        Path input = write(m, false);
        Path ids = VectorFiles.write(dir.resolve("ids.txt"), VectorFiles.ids(20));
        try (VectorSource source = VectorSources.open(input, ids, null)) {
            assertEquals(Files.size(input) + Files.size(ids), source.totalBytes());
            float[] row = new float[4];
            while (source.next(row)) {
                assertTrue(source.bytesRead() <= source.totalBytes());
            }
            assertEquals(source.totalBytes(), source.bytesRead());
        }
    }

    @Test
    void shouldRejectIdBeforeTheFirstRow() {
        try (VectorSource source = VectorSources.open(write(VectorFiles.matrix(2, 2), true))) {
            PollenException e = assertThrows(PollenException.class, source::id);
            assertEquals(ErrorCategory.ILLEGAL_STATE, e.category());
        }
    }

    @Test
    void shouldRejectARowArrayShorterThanTheDimension() {
        try (VectorSource source = VectorSources.open(write(VectorFiles.matrix(2, 3), true))) {
            PollenException e = assertThrows(PollenException.class, () -> source.next(new float[2]));
            assertEquals(ErrorCategory.INVALID_ARGUMENT, e.category());
            assertTrue(e.getMessage().contains("row array has 2 elements, fewer than the dimension 3"), e.getMessage());
        }
    }

    @Test
    void shouldFillOnlyTheFirstDimensionValuesOfALongerArray() {
        float[][] m = VectorFiles.matrix(1, 2);
        try (VectorSource source = VectorSources.open(write(m, true))) {
            float[] row = {9, 9, 9, 9};
            assertTrue(source.next(row));
            assertArrayEquals(new float[] {m[0][0], m[0][1], 9, 9}, row);
        }
    }

    @Test
    void shouldRejectAnIdFileWithTooFewIdsNamingBothCounts() {
        Path input = write(VectorFiles.matrix(5, 2), false);
        Path ids = VectorFiles.write(dir.resolve("ids.txt"), VectorFiles.ids(3));
        PollenException e = assertThrows(PollenException.class, () -> drain(input, ids));
        assertEquals(ErrorCategory.INVALID_ARGUMENT, e.category());
        assertTrue(e.getMessage().contains("ids.txt has 3 ids but " + input + " has 5 rows"), e.getMessage());
        if (knowsRowCount()) {
            assertThrows(PollenException.class, () -> VectorSources.open(input, ids, null).close(),
                    "with a known row count the mismatch fails at open");
        }
    }

    @Test
    void shouldRejectAnIdFileWithTooManyIdsNamingBothCounts() {
        Path input = write(VectorFiles.matrix(5, 2), false);
        Path ids = VectorFiles.write(dir.resolve("ids.txt"), VectorFiles.ids(7));
        PollenException e = assertThrows(PollenException.class, () -> drain(input, ids));
        assertTrue(e.getMessage().contains("ids.txt has 7 ids but " + input + " has 5 rows"), e.getMessage());
    }

    @Test
    void shouldRejectABlankIdNamingItsLine() {
        Path input = write(VectorFiles.matrix(3, 2), false);
        Path ids = VectorFiles.write(dir.resolve("ids.txt"), "a\n  \nc\n");
        PollenException e = assertThrows(PollenException.class, () -> drain(input, ids));
        assertEquals(ErrorCategory.INVALID_ARGUMENT, e.category());
        assertTrue(e.getMessage().contains("ids.txt line 2: blank id '  '"), e.getMessage());
    }

    @Test
    void shouldRejectABlankLineAtTheEndOfTheIdFile() {
        Path input = write(VectorFiles.matrix(2, 2), false);
        Path ids = VectorFiles.write(dir.resolve("ids.txt"), "a\nb\n\n");
        PollenException e = assertThrows(PollenException.class, () -> drain(input, ids));
        assertTrue(e.getMessage().contains("ids.txt"), e.getMessage());
    }

    @Test
    void shouldCloseIdempotentlyAndRefuseToReadAfterClose() {
        VectorSource source = VectorSources.open(write(VectorFiles.matrix(2, 2), true));
        source.close();
        source.close();
        PollenException e = assertThrows(PollenException.class, () -> source.next(new float[2]));
        assertEquals(ErrorCategory.ILLEGAL_STATE, e.category());
    }

    @Test
    void shouldStreamAFileLargerThanItsBuffersWithoutReadingItWhole() {
        int rows = 50_000;
        float[][] m = VectorFiles.matrix(rows, 16);
        Path input = write(m, true);
        try (VectorSource source = VectorSources.open(input)) {
            assertTrue(source.totalBytes() > 2 * ChannelReader.CAPACITY, "the file must exceed the buffer");
            float[] row = new float[16];
            assertArrayEquals(m[0], read(source, row));
            assertTrue(source.bytesRead() <= ChannelReader.CAPACITY + 128 * 1024,
                    "read " + source.bytesRead() + " bytes for the first row: the file was buffered whole");
            long count = 1;
            while (source.next(row)) {
                count++;
            }
            assertEquals(rows, count);
            assertArrayEquals(m[rows - 1], row, "the end leaves the last row in place");
            assertEquals(ownId(rows - 1), source.id());
        }
    }

    private static void drain(Path input, Path ids) {
        try (VectorSource source = VectorSources.open(input, ids, null)) {
            float[] row = new float[source.dimension()];
            while (source.next(row)) {
                source.id();
            }
        }
    }
}
