package dev.pollen.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.internal.Utf8LineReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import picocli.CommandLine.Option;

/**
 * Reads standard input as JSON lines for the streaming commands ({@code score}, {@code fraud}, {@code route},
 * {@code ads}, {@code ads served}): strict UTF-8 lines of at most {@code --max-line-bytes} ({@link Utf8LineReader}),
 * blank lines skipped, each other line handed over with its 1-based number, for error messages.
 *
 * <p>Answers go out as soon as the command would otherwise wait: before every read that may block, the handler's
 * pending answers are written and standard output is flushed, so a service can drive a command as a co-process, one
 * line at a time, while a file or a full pipe is still read in whole batches without a flush per line.
 *
 * <p>A bad line (any {@link ErrorCategory#INVALID_ARGUMENT} failure: not UTF-8, too long, not one JSON object, a
 * value that breaks a rule) stops the command by default ({@code --on-error stop}), after the answers to the lines
 * before it have been written. With {@code --on-error continue} (or its older spelling {@code --keep-going}) it is
 * answered in its place on standard output, {@code {"line":3,"error":"..."}} (the error names the field, the rule and
 * the value; a handler may add what it read of the line, such as {@code score}'s {@code "id"}), and the command goes
 * on; at the end it exits with 2 if any line was bad. Other failures (the model, the file system) always stop the
 * command.
 */
final class JsonLines {
    /** Most characters of an error message written on standard error or in an error line. */
    static final int MESSAGE_CHARS = 1000;

    /** Handles the lines of one command. */
    interface LineHandler {
        /**
         * Handles one non-blank line; may hold its answer back for a batch.
         *
         * @param lineNo its 1-based line number
         * @param line its text
         * @throws IOException when writing fails
         */
        void onLine(long lineNo, String line) throws IOException;

        /** Writes every answer held back; called before a read that may wait, before an error line, at the end. */
        default void flushPending() {
        }

        /**
         * Told of a line refused before it reached {@link #onLine} (not UTF-8, too long), so a command can count it
         * as it counts the lines it refuses itself.
         *
         * @param lineNo its 1-based line number
         * @param error why
         */
        default void onUnreadable(long lineNo, PollenException error) {
        }

        /**
         * Told of the error line about to be written, with {@code --on-error continue}, for a line {@link #onLine}
         * refused, so it can add what it read of the line before the {@code error} field.
         *
         * @param lineNo its 1-based line number
         * @param errorLine the error line so far, {@code {"line":N}}
         */
        default void onErrorLine(long lineNo, ObjectNode errorLine) {
        }
    }

    /** The options of the streaming commands. */
    static final class Options {
        @Option(names = "--on-error", paramLabel = "continue|stop", description = "What a bad line does: stop (the"
                + " default) ends the command with exit 2 after the answers to the lines before it; continue answers"
                + " it in its place on stdout with {\"line\":N,\"error\":...} and goes on (exit 2 at the end if any"
                + " line was bad).")
        String onError;

        @Option(names = "--keep-going", description = "The same as --on-error continue (its older spelling).")
        boolean keepGoing;

        @Option(names = "--max-line-bytes", paramLabel = "N", defaultValue = "1048576", description = "Longest"
                + " input line accepted, in bytes (default: 1048576, 1 MiB; at most 67108864); a longer line is"
                + " refused without being read into memory.")
        int maxLineBytes;

        /** @return whether a bad line is answered in its place ({@code --on-error continue}) */
        boolean continueOnError() {
            return keepGoing || "continue".equals(onError);
        }

        /** Checks the options before anything is loaded. */
        void check() {
            if (onError != null && !onError.equals("continue") && !onError.equals("stop")) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "--on-error must be continue or stop"
                        + " (found " + dev.pollen.internal.Echo.quote(onError) + ")");
            }
            if (keepGoing && "stop".equals(onError)) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "--keep-going means --on-error continue,"
                        + " which contradicts the --on-error stop given too");
            }
            if (maxLineBytes < 1 || maxLineBytes > Utf8LineReader.MAX_LINE_BYTES_LIMIT) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "--max-line-bytes must be from 1 to "
                        + Utf8LineReader.MAX_LINE_BYTES_LIMIT + " (found " + maxLineBytes + ")");
            }
        }
    }

    private JsonLines() {
    }

    /**
     * Reads every line of {@code in} and hands it to {@code handler}.
     *
     * @param in standard input; not closed
     * @param out standard output, where error lines go with {@code --on-error continue}; flushed before every wait
     * @param options {@code --on-error} and {@code --max-line-bytes}
     * @param handler the command
     * @throws PollenException the first bad line's error, or with {@code --on-error continue} one naming how many
     *     lines were bad
     * @throws IOException when standard input fails
     */
    static void forEach(InputStream in, PrintWriter out, Options options, LineHandler handler) throws IOException {
        Utf8LineReader reader = new Utf8LineReader(in, "", options.maxLineBytes);
        long lines = 0;
        long bad = 0;
        long firstBad = 0;
        try {
            while (true) {
                if (!reader.lineReady()) {
                    handler.flushPending();
                    out.flush();
                }
                boolean read = false;
                try {
                    String line = reader.next();
                    read = true;
                    if (line == null) {
                        break;
                    }
                    if (line.isBlank()) {
                        continue;
                    }
                    lines++;
                    handler.onLine(reader.line(), line);
                } catch (PollenException e) {
                    if (!read) {
                        lines++; // a line the reader refused: not UTF-8, or too long
                        handler.onUnreadable(reader.line(), e);
                    }
                    if (!options.continueOnError() || e.category() != ErrorCategory.INVALID_ARGUMENT) {
                        throw e;
                    }
                    bad++;
                    firstBad = firstBad == 0 ? reader.line() : firstBad;
                    handler.flushPending();
                    ObjectNode errorLine = StrictJson.JSON.createObjectNode();
                    errorLine.put("line", reader.line());
                    if (read) {
                        handler.onErrorLine(reader.line(), errorLine);
                    }
                    out.println(withError(errorLine, reader.line(), e.getMessage()));
                }
            }
        } catch (IOException | RuntimeException e) {
            try {
                handler.flushPending();
            } catch (RuntimeException second) {
                e.addSuppressed(second);
            }
            out.flush();
            throw e;
        }
        handler.flushPending();
        out.flush();
        if (bad > 0) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, bad + " of " + lines + " line"
                    + (lines == 1 ? " was" : "s were") + " bad, each answered on stdout with its error (the first at"
                    + " line " + firstBad + ")");
        }
    }

    /**
     * @param errorLine {@code {"line":N, ...}}
     * @param lineNo the bad line
     * @param message its error, {@code line N: RULE}
     * @return {@code {"line":N, ...,"error":"RULE"}}, the rule cut to {@link #MESSAGE_CHARS}
     */
    private static String withError(ObjectNode errorLine, long lineNo, String message) {
        String prefix = "line " + lineNo + ": ";
        String rule = message.startsWith(prefix) ? message.substring(prefix.length()) : message;
        errorLine.put("error", dev.pollen.internal.Echo.cut(rule, MESSAGE_CHARS));
        return errorLine.toString();
    }
}
