package dev.pollen.embedding.source;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads an id file: strict UTF-8, one id per line ({@code \n}, {@code \r\n} or {@code \r}), a leading byte order
 * mark dropped, each id taken verbatim; a blank line (empty or only whitespace) is an error.
 */
final class IdReader implements Closeable {
    private final Path path;
    private final CountingInputStream counter;
    private final BufferedReader reader;
    private long line;

    private IdReader(Path path) {
        this.path = path;
        try {
            this.counter = new CountingInputStream(Files.newInputStream(path));
        } catch (IOException e) {
            throw Sources.ioFailure(path, "open failed", e);
        }
        this.reader = new BufferedReader(new InputStreamReader(counter, StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)), 1 << 16);
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
        String id = readLine();
        if (id != null && id.isBlank()) {
            throw Sources.malformed(path, "line " + line, "blank id " + Sources.show(id)
                    + " (every line must hold one id, one line per row)");
        }
        return id;
    }

    /** @return the number of lines left, read without checking them */
    long countRemaining() {
        long n = 0;
        while (readLine() != null) {
            n++;
        }
        return n;
    }

    /** @return bytes read so far (including read-ahead) */
    long bytesRead() {
        return counter.count();
    }

    private String readLine() {
        String text;
        try {
            text = reader.readLine();
        } catch (CharacterCodingException e) {
            throw Sources.malformed(path, "line " + (line + 1), "not valid UTF-8 (at this line or shortly after)");
        } catch (IOException e) {
            throw Sources.ioFailure(path, "read failed after line " + line, e);
        }
        if (text == null) {
            return null;
        }
        line++;
        if (line == 1 && !text.isEmpty() && text.charAt(0) == '\uFEFF') {
            text = text.substring(1);
        }
        return text;
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
