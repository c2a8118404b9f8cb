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
 * The lines of a text file read as strict UTF-8 ({@code \n}, {@code \r\n} or {@code \r}), a leading byte order
 * mark dropped, counting lines and bytes; the one line reader of the CSV source and the id files. Bad bytes and read
 * failures become errors naming the file and the line.
 */
final class Utf8Lines implements Closeable {
    private final Path path;
    private final CountingInputStream counter;
    private final BufferedReader reader;
    private long line;

    Utf8Lines(Path path) {
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

    /** @return the next line without its terminator, or {@code null} at the end of the file */
    String next() {
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

    /** @return the number of the line {@link #next} returned last, from 1 (0 before the first) */
    long line() {
        return line;
    }

    /** @return bytes read so far (including read-ahead) */
    long bytesRead() {
        return counter.count();
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
