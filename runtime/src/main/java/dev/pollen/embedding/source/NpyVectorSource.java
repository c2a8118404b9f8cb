package dev.pollen.embedding.source;

import dev.pollen.PollenException;
import dev.pollen.embedding.Float16;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Streams the rows of a 2-D C-order {@code .npy} array of {@code <f4}, {@code <f8} or {@code <f2}.
 *
 * <pre>
 *  offset 0        6     7     8                 8 + L             (L = 2 in version 1.0, 4 in 2.0 and 3.0)
 *  +---------------+-----+-----+-----------------+----------------------------------+---------------------+
 *  | \x93 N U M P Y|major|minor| HEADER_LEN (LE) | header: a Python dict literal,   | data: rows x dim    |
 *  |               |     |     | u16 or u32      | space padded, ends with '\n'     | items, C order, LE  |
 *  +---------------+-----+-----+-----------------+----------------------------------+---------------------+
 * </pre>
 *
 * Layout and rules from the format specification in numpy's {@code numpy/lib/format.py} (the "NPY format"
 * docstring, which supersedes NEP 1): version 1.0 has a 2-byte header length and a latin-1 header, 2.0 a 4-byte
 * length, 3.0 a 4-byte length and a UTF-8 header; the header's keys are exactly {@code descr},
 * {@code fortran_order} and {@code shape}; the data is {@code prod(shape) * itemsize} bytes right after the
 * header. Writers pad the header so that the data starts at a multiple of 64 (16 in older numpy); this reader
 * does not rely on it.
 */
final class NpyVectorSource extends AbstractVectorSource {
    /**
     * Longest header accepted: numpy's version 1.0 limit. A 2-D array's header is about 120 bytes; the bound keeps a
     * corrupt length from allocating gigabytes.
     */
    static final int MAX_HEADER_LENGTH = 65_535;

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final String SUPPORTED = "'<f4' (preferred), '<f8' or '<f2'";

    private final ChannelReader reader;
    private long rows;
    private int itemSize;
    private int rowBytes;
    private long rowsRead;

    NpyVectorSource(Path path, Path ids) {
        super(path, ids);
        this.reader = new ChannelReader(path);
        try {
            readHeader();
            openIds();
        } catch (RuntimeException e) {
            throw closeAfter(e);
        }
    }

    private void readHeader() {
        long size = reader.size();
        if (size == 0) {
            throw Sources.malformed(path, "", "empty file: no .npy header (a .npy file starts with \\x93NUMPY)");
        }
        reader.ensure(10);
        ByteBuffer b = reader.buffer();
        boolean magic = b.remaining() >= MAGIC.length;
        for (int i = 0; magic && i < MAGIC.length; i++) {
            magic = b.get(i) == MAGIC[i];
        }
        if (!magic) {
            throw Sources.malformed(path, "", "not a .npy file: it must start with the magic string \\x93NUMPY, found "
                    + hex(b, Math.min(8, b.remaining())));
        }
        if (b.remaining() < 8) {
            throw truncatedHeader(size);
        }
        int major = b.get(6) & 0xff;
        int minor = b.get(7) & 0xff;
        if (major < 1 || major > 3 || minor != 0) {
            throw Sources.malformed(path, "", "unsupported .npy format version " + major + "." + minor
                    + " (supported: 1.0, 2.0 and 3.0)");
        }
        int prefix = major == 1 ? 10 : 12;
        if (!reader.ensure(prefix)) {
            throw truncatedHeader(size);
        }
        long headerLength = major == 1 ? b.getShort(8) & 0xffff : b.getInt(8) & 0xffff_ffffL;
        if (headerLength > MAX_HEADER_LENGTH) {
            throw Sources.malformed(path, "", "header length " + headerLength + " exceeds " + MAX_HEADER_LENGTH
                    + " bytes (a 2-D array's header is about 120 bytes)");
        }
        long dataOffset = prefix + headerLength;
        if (!reader.ensure((int) dataOffset)) {
            throw truncatedHeader(size);
        }
        byte[] headerBytes = new byte[(int) headerLength];
        b.position(prefix);
        b.get(headerBytes);
        String text = new String(headerBytes, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        NpyHeader header = NpyHeader.parse(path, text);
        itemSize = itemSize(header);
        if (header.fortranOrder) {
            throw Sources.malformed(path, "header", "fortran_order is True: the array is stored column by column, "
                    + "and only C order can be streamed row by row (save np.ascontiguousarray(a) instead)");
        }
        if (header.shape.length != 2) {
            throw Sources.malformed(path, "header", "shape " + header.shapeText() + " has " + header.shape.length
                    + (header.shape.length == 1 ? " dimension" : " dimensions")
                    + "; vectors need a 2-D array (rows, dimension)");
        }
        rows = header.shape[0];
        long columns = header.shape[1];
        if (columns < 1 || columns > MAX_DIMENSION) {
            throw Sources.malformed(path, "header", "shape " + header.shapeText() + ": the dimension " + columns
                    + " must be between 1 and " + MAX_DIMENSION);
        }
        if (rows == 0) {
            throw Sources.malformed(path, "header", "shape " + header.shapeText() + " has no rows");
        }
        dimension = (int) columns;
        rowBytes = dimension * itemSize;
        long dataBytes = multiply(rows, rowBytes, header);
        long found = size - dataOffset;
        if (found < dataBytes) {
            throw Sources.malformed(path, "", "truncated data: shape " + header.shapeText() + " of '"
                    + header.descr + "' needs " + dataBytes + " bytes after the " + dataOffset + "-byte header, found "
                    + found + " (the file ends in row " + found / rowBytes + ")");
        }
        if (found > dataBytes) {
            throw Sources.malformed(path, "", (found - dataBytes) + " unexpected bytes after the array data, which "
                    + "ends at byte offset " + (dataOffset + dataBytes) + " (shape " + header.shapeText() + " of '"
                    + header.descr + "')");
        }
        rowsHint = rows;
    }

    private int itemSize(NpyHeader header) {
        if (header.descr == null) {
            throw Sources.malformed(path, "header", "structured dtype " + Sources.show(header.descrText)
                    + " is not supported; vectors need a plain float array: " + SUPPORTED);
        }
        switch (header.descr) {
            case "<f4":
                return 4;
            case "<f8":
                return 8;
            case "<f2":
                return 2;
            case ">f4":
            case ">f8":
            case ">f2":
                throw Sources.malformed(path, "header", "dtype '" + header.descr + "' is big-endian; supported: "
                        + SUPPORTED + " (convert with a.astype('<f4'))");
            default:
                throw Sources.malformed(path, "header", "dtype " + Sources.show(header.descr) + " is not supported; "
                        + "vectors need floats: " + SUPPORTED);
        }
    }

    private long multiply(long rowCount, int bytesPerRow, NpyHeader header) {
        try {
            return Math.multiplyExact(rowCount, bytesPerRow);
        } catch (ArithmeticException e) {
            throw Sources.malformed(path, "header", "shape " + header.shapeText() + " is too large (over 2^63 bytes)");
        }
    }

    private PollenException truncatedHeader(long size) {
        return Sources.malformed(path, "", "truncated header: the file ends after " + size + " bytes");
    }

    private static String hex(ByteBuffer b, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(i == 0 ? "" : " ").append(String.format("%02x", b.get(i) & 0xff));
        }
        return n == 0 ? "nothing" : sb.toString();
    }

    @Override
    boolean readRow(float[] dst) {
        if (rowsRead == rows) {
            return false;
        }
        long rowOffset = reader.offset();
        if (!reader.ensure(rowBytes)) {
            throw Sources.malformed(path, "row " + rowsRead + " (byte offset " + rowOffset + ")", "truncated: the "
                    + "row needs " + rowBytes + " bytes, the file ends after " + reader.buffer().remaining()
                    + " (did it change while being read?)");
        }
        ByteBuffer b = reader.buffer();
        int dim = dimension;
        switch (itemSize) {
            case 4:
                for (int c = 0; c < dim; c++) {
                    float v = b.getFloat();
                    if (!Float.isFinite(v)) {
                        throw notFinite(rowOffset, c, "value " + v + " is not finite");
                    }
                    dst[c] = v;
                }
                break;
            case 8:
                for (int c = 0; c < dim; c++) {
                    double d = b.getDouble();
                    float v = (float) d;
                    if (!Float.isFinite(v)) {
                        throw notFinite(rowOffset, c, Double.isFinite(d) ? "value " + d + " is outside the float32 "
                                + "range" : "value " + d + " is not finite");
                    }
                    dst[c] = v;
                }
                break;
            default:
                for (int c = 0; c < dim; c++) {
                    float v = Float16.toFloat(b.getShort());
                    if (!Float.isFinite(v)) {
                        throw notFinite(rowOffset, c, "value " + v + " is not finite");
                    }
                    dst[c] = v;
                }
                break;
        }
        rowsRead++;
        return true;
    }

    private PollenException notFinite(long rowOffset, int column, String rule) {
        return Sources.malformed(path, "element [" + rowsRead + ", " + column + "] (byte offset "
                + (rowOffset + (long) column * itemSize) + ")", rule + " (an embedding must be finite)");
    }

    @Override
    long inputBytesRead() {
        return reader.bytesRead();
    }

    @Override
    void closeInput() {
        reader.close();
    }
}
