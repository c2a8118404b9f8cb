package dev.pollen.embedding.source;

import dev.pollen.PollenException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Streams the rows of a CSV file: {@code id,v1,...,vd} per line, or {@code v1,...,vd} when an id file is given.
 * The rules (header, comments, blank lines, quoting) are in the package documentation. The first data row is
 * parsed when the source opens, to learn the dimension, and handed out by the first {@link #next}.
 */
final class CsvVectorSource extends AbstractVectorSource {
    private static final String FIRST_RECORD_HINT = " (the first line is taken as a header only when none of its "
            + "value fields is a number)";

    private final Utf8Lines lines;
    private final boolean idColumn;
    private final int firstValue;
    private final StringBuilder quoted = new StringBuilder();
    private String[] fields = new String[64];
    private int fieldCount;
    private long firstDataLine;
    private float[] pending;
    private String pendingId;
    private String currentId;

    CsvVectorSource(Path path, Path ids) {
        super(path, ids);
        this.idColumn = ids == null;
        this.firstValue = idColumn ? 1 : 0;
        this.lines = new Utf8Lines(path);
        try {
            readFirstRow();
            openIds();
        } catch (RuntimeException e) {
            throw closeAfter(e);
        }
    }

    private void readFirstRow() {
        String text = nextRecord();
        if (text == null) {
            throw Sources.malformed(path, "", "no vectors: the file is empty or holds only blank lines and comments");
        }
        split(text);
        long headerLine = -1;
        int headerFields = 0;
        if (isHeader()) {
            headerLine = lines.line();
            headerFields = fieldCount;
            text = nextRecord();
            if (text == null) {
                throw Sources.malformed(path, "", "no vectors: only a header (line " + headerLine + ")");
            }
            split(text);
        }
        int values = fieldCount - firstValue;
        if (values < 1) {
            throw Sources.malformed(path, "line " + lines.line(), "row has no values" + (idColumn
                    ? " after its id (expected id,v1,...,vd)" : ""));
        }
        if (values > MAX_DIMENSION) {
            throw Sources.malformed(path, "line " + lines.line(), "row has " + values + " values; the dimension must be at "
                    + "most " + MAX_DIMENSION);
        }
        if (headerLine >= 0 && headerFields != fieldCount) {
            throw Sources.malformed(path, "line " + headerLine, "header has " + headerFields + " fields but the first "
                    + "row (line " + lines.line() + ") has " + fieldCount + " (a header names every column)");
        }
        dimension = values;
        firstDataLine = lines.line();
        pending = new float[dimension];
        parseValues(pending, headerLine < 0 ? FIRST_RECORD_HINT : "");
        pendingId = idColumn ? checkedId() : null;
    }

    /** @return whether the record just split has value fields and none of them is a number */
    private boolean isHeader() {
        if (fieldCount <= firstValue) {
            return false;
        }
        for (int f = firstValue; f < fieldCount; f++) {
            try {
                Float.parseFloat(fields[f]);
                return false;
            } catch (NumberFormatException e) {
                // a name, as expected in a header
            }
        }
        return true;
    }

    @Override
    boolean readRow(float[] dst) {
        if (pending != null) {
            System.arraycopy(pending, 0, dst, 0, dimension);
            currentId = pendingId;
            pending = null;
            pendingId = null;
            return true;
        }
        String text = nextRecord();
        if (text == null) {
            return false;
        }
        split(text);
        if (fieldCount - firstValue != dimension) {
            int values = fieldCount - firstValue;
            throw Sources.malformed(path, "line " + lines.line(), "row has " + values + (values == 1 ? " value" : " values")
                    + ", expected " + dimension + " (the dimension of the first row, line " + firstDataLine + ")");
        }
        parseValues(dst, "");
        if (idColumn) {
            currentId = checkedId();
        }
        return true;
    }

    @Override
    String rowId(long rowIndex, float[] scratch) {
        return idColumn ? currentId : super.rowId(rowIndex, scratch);
    }

    /** @return the next line that is neither blank nor a comment, or {@code null} at the end */
    private String nextRecord() {
        while (true) {
            String text = lines.next();
            if (text == null) {
                return null;
            }
            if (!isBlankOrComment(text)) {
                return text;
            }
        }
    }

    private static boolean isBlankOrComment(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!Character.isWhitespace(c)) {
                return c == '#';
            }
        }
        return true;
    }

    /** Splits one line into {@link #fields}: RFC 4180 fields, a quoted field within the line. */
    private void split(String text) {
        fieldCount = 0;
        int n = text.length();
        int i = 0;
        while (true) {
            String field;
            if (i < n && text.charAt(i) == '"') {
                quoted.setLength(0);
                int j = i + 1;
                while (true) {
                    if (j >= n) {
                        throw Sources.malformed(path, column(fieldCount), "quoted field is not closed on this line "
                                + "(a field may not span lines)");
                    }
                    char c = text.charAt(j);
                    if (c != '"') {
                        quoted.append(c);
                        j++;
                    } else if (j + 1 < n && text.charAt(j + 1) == '"') {
                        quoted.append('"');
                        j += 2;
                    } else {
                        j++;
                        break;
                    }
                }
                if (j < n && text.charAt(j) != ',') {
                    throw Sources.malformed(path, column(fieldCount), "unexpected " + Sources.show(text.substring(j,
                            j + 1)) + " after the closing quote (a quoted field ends at a comma or the line's end)");
                }
                field = quoted.toString();
                i = j;
            } else {
                int comma = text.indexOf(',', i);
                int end = comma < 0 ? n : comma;
                field = text.substring(i, end);
                if (field.indexOf('"') >= 0) {
                    throw Sources.malformed(path, column(fieldCount), "quote inside the unquoted field "
                            + Sources.show(field) + " (quote the whole field and double inner quotes: RFC 4180)");
                }
                i = end;
            }
            if (fieldCount == fields.length) {
                fields = Arrays.copyOf(fields, fieldCount * 2);
            }
            fields[fieldCount++] = field;
            if (i >= n) {
                return;
            }
            i++;
        }
    }

    private void parseValues(float[] dst, String hint) {
        for (int c = 0; c < dimension; c++) {
            String text = fields[firstValue + c];
            float v;
            try {
                v = Float.parseFloat(text);
            } catch (NumberFormatException e) {
                throw Sources.malformed(path, column(firstValue + c), "value " + Sources.show(text)
                        + " is not a number" + hint + (idColumn || c > 0 ? "" : " (with an id file the CSV has no id "
                        + "column: every field is a value)"));
            }
            if (!Float.isFinite(v)) {
                String rule = Double.isFinite(Double.parseDouble(text)) ? " is outside the float32 range"
                        : " is not finite";
                throw Sources.malformed(path, column(firstValue + c), "value " + Sources.show(text) + rule
                        + " (an embedding must be finite)");
            }
            dst[c] = v;
        }
    }

    private String checkedId() {
        String id = fields[0];
        if (id.isBlank()) {
            throw Sources.malformed(path, column(0), "blank id " + Sources.show(id) + " (every row needs an id)");
        }
        return id;
    }

    private String column(int field) {
        return "line " + lines.line() + " column " + (field + 1);
    }

    @Override
    long inputBytesRead() {
        return lines.bytesRead();
    }

    @Override
    void closeInput() {
        lines.close();
    }
}
