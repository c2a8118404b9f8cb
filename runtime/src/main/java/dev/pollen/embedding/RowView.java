package dev.pollen.embedding;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;

/**
 * A flyweight over one row of a {@link MappedEmbeddingTable}: re-pointed with {@link #wrap} instead of allocated,
 * read in place from the mapping. One per thread; allocation-free after creation. It keeps its table (and so the
 * mapping) reachable, so a view can never read unmapped memory, even after the table is closed. A read of a table
 * whose file was truncated or rewritten under it fails as the table's own reads do
 * ({@link dev.pollen.ErrorCategory#CORRUPT_FILE}).
 */
public final class RowView {
    private MappedEmbeddingTable table;
    private long row = -1;
    private java.nio.ByteBuffer chunk;
    private long chunkAddress;
    private int offset;
    private int dimension;

    /**
     * Points this view at a row.
     *
     * @param table the table
     * @param row a row index, checked
     * @return this
     */
    public RowView wrap(MappedEmbeddingTable table, long row) {
        table.checkRow(row);
        this.table = table;
        this.row = row;
        this.chunk = table.chunkOf(row);
        this.chunkAddress = table.chunkAddressOf(row);
        this.offset = table.offsetOf(row);
        this.dimension = table.dimension();
        return this;
    }

    /** @return the row index viewed, or -1 before the first wrap */
    public long row() {
        return row;
    }

    /** @return elements in the row */
    public int dimension() {
        return dimension;
    }

    /**
     * @param i an element index, checked
     * @return the element, decoded to float
     */
    public float get(int i) {
        if (table == null) {
            throw new PollenException(ErrorCategory.ILLEGAL_STATE, "row view is not wrapped around a row yet");
        }
        if (i < 0 || i >= dimension) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "element must be from 0 to " + (dimension - 1)
                    + " (found " + i + ")");
        }
        table.failIfChanged();
        try {
            return table.element(chunk, chunkAddress, offset, row, i);
        } catch (InternalError e) {
            throw table.faulted(e); // the file shrank under its mapping
        } finally {
            table.keepAlive();
        }
    }

    /**
     * @param other {@link #dimension()} values
     * @return the dot product of this row with them
     */
    public float dot(float[] other) {
        if (other.length != dimension) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "dot product needs " + dimension
                    + " values (found " + other.length + ")");
        }
        table.failIfChanged();
        float s = 0;
        try {
            for (int i = 0; i < dimension; i++) {
                s += table.element(chunk, chunkAddress, offset, row, i) * other[i];
            }
        } catch (InternalError e) {
            throw table.faulted(e); // the file shrank under its mapping
        } finally {
            table.keepAlive();
        }
        return s;
    }

    /**
     * @param dst where to copy the row, decoded to float
     * @param offset the first index written
     */
    public void copyTo(float[] dst, int offset) {
        table.copyRow(row, dst, offset);
    }
}
