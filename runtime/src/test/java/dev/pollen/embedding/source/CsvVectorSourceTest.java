package dev.pollen.embedding.source;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CsvVectorSourceTest extends VectorSourceContractTest {
    @Override
    Path write(float[][] m, boolean idColumn) {
        return VectorFiles.write(dir.resolve("vectors.csv"), VectorFiles.csv(m, idColumn));
    }

    @Override
    String ownId(int r) {
        return "row-" + r;
    }

    @Override
    boolean knowsRowCount() {
        return false;
    }

    private Path csv(String text) {
        return VectorFiles.write(dir.resolve("vectors.csv"), text);
    }

    private List<String> readAll(Path file, Path ids, List<float[]> rows) {
        List<String> seen = new ArrayList<>();
        try (VectorSource source = VectorSources.open(file, ids, null)) {
            float[] row = new float[source.dimension()];
            while (source.next(row)) {
                seen.add(source.id());
                rows.add(row.clone());
            }
        }
        return seen;
    }

    private PollenException failure(String text) {
        Path file = csv(text);
        PollenException e = assertThrows(PollenException.class, () -> readAll(file, null, new ArrayList<>()));
        assertEquals(ErrorCategory.INVALID_ARGUMENT, e.category(), e.getMessage());
        assertTrue(e.getMessage().startsWith(file.toString()), "the message names the file: " + e.getMessage());
        return e;
    }

    private static void assertMessage(PollenException e, String expected) {
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
    }

    @Test
    void shouldSkipAHeaderCommentsAndBlankLines() {
        List<float[]> rows = new ArrayList<>();
        List<String> ids = readAll(csv("# written by a test\n\nid,x,y\n  \na,1,2\n# between rows\nb, 3.5 ,-4e-3\n\n"),
                null, rows);
        assertEquals(List.of("a", "b"), ids);
        assertArrayEquals(new float[] {1, 2}, rows.get(0));
        assertArrayEquals(new float[] {3.5f, -4e-3f}, rows.get(1));
    }

    @Test
    void shouldReadCrlfLineEndsAndDropAByteOrderMark() {
        List<float[]> rows = new ArrayList<>();
        assertEquals(List.of("a", "b"), readAll(csv("\uFEFFid,v\r\na,1\r\nb,2\r\n"), null, rows));
        assertArrayEquals(new float[] {2}, rows.get(1));
    }

    @Test
    void shouldReadQuotedIdsWithCommasAndDoubledQuotes() {
        List<float[]> rows = new ArrayList<>();
        String text = "\"a,b\",1,2\n\"say \"\"hi\"\"\",3,4\n\"#not a comment\",\"5\",6\n";
        List<String> ids = readAll(csv(text), null, rows);
        assertEquals(List.of("a,b", "say \"hi\"", "#not a comment"), ids);
        assertArrayEquals(new float[] {5, 6}, rows.get(2), "quoted values are values too");
    }

    @Test
    void shouldReadValuesOnlyRowsWhenAnIdFileIsGiven() {
        Path ids = VectorFiles.write(dir.resolve("ids.txt"), "first\nsecond\n");
        List<float[]> rows = new ArrayList<>();
        assertEquals(List.of("first", "second"), readAll(csv("x,y,z\n1,2,3\n4,5,6\n"), ids, rows));
        assertArrayEquals(new float[] {4, 5, 6}, rows.get(1));
    }

    @Test
    void shouldRejectARaggedRowNamingLineAndDimension() {
        PollenException e = failure("id,a,b,c\nx,1,2,3\ny,1,2,3\nz,1,2\n");
        assertMessage(e, "line 4: row has 2 values, expected 3 (the dimension of the first row, line 2)");
    }

    @Test
    void shouldRejectANonNumericValueNamingLineAndColumn() {
        PollenException e = failure("x,1,2,3\ny,1,abc,3\n");
        assertMessage(e, "line 2 column 3: value 'abc' is not a number");
    }

    @Test
    void shouldRejectAnEmptyValue() {
        assertMessage(failure("x,1,,3\n"), "line 1 column 3: value '' is not a number");
    }

    @Test
    void shouldRejectNanAndInfinitiesNamingLineAndColumn() {
        assertMessage(failure("x,1,2\ny,NaN,2\n"), "line 2 column 2: value 'NaN' is not finite (an embedding must be "
                + "finite)");
        assertMessage(failure("x,1,2\ny,1,Infinity\n"), "line 2 column 3: value 'Infinity' is not finite");
        assertMessage(failure("x,1,2\ny,-Infinity,2\n"), "line 2 column 2: value '-Infinity' is not finite");
        assertMessage(failure("x,1,2\ny,1,1e39\n"), "line 2 column 3: value '1e39' is outside the float32 range");
    }

    @Test
    void shouldRejectAnEmptyFile() {
        assertMessage(failure(""), "no vectors: the file is empty");
        assertMessage(failure("\n  \n# only a comment\n"), "no vectors");
    }

    @Test
    void shouldRejectAFileWithOnlyAHeader() {
        assertMessage(failure("id,x,y\n"), "no vectors: only a header (line 1)");
    }

    @Test
    void shouldRejectAFirstLineMixingNamesAndNumbers() {
        assertMessage(failure("a,1,x2,3\nb,1,2,3\n"), "line 1 column 3: value 'x2' is not a number (the first line is "
                + "taken as a header only when none of its value fields is a number)");
    }

    @Test
    void shouldRejectANonNumericRowAfterTheFirstLine() {
        assertMessage(failure("a,1,2\nid,x,y\n"), "line 2 column 2: value 'x' is not a number");
    }

    @Test
    void shouldRejectAHeaderWithADifferentNumberOfFields() {
        assertMessage(failure("id,x,y,z\na,1,2\n"), "line 1: header has 4 fields but the first row (line 2) has 3");
    }

    @Test
    void shouldRejectARowWithoutValues() {
        assertMessage(failure("onlyanid\n"), "line 1: row has no values after its id");
    }

    @Test
    void shouldRejectABlankId() {
        assertMessage(failure("a,1\n ,2\n"), "line 2 column 1: blank id ' '");
    }

    @Test
    void shouldRejectAnUnclosedQuote() {
        assertMessage(failure("\"a,1,2\nb\",3,4\n"), "line 1 column 1: quoted field is not closed on this line");
    }

    @Test
    void shouldRejectAQuoteInsideAnUnquotedField() {
        assertMessage(failure("a\"b,1\n"), "line 1 column 1: quote inside the unquoted field 'a\"b'");
    }

    @Test
    void shouldRejectTextAfterAClosingQuote() {
        assertMessage(failure("\"a\"b,1\n"), "line 1 column 1: unexpected 'b' after the closing quote");
    }

    @Test
    void shouldRejectInvalidUtf8() {
        Path file = VectorFiles.write(dir.resolve("vectors.csv"), new byte[] {'a', ',', '1', '\n', (byte) 0xC3, '(',
            ',', '2', '\n'});
        PollenException e = assertThrows(PollenException.class, () -> readAll(file, null, new ArrayList<>()));
        assertMessage(e, "vectors.csv line 2: must be valid UTF-8 (found byte 0xC3 at byte 0 of the line)");
    }

    @Test
    void shouldHandOutTheFirstRowReadAtOpenExactlyOnce() {
        try (VectorSource source = VectorSources.open(csv("a,1\n"))) {
            float[] row = new float[1];
            assertTrue(source.next(row));
            assertEquals("a", source.id());
            assertFalse(source.next(row));
        }
    }
}
