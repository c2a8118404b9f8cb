/**
 * Streaming readers of vector files, the input of {@code pollen table build}: each turns one file (and an optional
 * id file) into a stream of (id, {@code float[]} row) with {@link dev.pollen.embedding.source.VectorSource}.
 * Open one with {@link dev.pollen.embedding.source.VectorSources#open}; the format comes from the extension
 * ({@code .csv}, {@code .npy}, {@code .fvecs}, any case) unless named.
 *
 * <h2>Formats</h2>
 *
 * <p><b>CSV</b> ({@code .csv}, strict UTF-8: bad bytes are an error naming their line; a leading byte order
 * mark dropped). One row per line:
 * {@code id,v1,v2,...,vd}, the first column the id. With an id file there is no id column: every field is a
 * value ({@code numpy.savetxt(f, a, delimiter=",")} writes this).
 * <ul>
 *   <li>Blank lines (empty or whitespace only) are skipped, and so are comment lines, whose first non-blank
 *       character is {@code #} ({@code numpy.savetxt}'s {@code header=} writes these). An id that starts with
 *       {@code #} in the first column must therefore be quoted.</li>
 *   <li>Header: the first non-blank, non-comment line is a header, and skipped, when none of its value fields
 *       (all fields but the id) is a number. It must have as many fields as the data rows. A first line with
 *       some numbers and some names is an error (a typo in the first row, not a header); a later line that is
 *       not numbers is an error. A header whose column names are all numbers ({@code id,0,1,2}) cannot be told
 *       from data: drop it, or make it a {@code #} comment.</li>
 *   <li>Fields follow RFC 4180 quoting: a field in double quotes may hold commas, and a doubled quote stands for
 *       one ({@code "say ""hi"", then go"}); a quoted field ends on its line (no line breaks inside). A quote in
 *       an unquoted field is an error. Ids are taken verbatim (no trimming); a blank id is an error.</li>
 *   <li>Values are parsed with {@link java.lang.Float#parseFloat} (surrounding spaces allowed); NaN, infinities
 *       and values beyond the float32 range are errors. The dimension is the first data row's number of values;
 *       every later row must have the same.</li>
 *   <li>Positions in messages are 1-based physical lines and columns (the id is column 1).</li>
 * </ul>
 *
 * <p><b>NumPy</b> ({@code .npy}, format versions 1.0, 2.0 and 3.0, as specified in numpy's
 * {@code numpy/lib/format.py}). A 2-D array {@code (rows, dimension)} in C order; dtype {@code <f4}, or
 * {@code <f8} and {@code <f2} converted to float32 (float16 exactly, float64 rounded to nearest). Refused, each
 * with its own message: a bad magic string, other versions, a malformed header, {@code fortran_order: True},
 * other ranks, zero rows, big-endian or non-float or structured dtypes, data shorter or longer than the shape
 * says, non-finite values. The row count is known at open
 * ({@link dev.pollen.embedding.source.VectorSource#rowsHint()}).
 * Positions are 0-based {@code element [row, column]} with the byte offset.
 *
 * <p><b>fvecs</b> ({@code .fvecs}, the TEXMEX / ANN-benchmark format): per vector a little-endian int32 dimension
 * followed by that many little-endian float32 values, no file header. The dimension must be from 1 to 65,536 and
 * the same in every record; a truncated last record, a dimension change and non-finite values are errors naming
 * the 0-based vector and its byte offset. The row count is known when the file size is a whole number of
 * records.
 *
 * <h2>Ids</h2>
 *
 * <ul>
 *   <li>CSV without an id file: the first column.</li>
 *   <li>Any format with an id file: one id per line, in row order, UTF-8, ids verbatim; {@code \n}, {@code \r\n}
 *       or {@code \r} line ends; a final line end is optional. A blank line is an error (also at the end of the
 *       file). The file must hold exactly one id per row: too few or too many is an error naming both counts.
 *       When the row count is known at open ({@code .npy}, whole {@code .fvecs}) the id file is counted then, so a
 *       mismatch fails before any row is read; otherwise it fails at the row that has no id, or at the end.</li>
 *   <li>{@code .npy} and {@code .fvecs} without an id file: the 0-based row number as text ({@code "0"},
 *       {@code "1"}, ...).</li>
 * </ul>
 * Ids are not checked for uniqueness here; that is the table builder's job.
 *
 * <h2>Streaming and memory</h2>
 *
 * Nothing is read whole. Binary formats go through one 1 MiB direct buffer per source over a
 * {@link java.nio.channels.FileChannel}; text goes through the 64 KiB buffer of a
 * {@link dev.pollen.internal.Utf8LineReader} (CSV holds one line at a time, and a line of a CSV or id file may be at
 * most 16 MiB: a longer one is an error, skipped without being held). Memory is therefore independent of the
 * input's size. Each row is written into the caller's
 * {@code float[]}; per row a source allocates the id string and, for CSV, the line and its field strings.
 * {@link dev.pollen.embedding.source.VectorSource#bytesRead()} against
 * {@link dev.pollen.embedding.source.VectorSource#totalBytes()} (input and id file together) drives a progress
 * bar.
 *
 * <h2>Errors</h2>
 *
 * Malformed input throws {@link dev.pollen.PollenException} with category
 * {@link dev.pollen.ErrorCategory#INVALID_ARGUMENT}; the message names the file, the position, the rule and the
 * offending value, for example {@code vectors.csv line 17: row has 383 values, expected 384 (the dimension of the
 * first row, line 2)}. A missing file is {@code NOT_FOUND}, a failed read {@code IO}. Sources are not
 * thread-safe.
 */
package dev.pollen.embedding.source;
