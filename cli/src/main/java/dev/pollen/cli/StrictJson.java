package dev.pollen.cli;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.internal.Echo;
import java.io.IOException;
import java.math.BigDecimal;

/**
 * Parses one JSON-line object strictly, the one parser of the CLI's JSON-line inputs: exactly one object per line
 * (trailing content is an error) and every field at most once at every level
 * ({@link StreamReadFeature#STRICT_DUPLICATE_DETECTION}). {@code NaN} and {@code Infinity} are not JSON and stay
 * refused by the parser; a decimal beyond the double range ({@code 1e309}) arrives as an infinite double, which the
 * commands refuse, and {@link #asWritten} re-reads a refused line with exact decimals to name the value as it was
 * written. (Reading every line with exact decimals would name it directly, but parsing a line of 32 floats took
 * 1.5 to 3 times as long in a rough loop on the 2-core dev machine: a {@link BigDecimal} per value, then a string
 * round trip in {@code BigDecimal.floatValue()}.)
 */
final class StrictJson {
    /** The strict reader; also writes the CLI's JSON lines. */
    static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    /** The same rules with decimals kept as written ({@link BigDecimal}, trailing zeros kept), for messages. */
    private static final ObjectMapper EXACT = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
            .build();
    /**
     * Reads one value and stops after it, so {@link #object} can name what follows; the mapper's own
     * {@link DeserializationFeature#FAIL_ON_TRAILING_TOKENS} would refuse the same lines with Jackson's message.
     */
    private static final ObjectReader ONE_VALUE = JSON.reader().without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** Most characters of a parser message kept in ours. */
    private static final int PARSER_MESSAGE_CHARS = 200;
    /** How Jackson's {@link StreamReadFeature#STRICT_DUPLICATE_DETECTION} starts its message, before the name. */
    private static final String DUPLICATE = "Duplicate field '";

    private StrictJson() {
    }

    /**
     * @param where the position for messages: {@code line 3}, {@code ads.jsonl line 3}
     * @param line the line's text
     * @param what what the object must be, for messages: {@code describing one transaction}
     * @return the object
     * @throws PollenException {@link ErrorCategory#INVALID_ARGUMENT} naming the position, the rule and the value
     */
    static JsonNode object(String where, String line, String what) {
        JsonNode node;
        try (JsonParser p = JSON.createParser(line)) {
            try {
                node = ONE_VALUE.readTree(p);
            } catch (JsonProcessingException e) {
                String m = String.valueOf(e.getOriginalMessage());
                String rule = m.startsWith(DUPLICATE) && m.endsWith("'")
                        ? "must name each field once (found " + Echo.quote(m.substring(DUPLICATE.length(),
                                m.length() - 1)) + " again"
                        : "must be a JSON object " + what + " (" + Echo.cut(m, PARSER_MESSAGE_CHARS);
                // a limit error (nesting deeper than Jackson's 1,000, say) has no location
                throw fail(where, rule + (e.getLocation() == null ? "" : " at column "
                        + e.getLocation().getColumnNr()) + ")");
            }
            if (node == null || node.isMissingNode() || !node.isObject()) {
                throw fail(where, "must be a JSON object " + what + " (found " + (node == null
                        || node.isMissingNode() ? "nothing" : show(node)) + ")");
            }
            int end = (int) Math.min(line.length(), p.currentLocation().getCharOffset());
            boolean more;
            try {
                more = p.nextToken() != null;
            } catch (JsonProcessingException e) {
                more = true;
            }
            if (more) {
                throw fail(where, "must hold one JSON object and nothing after it (found "
                        + Echo.quote(line.substring(end).strip()) + " after column " + end + ")");
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot happen: reading a string", e);
        }
        return node;
    }

    /**
     * Re-reads a line {@link #object} accepted with decimals exact, so an error can show a value as written
     * ({@code 1E+309}, not {@code Infinity}). For error paths only.
     *
     * @param line the line
     * @return its object with exact decimals, or {@code null} if it cannot be read again
     */
    static JsonNode asWritten(String line) {
        try (JsonParser p = EXACT.createParser(line)) {
            return EXACT.readTree(p);
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * @param v a JSON value from outside
     * @return it for a message: a string quoted and cut ({@link Echo#quote}), anything else as JSON text, cut
     */
    static String show(JsonNode v) {
        if (v == null) {
            return "nothing";
        }
        return v.isTextual() ? Echo.quote(v.textValue()) : Echo.cut(v.toString());
    }

    static PollenException fail(String where, String rule) {
        return new PollenException(ErrorCategory.INVALID_ARGUMENT, where + ": " + rule);
    }
}
