package dev.pollen.embedding;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/** What the table and index fuzz targets share: checksum repair (so mutations reach the checks past them) and files. */
final class TableFuzzing {
    private TableFuzzing() {
    }

    /** A directory for one JVM's fuzz files, overwritten by every input. */
    static final Path DIR;

    static {
        try {
            DIR = Files.createTempDirectory("pollen-fuzz-table");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path write(String name, byte[] bytes) {
        try {
            return Files.write(DIR.resolve(name), bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Rewrites a table's data CRC (bytes [rows offset, end)) into its header, if the bytes hold a header. */
    static void repairDataCrc(byte[] table) {
        if (table.length < TableFormat.HEADER_LENGTH) {
            return;
        }
        CRC32C crc = new CRC32C();
        if (table.length > TableFormat.ROWS_OFFSET) {
            crc.update(table, TableFormat.ROWS_OFFSET, table.length - TableFormat.ROWS_OFFSET);
        }
        ByteBuffer.wrap(table).order(ByteOrder.LITTLE_ENDIAN).putLong(TableFormat.OFF_DATA_CRC, crc.getValue());
    }

    /** Rewrites the CRC32C of bytes [0, at) as a little-endian long at {@code at}, if the bytes reach that far. */
    static void repairHeaderCrc(byte[] bytes, int at) {
        if (bytes.length < at + 8) {
            return;
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, at);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(at, crc.getValue());
    }

    /**
     * Reads everything a caller can read from an open table, bounded so that a large row count stays fast: every
     * call must either work or throw {@link dev.pollen.PollenException}.
     */
    static void readAll(MappedEmbeddingTable t, long[] longIds, CharSequence[] stringIds) {
        int dim = t.dimension();
        long rows = Math.min(t.rows(), 64);
        float[] row = new float[dim];
        RowView view = new RowView();
        for (long r = 0; r < rows; r++) {
            t.id(r);
            t.norm(r);
            t.get(r, dim - 1);
            t.copyRow(r, row, 0);
            view.wrap(t, r).dot(row);
            if (t.idKind() == IdKind.LONG) {
                t.longId(r);
            }
        }
        int n = (int) rows;
        ByteBuffer dst = ByteBuffer.allocateDirect(Math.max(1, Math.max(n, longIds.length + stringIds.length) * dim
                * 4)).order(ByteOrder.nativeOrder());
        long[] rowIndexes = new long[n];
        for (int i = 0; i < n; i++) {
            rowIndexes[i] = i;
        }
        t.gatherRows(rowIndexes, n, dst, 0);
        if (t.rows() > 0 && t.rows() <= 4096) {
            TopK top = new TopK(3);
            t.topK(row, Similarity.DOT, top);
            t.topK(row, Similarity.COSINE, top, 0);
        }
        if (t.idKind() == IdKind.LONG) {
            for (long id : longIds) {
                t.row(id);
            }
            t.gather(longIds, longIds.length, dst, 0, UnknownIds.zero());
            t.gather(longIds, longIds.length, dst, 0, UnknownIds.skip());
        } else {
            for (CharSequence id : stringIds) {
                t.row(id);
            }
            t.gather(stringIds, stringIds.length, dst, 0, UnknownIds.zero());
            if (t.rows() > 0) {
                t.gather(stringIds, stringIds.length, dst, 0, UnknownIds.defaultRow(0));
            }
        }
    }
}
