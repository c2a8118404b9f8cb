package dev.pollen.internal;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The lines of a byte stream read as strict UTF-8, each bounded in length: the one line reader of Pollen's text
 * inputs (JSON lines on the CLI, CSV vectors, id files).
 *
 * <ul>
 *   <li>Lines end at {@code \n}, {@code \r\n} or {@code \r}; a final line end is optional. A leading byte order
 *       mark is dropped.</li>
 *   <li>A line must be valid UTF-8 ({@link CodingErrorAction#REPORT}: no replacement characters are ever
 *       invented). The error names the line that holds the bad bytes and their byte offset in it.</li>
 *   <li>A line must be at most {@code maxLineBytes} bytes, its end not counted. A longer line is never held whole:
 *       its bytes past the limit are read through the fixed buffer and dropped up to the line's end, so memory stays
 *       bounded whatever the input.</li>
 * </ul>
 *
 * <p>A bad line throws {@link PollenException} ({@link ErrorCategory#INVALID_ARGUMENT}, {@code [SOURCE ]line N:
 * RULE}) after the reader has moved past it, so a caller that answers bad lines can go on with the next one.
 *
 * <p>Memory: a 64 KiB read buffer, plus a line buffer and a char buffer that grow to the longest line read (at most
 * {@code maxLineBytes} bytes and as many chars). Per line, {@link #next} allocates the returned string. Reads never
 * wait for more input than the current line needs, so the reader can serve a line-by-line conversation on a pipe;
 * {@link #lineReady()} tells a caller whether the next {@code next()} would wait. Not thread-safe.
 */
public final class Utf8LineReader implements Closeable {
    /** The default limit of {@code pollen}'s JSON-line inputs: 1 MiB per line. */
    public static final int DEFAULT_MAX_LINE_BYTES = 1 << 20;
    /** The largest limit a reader accepts: 64 MiB per line. */
    public static final int MAX_LINE_BYTES_LIMIT = 1 << 26;

    private static final int BUFFER_BYTES = 1 << 16;

    private final InputStream in;
    private final String where;
    private final int maxLineBytes;
    private final byte[] buf = new byte[BUFFER_BYTES];
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    private byte[] lineBytes = new byte[256];
    private CharBuffer chars = CharBuffer.allocate(256);
    private int pos;
    private int limit;
    private boolean eof;
    private boolean skipLf;
    private long line;
    private long bytesRead;

    /**
     * @param in the bytes; closed by {@link #close()}
     * @param source what the bytes are, for messages ({@code vectors.csv}), or empty for standard input
     * @param maxLineBytes the longest line accepted, in bytes without its end, from 1 to
     *     {@link #MAX_LINE_BYTES_LIMIT}
     */
    public Utf8LineReader(InputStream in, String source, int maxLineBytes) {
        if (maxLineBytes < 1 || maxLineBytes > MAX_LINE_BYTES_LIMIT) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "maximum line length must be from 1 to "
                    + MAX_LINE_BYTES_LIMIT + " bytes (found " + maxLineBytes + ")");
        }
        this.in = in;
        this.where = source == null || source.isEmpty() ? "" : source + " ";
        this.maxLineBytes = maxLineBytes;
    }

    /**
     * @return the next line without its end, or {@code null} at the end of the input
     * @throws PollenException {@link ErrorCategory#INVALID_ARGUMENT} for a line that is not UTF-8 or too long; the
     *     reader is then past that line
     * @throws IOException when the stream fails
     */
    public String next() throws IOException {
        int length = 0;
        long seen = 0;
        boolean any = false;
        while (true) {
            if (pos == limit && !fill()) {
                if (!any) {
                    return null;
                }
                break;
            }
            if (skipLf) {
                skipLf = false;
                if (buf[pos] == '\n') {
                    pos++;
                    continue;
                }
            }
            any = true;
            int start = pos;
            int end = start;
            while (end < limit && buf[end] != '\n' && buf[end] != '\r') {
                end++;
            }
            int n = end - start;
            if (seen + n <= maxLineBytes) {
                ensureLineCapacity(length + n);
                System.arraycopy(buf, start, lineBytes, length, n);
                length += n;
            }
            seen += n;
            pos = end;
            if (end < limit) {
                skipLf = buf[end] == '\r';
                pos++;
                break;
            }
        }
        line++;
        if (seen > maxLineBytes) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, where + "line " + line + ": must be at most "
                    + maxLineBytes + " bytes long (found " + seen + " bytes)");
        }
        String text = decode(length);
        if (line == 1 && !text.isEmpty() && text.charAt(0) == '\uFEFF') {
            text = text.substring(1);
        }
        return text;
    }

    /**
     * Whether {@link #next} can answer without waiting for input: a whole line, or the end of the input, is
     * already buffered or readable now. Reads what the stream has available without blocking.
     *
     * @return {@code false} when the next {@code next()} may wait for the stream (flush answers before it)
     * @throws IOException when the stream fails
     */
    public boolean lineReady() throws IOException {
        while (true) {
            if (eof) {
                return true;
            }
            if (skipLf && pos < limit) {
                skipLf = false;
                if (buf[pos] == '\n') {
                    pos++;
                }
            }
            for (int i = pos; i < limit; i++) {
                if (buf[i] == '\n' || buf[i] == '\r') {
                    return true;
                }
            }
            int available = in.available();
            if (available <= 0) {
                return false;
            }
            if (pos > 0) {
                System.arraycopy(buf, pos, buf, 0, limit - pos);
                limit -= pos;
                pos = 0;
            }
            if (limit == buf.length) {
                return false; // a line longer than the buffer: next() reads on through it
            }
            int n = in.read(buf, limit, Math.min(available, buf.length - limit));
            if (n < 0) {
                eof = true;
            } else {
                limit += n;
                bytesRead += n;
            }
        }
    }

    /** @return the number of the line {@link #next} returned or refused last, from 1 (0 before the first) */
    public long line() {
        return line;
    }

    /** @return bytes read from the stream so far, including read-ahead */
    public long bytesRead() {
        return bytesRead;
    }

    /** @return the longest line accepted, in bytes */
    public int maxLineBytes() {
        return maxLineBytes;
    }

    /** Closes the stream; idempotent as the stream's own close is. */
    @Override
    public void close() throws IOException {
        in.close();
    }

    /** Refills the empty buffer; {@code false} at the end of the input. Waits only when nothing is buffered. */
    private boolean fill() throws IOException {
        if (eof) {
            return false;
        }
        pos = 0;
        limit = 0;
        int n;
        do {
            n = in.read(buf, 0, buf.length);
        } while (n == 0);
        if (n < 0) {
            eof = true;
            return false;
        }
        limit = n;
        bytesRead += n;
        return true;
    }

    private void ensureLineCapacity(int needed) {
        if (needed > lineBytes.length) {
            lineBytes = java.util.Arrays.copyOf(lineBytes, (int) Math.min(maxLineBytes,
                    Math.max(needed, 2L * lineBytes.length)));
        }
    }

    private String decode(int length) {
        if (chars.capacity() < length) {
            chars = CharBuffer.allocate((int) Math.min(maxLineBytes, Math.max(length, 2L * chars.capacity())));
        }
        ByteBuffer bytes = ByteBuffer.wrap(lineBytes, 0, length);
        chars.clear();
        decoder.reset();
        CoderResult r = decoder.decode(bytes, chars, true);
        if (!r.isError()) {
            r = decoder.flush(chars);
        }
        if (r.isError()) {
            int at = bytes.position();
            StringBuilder hex = new StringBuilder();
            for (int i = at; i < Math.min(length, at + Math.max(1, r.length())); i++) {
                hex.append(hex.length() == 0 ? "" : " ").append(String.format("0x%02X", lineBytes[i] & 0xff));
            }
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, where + "line " + line + ": must be valid UTF-8"
                    + " (found " + (hex.length() == 0 ? "a truncated sequence" : "byte " + hex) + " at byte " + at
                    + " of the line)");
        }
        chars.flip();
        return chars.toString();
    }
}
