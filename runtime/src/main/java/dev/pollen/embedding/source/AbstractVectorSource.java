package dev.pollen.embedding.source;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What every source shares: the row counter, ids from an id file or row numbers, the id-count checks, progress
 * and an idempotent close. A subclass reads its header in its constructor, sets {@link #dimension} (and
 * {@link #rowsHint} when known), calls {@link #openIds()}, and implements {@link #readRow}.
 */
abstract class AbstractVectorSource implements VectorSource {
    /** The input file, as given. */
    final Path path;
    /** Set by the subclass constructor. */
    int dimension;
    /** Set by the subclass constructor when the format states the row count. */
    long rowsHint = -1;

    private final Path idPath;
    private final long totalBytes;
    private IdReader ids;
    private long row = -1;
    private String id;
    private boolean ended;
    private boolean failed;
    private boolean closed;

    AbstractVectorSource(Path path, Path idPath) {
        this.path = path;
        this.idPath = idPath;
        this.totalBytes = size(path) + (idPath == null ? 0 : size(idPath));
    }

    /**
     * Reads the next row into {@code dst[0 .. dimension)}.
     *
     * @param dst the destination
     * @return {@code false} at the end of the input
     */
    abstract boolean readRow(float[] dst);

    /** @return bytes read from the input file so far */
    abstract long inputBytesRead();

    /** Closes the input file. */
    abstract void closeInput();

    /**
     * Opens the id file, if one was given; when {@link #rowsHint} is known, first counts its ids so that a
     * mismatch fails now rather than at the end of a long build.
     */
    final void openIds() {
        if (idPath == null) {
            return;
        }
        if (rowsHint >= 0) {
            long count = IdReader.count(idPath);
            if (count != rowsHint) {
                throw idCountMismatch(count, rowsHint, false);
            }
        }
        ids = IdReader.open(idPath);
    }

    /** @return whether ids come from an id file */
    final boolean hasIdFile() {
        return idPath != null;
    }

    /**
     * Closes this source after a failed open, keeping {@code failure} as the exception to throw.
     *
     * @param failure what went wrong
     * @return {@code failure}
     */
    final RuntimeException closeAfter(RuntimeException failure) {
        try {
            close();
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
        }
        return failure;
    }

    /**
     * @param rowIndex the 0-based index of the row just read
     * @param scratch an array of at least {@link #dimension} floats that may be overwritten
     * @return the row's id: the id file's next line, or the row number
     */
    String rowId(long rowIndex, float[] scratch) {
        if (ids == null) {
            return Long.toString(rowIndex);
        }
        String next = ids.next();
        if (next == null) {
            throw tooFewIds(rowIndex, scratch);
        }
        return next;
    }

    @Override
    public final int dimension() {
        return dimension;
    }

    @Override
    public final long rowsHint() {
        return rowsHint;
    }

    @Override
    public final boolean next(float[] dst) {
        if (closed) {
            throw new PollenException(ErrorCategory.ILLEGAL_STATE, path + ": the vector source is closed");
        }
        if (dst.length < dimension) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "row array has " + dst.length
                    + " elements, fewer than the dimension " + dimension + " of " + path);
        }
        if (failed) {
            throw new PollenException(ErrorCategory.ILLEGAL_STATE, path + ": an earlier error ended this source");
        }
        if (ended) {
            return false;
        }
        try {
            if (!readRow(dst)) {
                ended = true;
                if (ids != null) {
                    long extra = ids.countRemaining();
                    if (extra > 0) {
                        throw idCountMismatch(row + 1 + extra, row + 1, false);
                    }
                }
                return false;
            }
            row++;
            id = rowId(row, dst);
            return true;
        } catch (RuntimeException e) {
            failed = true;
            throw e;
        }
    }

    @Override
    public final String id() {
        if (row < 0) {
            throw new PollenException(ErrorCategory.ILLEGAL_STATE, path + ": no row read yet; call next() first");
        }
        return id;
    }

    @Override
    public final long row() {
        return row;
    }

    @Override
    public final long bytesRead() {
        return inputBytesRead() + (ids == null ? 0 : ids.bytesRead());
    }

    @Override
    public final long totalBytes() {
        return totalBytes;
    }

    @Override
    public final void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException failure = null;
        try {
            closeInput();
        } catch (RuntimeException e) {
            failure = e;
        }
        if (ids != null) {
            try {
                ids.close();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Row {@code rowIndex} has no id: count the rows left, so that the message names both counts. */
    private PollenException tooFewIds(long rowIndex, float[] scratch) {
        long rows = rowIndex + 1;
        try {
            while (readRow(scratch)) {
                rows++;
            }
        } catch (PollenException e) {
            return idCountMismatch(rowIndex, rows, true);
        } finally {
            ended = true;
        }
        return idCountMismatch(rowIndex, rows, false);
    }

    private PollenException idCountMismatch(long idCount, long rows, boolean atLeast) {
        return new PollenException(ErrorCategory.INVALID_ARGUMENT, idPath + " has " + idCount + " ids but " + path
                + " has " + (atLeast ? "at least " : "") + rows + " rows: every row needs exactly one id, in row "
                + "order");
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw Sources.ioFailure(file, "cannot read the file size", e);
        }
    }
}
