package dev.pollen.embedding.source;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** The sources' error messages: {@code FILE POSITION: RULE (offending value)}, in one place. */
final class Sources {
    /** Offending values longer than this are cut in messages. */
    private static final int SHOWN_CHARS = 40;

    private Sources() {
    }

    /**
     * @param file the file at fault
     * @param where the position ({@code line 17 column 3}, {@code row 5 (byte offset 148)}), or empty
     * @param rule what is wrong, with the offending value
     * @return an {@code INVALID_ARGUMENT} exception
     */
    static PollenException malformed(Path file, String where, String rule) {
        return new PollenException(ErrorCategory.INVALID_ARGUMENT,
                file + (where.isEmpty() ? "" : " " + where) + ": " + rule);
    }

    /**
     * @param file the file being read
     * @param what what failed
     * @param e the failure
     * @return an {@code IO} exception ({@code NOT_FOUND} if the file vanished)
     */
    static PollenException ioFailure(Path file, String what, IOException e) {
        ErrorCategory category = e instanceof NoSuchFileException ? ErrorCategory.NOT_FOUND : ErrorCategory.IO;
        return new PollenException(category, file + ": " + what + ": " + e, e);
    }

    /**
     * @param value an offending value
     * @return it in single quotes, cut to {@value #SHOWN_CHARS} characters
     */
    static String show(String value) {
        return show(value, SHOWN_CHARS);
    }

    /**
     * @param value an offending value
     * @param max the most characters to show
     * @return it in single quotes, cut to {@code max} characters
     */
    static String show(String value, int max) {
        if (value.length() <= max) {
            return "'" + value + "'";
        }
        return "'" + value.substring(0, max) + "...' (" + value.length() + " characters)";
    }
}
