package dev.pollen.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class Utf8LineReaderTest {
    private static Utf8LineReader reader(byte[] bytes, int max) {
        return new Utf8LineReader(new ByteArrayInputStream(bytes), "", max);
    }

    private static Utf8LineReader reader(String text) {
        return reader(text.getBytes(StandardCharsets.UTF_8), Utf8LineReader.DEFAULT_MAX_LINE_BYTES);
    }

    private static List<String> all(Utf8LineReader r) throws IOException {
        List<String> lines = new ArrayList<>();
        for (String l; (l = r.next()) != null;) {
            lines.add(l);
        }
        return lines;
    }

    /** One byte per read, so every line end falls on a read boundary. */
    private static InputStream trickle(byte[] bytes) {
        return new ByteArrayInputStream(bytes) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, 1));
            }

            @Override
            public synchronized int available() {
                return Math.min(1, super.available());
            }
        };
    }

    @Test
    void shouldSplitAtLfCrlfAndCrAndDropALeadingByteOrderMark() throws IOException {
        String text = "\uFEFFa\nb\r\nc\rd\r\r\ne\n\nlast";
        assertEquals(List.of("a", "b", "c", "d", "", "e", "", "last"), all(reader(text)));
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        assertEquals(List.of("a", "b", "c", "d", "", "e", "", "last"),
                all(new Utf8LineReader(trickle(bytes), "", 100)), "line ends split across reads");
        assertEquals(List.of("\uFEFFnot first"), all(reader("x\n\uFEFFnot first")).subList(1, 2),
                "only a leading byte order mark is dropped");
        assertEquals(List.of(), all(reader("")));
        assertEquals(List.of("x"), all(reader("x\n")), "a final line end adds no empty line");
    }

    @Test
    void shouldNameTheLineThatHoldsInvalidUtf8EvenFarBehindTheReadAhead() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int i = 1; i <= 5000; i++) {
            b.writeBytes(("line " + i + " é\n").getBytes(StandardCharsets.UTF_8));
        }
        b.writeBytes(new byte[] {'b', 'a', 'd', ' ', (byte) 0xC3, '(', '\n'});
        b.writeBytes("after\n".getBytes(StandardCharsets.UTF_8));
        Utf8LineReader r = new Utf8LineReader(new ByteArrayInputStream(b.toByteArray()), "in.jsonl", 100);
        for (int i = 1; i <= 5000; i++) {
            assertEquals("line " + i + " é", r.next());
        }
        PollenException e = assertThrows(PollenException.class, r::next);
        assertEquals(ErrorCategory.INVALID_ARGUMENT, e.category());
        assertEquals("in.jsonl line 5001: must be valid UTF-8 (found byte 0xC3 at byte 4 of the line)",
                e.getMessage());
        assertEquals(5001, r.line());
        assertEquals("after", r.next(), "the reader goes on past a bad line");
        assertEquals(5002, r.line());
        assertNull(r.next());
    }

    @Test
    void shouldRejectEveryMalformedSequenceRatherThanReplaceIt() {
        byte[][] bad = {
            {(byte) 0xC0, (byte) 0xAF},                         // overlong '/'
            {(byte) 0xED, (byte) 0xA0, (byte) 0x80},           // an encoded surrogate
            {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, // beyond U+10FFFF
            {(byte) 0xFF},
            {'o', 'k', (byte) 0xE2, (byte) 0x82},               // truncated at the end of the input
        };
        for (byte[] b : bad) {
            PollenException e = assertThrows(PollenException.class, () -> reader(b, 100).next(), Arrays.toString(b));
            assertTrue(e.getMessage().startsWith("line 1: must be valid UTF-8 (found byte 0x"), e.getMessage());
        }
    }

    @Test
    void shouldRefuseALineOverTheLimitAndGoOnWithTheNext() throws IOException {
        Utf8LineReader r = reader("0123456789\r\n0123456789a\nnext\n".getBytes(StandardCharsets.UTF_8), 10);
        assertEquals("0123456789", r.next(), "exactly the limit is accepted; the line end does not count");
        PollenException e = assertThrows(PollenException.class, r::next);
        assertEquals("line 2: must be at most 10 bytes long (found 11 bytes)", e.getMessage());
        assertEquals("next", r.next());
        assertNull(r.next());
    }

    @Test
    void shouldCountTheLimitInBytesNotChars() {
        PollenException e = assertThrows(PollenException.class,
                () -> reader("ééééé!".getBytes(StandardCharsets.UTF_8), 10).next());
        assertEquals("line 1: must be at most 10 bytes long (found 11 bytes)", e.getMessage());
    }

    /**
     * A line longer than any Java array can hold: a reader that collected the line before checking it would fail
     * with an OutOfMemoryError or a negative array size instead of this error.
     */
    @Test
    void shouldSkipALineLongerThanAnyArrayWithoutHoldingIt() throws IOException {
        long huge = Integer.MAX_VALUE + 4096L;
        InputStream endless = new InputStream() {
            private long sent;
            private final byte[] tail = "\nafter\n".getBytes(StandardCharsets.UTF_8);

            @Override
            public int read() {
                throw new AssertionError("bulk reads only");
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (sent < huge) {
                    int n = (int) Math.min(len, huge - sent);
                    Arrays.fill(b, off, off + n, (byte) 'x');
                    sent += n;
                    return n;
                }
                int t = (int) (sent - huge);
                if (t == tail.length) {
                    return -1;
                }
                int n = Math.min(len, tail.length - t);
                System.arraycopy(tail, t, b, off, n);
                sent += n;
                return n;
            }
        };
        Utf8LineReader r = new Utf8LineReader(endless, "", Utf8LineReader.DEFAULT_MAX_LINE_BYTES);
        PollenException e = assertThrows(PollenException.class, r::next);
        assertEquals("line 1: must be at most 1048576 bytes long (found " + huge + " bytes)", e.getMessage());
        assertEquals("after", r.next());
        assertNull(r.next());
    }

    @Test
    void shouldAnswerALineWithoutWaitingForTheNextOne() throws Exception {
        PipedOutputStream writer = new PipedOutputStream();
        Utf8LineReader r = new Utf8LineReader(new PipedInputStream(writer, 1024), "", 100);
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            assertFalse(r.lineReady(), "nothing written yet");
            writer.write("first\r".getBytes(StandardCharsets.UTF_8));
            writer.flush();
            assertTrue(r.lineReady());
            assertEquals("first", r.next(), "a CR ends a line without waiting to see whether LF follows");
            assertFalse(r.lineReady());
            writer.write("\npar".getBytes(StandardCharsets.UTF_8));
            writer.flush();
            assertFalse(r.lineReady(), "half a line is not a line");
            writer.write("t\n".getBytes(StandardCharsets.UTF_8));
            writer.flush();
            assertTrue(r.lineReady());
            assertEquals("part", r.next(), "the LF after the CR ended no second line");
            writer.close();
            assertNull(r.next());
        });
    }

    @Test
    void shouldRefuseALimitOutsideItsRange() {
        for (int max : new int[] {0, -1, Utf8LineReader.MAX_LINE_BYTES_LIMIT + 1}) {
            PollenException e = assertThrows(PollenException.class, () -> reader(new byte[0], max));
            assertEquals("maximum line length must be from 1 to 67108864 bytes (found " + max + ")", e.getMessage());
        }
    }
}
