package dev.pollen.adapters.personalization;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.internal.Echo;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The titles' popularity, published with the ranker as its attachment {@code popularity.jsonl}: one line per title,
 * its id in the content table and its plays in the viewing history the ranker was built from,
 *
 * <pre>{@code
 * {"id":"t000001","plays":412}
 * }</pre>
 *
 * It feeds {@link RankFeatures#POPULARITY} (the most plays of any line is the scale) and the cold-start prior of
 * {@link TitleRanker}. Carried by the model rather than the content table because it is a fact of the history the
 * model learnt from: a new ranker version brings its own. A title the file does not list has 0 plays. Read as
 * untrusted: a bad line is refused with its number and the rule.
 */
public final class TitlePopularity {
    /** The attachment's file name. */
    public static final String FILE = "popularity.jsonl";
    /** The most lines a file may hold. */
    public static final int MAX_TITLES = 10_000_000;
    /** The most plays one title may have. */
    public static final long MAX_PLAYS = 1_000_000_000_000L;
    /** The longest id. */
    public static final int MAX_ID_LENGTH = 128;

    private static final ObjectMapper JSON = new ObjectMapper();

    private TitlePopularity() {
    }

    /**
     * @param plays plays by title id, written in iteration order
     * @param file where to write (replaced)
     * @throws IOException when the file cannot be written
     */
    public static void write(Map<String, Long> plays, Path file) throws IOException {
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
             JsonGenerator g = JSON.getFactory().createGenerator(w)) {
            g.configure(JsonGenerator.Feature.AUTO_CLOSE_TARGET, false);
            for (Map.Entry<String, Long> e : plays.entrySet()) {
                g.writeStartObject();
                g.writeStringField("id", e.getKey());
                g.writeNumberField("plays", e.getValue());
                g.writeEndObject();
                g.flush();
                w.write('\n');
            }
        }
    }

    /**
     * @param file a {@code popularity.jsonl}
     * @return plays by title id, in file order
     * @throws PollenException {@link ErrorCategory#INVALID_ARGUMENT} naming the line of a bad, repeated or
     *     excess line, {@link ErrorCategory#IO} when the file cannot be read
     */
    public static Map<String, Long> read(Path file) {
        Map<String, Long> out = new LinkedHashMap<>();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int n = 0;
            while ((line = r.readLine()) != null) {
                n++;
                if (line.isBlank()) {
                    continue;
                }
                if (out.size() == MAX_TITLES) {
                    throw bad(file, n, "a popularity file may list at most " + MAX_TITLES + " titles");
                }
                JsonNode node;
                try {
                    node = JSON.readTree(line);
                } catch (IOException e) {
                    throw bad(file, n, "a line must be a JSON object");
                }
                JsonNode id = node == null ? null : node.get("id");
                if (id == null || !id.isTextual() || id.asText().isEmpty() || id.asText().length() > MAX_ID_LENGTH) {
                    throw bad(file, n, "id must be a string of 1 to " + MAX_ID_LENGTH + " characters (found " + id
                            + ")");
                }
                JsonNode plays = node.get("plays");
                if (plays == null || !plays.canConvertToLong() || !plays.isIntegralNumber() || plays.asLong() < 0
                        || plays.asLong() > MAX_PLAYS) {
                    throw bad(file, n, "plays must be a whole number from 0 to " + MAX_PLAYS + " (found " + plays
                            + ")");
                }
                if (out.put(id.asText(), plays.asLong()) != null) {
                    throw bad(file, n, "a title may be listed once (found " + Echo.quote(id.asText()) + " again)");
                }
            }
        } catch (IOException e) {
            throw new PollenException(ErrorCategory.IO, "cannot read " + file + ": " + e.getMessage(), e);
        }
        return out;
    }

    private static PollenException bad(Path file, int line, String rule) {
        return new PollenException(ErrorCategory.INVALID_ARGUMENT, FILE + " " + file + " line " + line + ": " + rule);
    }
}
