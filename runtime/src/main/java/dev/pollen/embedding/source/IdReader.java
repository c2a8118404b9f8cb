package dev.pollen.embedding.source;

import java.io.Closeable;
import java.nio.file.Path;

/**
 * Reads an id file: strict UTF-8, one id per line ({@code \n}, {@code \r\n} or {@code \r}), a leading byte order
 * mark dropped, each id taken verbatim; a blank line (empty or only whitespace) is an error.
 */
final class IdReader implements Closeable {
    private final Path path;
    private final Utf8Lines lines;

    private IdReader(Path path) {
        this.path = path;
        this.lines = new Utf8Lines(path);
    }

    /**
     * @param path the id file
     * @return a reader at its first line
     */
    static IdReader open(Path path) {
        return new IdReader(path);
    }

    /**
     * Counts the ids of a file, checking each line as {@link #next} does.
     *
     * @param path the id file
     * @return the number of ids
     */
    static long count(Path path) {
        try (IdReader ids = new IdReader(path)) {
            long n = 0;
            while (ids.next() != null) {
                n++;
            }
            return n;
        }
    }

    /** @return the id file */
    Path path() {
        return path;
    }

    /** @return the next id, or {@code null} at the end of the file */
    String next() {
        String id = lines.next();
        if (id != null && id.isBlank()) {
            throw Sources.malformed(path, "line " + lines.line(), "blank id " + Sources.show(id)
                    + " (every line must hold one id, one line per row)");
        }
        return id;
    }

    /** @return the number of lines left, read without checking them */
    long countRemaining() {
        long n = 0;
        while (lines.next() != null) {
            n++;
        }
        return n;
    }

    /** @return bytes read so far (including read-ahead) */
    long bytesRead() {
        return lines.bytesRead();
    }

    @Override
    public void close() {
        lines.close();
    }
}
