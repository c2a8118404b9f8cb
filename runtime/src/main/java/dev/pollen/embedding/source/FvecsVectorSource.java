package dev.pollen.embedding.source;

import dev.pollen.PollenException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Streams the vectors of a TEXMEX {@code .fvecs} file (the ANN benchmark format of the SIFT and GIST sets).
 *
 * <pre>
 *  one record per vector, no file header, all little-endian:
 *  +-----------+-----------+-----------+-----+-------------+
 *  | d (int32) | x0 (f32)  | x1 (f32)  | ... | x(d-1) (f32)|     4 + 4 * d bytes
 *  +-----------+-----------+-----------+-----+-------------+
 * </pre>
 *
 * Every record must repeat the first record's dimension. The row count is {@code size / (4 + 4 * d)} when the
 * size is a whole number of records; otherwise the stream finds the bad record (a dimension change or a
 * truncated end) and names its byte offset.
 */
final class FvecsVectorSource extends AbstractVectorSource {
    private final ChannelReader reader;
    private long rowsRead;

    FvecsVectorSource(Path path, Path ids) {
        super(path, ids);
        this.reader = new ChannelReader(path);
        try {
            long size = reader.size();
            if (size == 0) {
                throw Sources.malformed(path, "", "empty file: no vectors");
            }
            if (!reader.ensure(4)) {
                throw Sources.malformed(path, "", "truncated: the file has " + size + " bytes, fewer than the 4-byte "
                        + "dimension that starts every record");
            }
            dimension = checkedDimension(reader.buffer().getInt(0), 0);
            long recordBytes = 4 + 4L * dimension;
            rowsHint = size % recordBytes == 0 ? size / recordBytes : -1;
            openIds();
        } catch (RuntimeException e) {
            throw closeAfter(e);
        }
    }

    private int checkedDimension(int d, long offset) {
        if (d < 1 || d > MAX_DIMENSION) {
            throw Sources.malformed(path, where(offset), "dimension " + d + " must be between 1 and "
                    + MAX_DIMENSION);
        }
        return d;
    }

    @Override
    boolean readRow(float[] dst) {
        long offset = reader.offset();
        if (!reader.ensure(4)) {
            if (reader.buffer().remaining() == 0) {
                return false;
            }
            throw truncated(offset, 4 + 4L * dimension);
        }
        ByteBuffer b = reader.buffer();
        int d = b.getInt(b.position());
        if (d != dimension) {
            checkedDimension(d, offset);
            throw Sources.malformed(path, where(offset), "dimension " + d + " differs from " + dimension
                    + ", the dimension of vector 0 (every vector must have the same dimension)");
        }
        if (!reader.ensure(4 + 4 * dimension)) {
            throw truncated(offset, 4 + 4L * dimension);
        }
        b.position(b.position() + 4);
        for (int c = 0; c < dimension; c++) {
            float v = b.getFloat();
            if (!Float.isFinite(v)) {
                throw Sources.malformed(path, "vector " + rowsRead + " value " + c + " (byte offset "
                        + (offset + 4 + 4L * c) + ")", "value " + v + " is not finite (an embedding must be finite)");
            }
            dst[c] = v;
        }
        rowsRead++;
        return true;
    }

    private String where(long offset) {
        return "vector " + rowsRead + " (byte offset " + offset + ")";
    }

    private PollenException truncated(long offset, long needed) {
        return Sources.malformed(path, where(offset), "truncated record: it needs " + needed + " bytes (4 + 4 x "
                + "dimension " + dimension + "), the file ends after " + reader.buffer().remaining());
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
