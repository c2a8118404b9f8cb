package dev.pollen.embedding.source;

import java.io.Closeable;

/**
 * A stream of (id, vector) rows read from one input file, in file order, with memory independent of the file's
 * size. Open one with {@link VectorSources#open}; the formats and id rules are described in the
 * {@linkplain dev.pollen.embedding.source package documentation}.
 *
 * <pre>{@code
 * try (VectorSource source = VectorSources.open(input, idsOrNull, null)) {
 *     float[] row = new float[source.dimension()];
 *     while (source.next(row)) {
 *         table.put(source.id(), row);                                  // row is overwritten by the next call
 *         progress.update(source.bytesRead(), source.totalBytes());
 *     }
 * }
 * }</pre>
 *
 * <p><b>Errors.</b> Malformed input throws {@link dev.pollen.PollenException} with category
 * {@link dev.pollen.ErrorCategory#INVALID_ARGUMENT}, naming the file, the position (line and column, or row and
 * byte offset), the rule and the offending value; a failed read throws category {@link dev.pollen.ErrorCategory#IO}.
 * Some errors surface when the source is opened (headers, sizes, id counts where the row count is known), the
 * rest when the offending row is reached. After an exception the source can only be closed.
 *
 * <p><b>Allocation and threading.</b> {@link #next} fills the caller's array; per row it allocates the id
 * {@code String} (and, for CSV, the line and its field strings). Not thread-safe: one thread reads a source.
 */
public interface VectorSource extends Closeable {
    /** The largest dimension any source accepts: a sanity bound that catches garbage headers early. */
    int MAX_DIMENSION = 65_536;

    /** @return the number of values in every row, known once the source is open (from 1 to {@link #MAX_DIMENSION}) */
    int dimension();

    /**
     * @return the exact number of rows when the format states it (the {@code .npy} shape; an {@code .fvecs} file
     *     whose size is a whole number of records), otherwise {@code -1}
     */
    long rowsHint();

    /**
     * Reads the next row into {@code row[0 .. dimension())}; the rest of the array is left alone.
     *
     * @param row the destination, at least {@link #dimension()} long
     * @return {@code true} if a row was read, {@code false} at the end of the input (and on every later call)
     * @throws dev.pollen.PollenException if the row is malformed, the ids do not match the rows, or reading fails
     */
    boolean next(float[] row);

    /**
     * @return the id of the row last returned by {@link #next}: from the id file or the CSV id column, otherwise
     *     the 0-based row number as text ({@code "0"}, {@code "1"}, ...)
     * @throws dev.pollen.PollenException with category {@code ILLEGAL_STATE} before the first row
     */
    String id();

    /** @return the 0-based index of the row last returned by {@link #next}, or {@code -1} before the first */
    long row();

    /**
     * @return bytes read so far from the input and id files, for progress; read-ahead buffering makes it run a
     *     little ahead of {@link #row()}, and it reaches {@link #totalBytes()} at the end
     */
    long bytesRead();

    /** @return the sizes of the input and id files together, as they were when the source was opened */
    long totalBytes();

    /** Closes the files; idempotent. */
    @Override
    void close();
}
