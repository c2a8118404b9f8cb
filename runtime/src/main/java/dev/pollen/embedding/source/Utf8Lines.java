package dev.pollen.embedding.source;

import dev.pollen.internal.Utf8LineReader;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The lines of a text file read by {@link Utf8LineReader} (strict UTF-8, {@code \n}, {@code \r\n} or {@code \r}, a
 * leading byte order mark dropped, at most {@link #MAX_LINE_BYTES} bytes a line), counting lines and bytes; the one
 * line reader of the CSV source and the id files. Bad bytes, over-long lines and read failures become errors naming
 * the file and the line.
 */
final class Utf8Lines implements Closeable {
    /**
     * The longest line of a CSV or id file: 16 MiB, room for a CSV row of {@link VectorSource#MAX_DIMENSION} values
     * written at full float64 precision (24 characters each) with its id.
     */
    static final int MAX_LINE_BYTES = 1 << 24;

    private final Path path;
    private final Utf8LineReader reader;

    Utf8Lines(Path path) {
        this.path = path;
        try {
            this.reader = new Utf8LineReader(Files.newInputStream(path), path.toString(), MAX_LINE_BYTES);
        } catch (IOException e) {
            throw Sources.ioFailure(path, "open failed", e);
        }
    }

    /** @return the next line without its terminator, or {@code null} at the end of the file */
    String next() {
        try {
            return reader.next();
        } catch (IOException e) {
            throw Sources.ioFailure(path, "read failed after line " + reader.line(), e);
        }
    }

    /** @return the number of the line {@link #next} returned last, from 1 (0 before the first) */
    long line() {
        return reader.line();
    }

    /** @return bytes read so far (including read-ahead) */
    long bytesRead() {
        return reader.bytesRead();
    }

    @Override
    public void close() {
        try {
            reader.close();
        } catch (IOException e) {
            throw Sources.ioFailure(path, "close failed", e);
        }
    }
}
