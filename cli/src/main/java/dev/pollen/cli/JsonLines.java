package dev.pollen.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/** Reads standard input as JSON lines: each non-blank line with its 1-based number, for error messages. */
final class JsonLines {
    /** Handles one line. */
    @FunctionalInterface
    interface LineHandler {
        void onLine(long lineNo, String line) throws IOException;
    }

    private JsonLines() {
    }

    static void forEach(InputStream in, LineHandler handler) throws IOException {
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        long lineNo = 0;
        String line;
        while ((line = reader.readLine()) != null) {
            lineNo++;
            if (!line.isBlank()) {
                handler.onLine(lineNo, line);
            }
        }
    }
}
