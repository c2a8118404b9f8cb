package dev.pollen.models.studio;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes titles as JSON lines, one object per title with the fields in a fixed order:
 * {@code {"id":"t000001","text":"...","title":"...","genres":["sci-fi","thriller"],"tone":"tense",
 * "maturity":"teen","synopsis":"...","year":1987}}. {@code text} is {@link Title#text()}, what the content encoder
 * embeds; {@code maturity} is the rating's {@link dev.pollen.adapters.ads.Maturity#label()}. The same titles always
 * give the same bytes (UTF-8, {@code \n} line ends, no spaces).
 *
 * <p>Written by hand rather than with Jackson: Jackson lives in {@code catalog.fs} and {@code cli}, and seven string
 * fields need only the escaping of RFC 8259 section 7.
 */
public final class TitleJsonLines {
    private TitleJsonLines() {
    }

    /**
     * @param title a title
     * @return its JSON object on one line, without the line end
     */
    public static String line(Title title) {
        StringBuilder sb = new StringBuilder(512);
        sb.append("{\"id\":");
        string(sb, title.id());
        sb.append(",\"text\":");
        string(sb, title.text());
        sb.append(",\"title\":");
        string(sb, title.title());
        sb.append(",\"genres\":[");
        for (int i = 0; i < title.genres().size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            string(sb, title.genres().get(i));
        }
        sb.append("],\"tone\":");
        string(sb, title.tone());
        sb.append(",\"maturity\":");
        string(sb, title.maturity().label());
        sb.append(",\"synopsis\":");
        string(sb, title.synopsis());
        sb.append(",\"year\":").append(title.year()).append('}');
        return sb.toString();
    }

    /**
     * @param titles the titles, in order
     * @param out where the lines go; not closed
     * @throws IOException if writing fails
     */
    public static void write(List<Title> titles, Writer out) throws IOException {
        for (Title title : titles) {
            out.write(line(title));
            out.write('\n');
        }
    }

    /**
     * @param titles the titles, in order
     * @param file the file to create or replace
     * @throws PollenException with category {@code IO} if writing fails
     */
    public static void write(List<Title> titles, Path file) {
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            write(titles, out);
        } catch (IOException e) {
            throw new PollenException(ErrorCategory.IO, "cannot write the titles to " + file + ": " + e, e);
        }
    }

    private static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
